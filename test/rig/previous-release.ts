// The packed npm package of the previous release, built from its commit in this repository's
// history: the upgrade test installs it as a user had it, makes a stack, then upgrades.
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { run } from "./docker-cli";
import { DOCKER_PACKAGES_CACHE } from "./package-server";

/** The release before the provider plugin: every resource a dynamic one. */
export const PREVIOUS_RELEASE = { version: "0.3.0", commit: "94331f0bd40eefa0e7b20bc1a52dcdba5176ddad" } as const;

const REPO = path.resolve(__dirname, "..", "..");

/**
 * The previous release's tarball, built once (git archive of its commit, npm ci, build, pack) into
 * the rig's cache; later calls, from any process, reuse it. The build happens in a temporary
 * directory under a lock, so a tarball that exists is complete.
 */
export async function previousReleaseTarball(): Promise<string> {
  const { version, commit } = PREVIOUS_RELEASE;
  const out = path.join(DOCKER_PACKAGES_CACHE, `release-${version}-${commit.slice(0, 12)}`);
  if (!existsSync(out)) {
    mkdirSync(DOCKER_PACKAGES_CACHE, { recursive: true });
    const cmd = [
      'out="$1"; [ -d "$out" ] && exit 0; rm -rf "$out".tmp-*; tmp="$out.tmp-$$"; mkdir -p "$tmp/src"',
      'git -C "$2" archive "$3" | tar -x -C "$tmp/src"',
      'cd "$tmp/src" && npm ci --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel error && npx tsc -p tsconfig.build.json',
      'npm pack --ignore-scripts --pack-destination "$tmp" --loglevel error >/dev/null && cd / && rm -rf "$tmp/src" && mv -T "$tmp" "$out"',
    ].join(" && ");
    await run(
      "flock",
      [path.join(DOCKER_PACKAGES_CACHE, "release.lock"), "sh", "-c", `${cmd} || { rm -rf "$tmp"; exit 1; }`, "sh", out, REPO, commit],
      {
        timeoutMs: 15 * 60 * 1000,
      },
    );
  }
  const name = readdirSync(out).find((f) => f.endsWith(".tgz"));
  if (!name) throw new Error(`rig: no tarball in ${out}`);
  return path.join(out, name);
}
