import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import * as path from "node:path";
import { keyFingerprints } from "../../src/model/pgp-key";
import { docker, run } from "./docker-cli";
import { RIG_NETWORK, smallImageTags } from "./rig";

const SCRIPT = path.join(__dirname, "docker-packages.sh");
/** Sourced by both package builds: part of what their caches are keyed by. */
export const STAND_IN_COMMON = path.join(__dirname, "stand-in-common.sh");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the built stand-ins for download.docker.com live (outside the repo, kept across runs). */
export const DOCKER_PACKAGES_CACHE = process.env.DOCKYARD_RIG_CACHE ?? "/var/cache/dockyard-rig";

export interface DockerPackages {
  /** The apt repository root: `<dir>/linux/debian/gpg`, `<dir>/linux/debian/dists/bookworm/...`. */
  dir: string;
  /** Path of the offline bundle (`docker-<version>.tgz`, a top-level `docker/` folder). */
  bundle: string;
  /** Hex SHA-256 of the bundle. */
  bundleSha256: string;
  /** Version of the binaries in the bundle (this machine's Debian docker.io, e.g. `20.10.24`). */
  bundleVersion: string;
  /** Fingerprint of the repository's throwaway signing key: what a mirror pin (`mirrorKeyFingerprint`) must say. */
  keyFingerprint: string;
}

/** The fingerprint of the one primary key in an armored key file the rig built. */
export function rigKeyFingerprint(keyFile: string): string {
  const [fp, ...more] = keyFingerprints(readFileSync(keyFile, "utf8")).primary;
  if (!fp || more.length) throw new Error(`rig: ${keyFile} should hold exactly one key`);
  return fp;
}

/** The repository's package versions (see docker-packages.sh). */
export const DOCKER_CE_VERSIONS = ["5:24.0.7-1~debian.12~bookworm", "5:25.0.3-1~debian.12~bookworm"] as const;
export const CONTAINERD_IO_VERSION = "1.6.20-1";

function packagesDir(): string {
  const hash = createHash("sha256").update(readFileSync(SCRIPT)).update(readFileSync(STAND_IN_COMMON)).digest("hex").slice(0, 12);
  return path.join(DOCKER_PACKAGES_CACHE, `docker-packages-${hash}`);
}

/**
 * Builds the docker-ce apt repository and the offline bundle from this machine's Debian binaries
 * (docker-packages.sh), once per version of that script: later calls, from any process, reuse
 * the cache directory. Concurrent builders wait for each other on a lock; the build goes to a
 * temporary directory renamed into place, so a directory that exists is complete.
 */
export async function ensureDockerPackages(): Promise<DockerPackages> {
  const out = packagesDir();
  if (!existsSync(out)) {
    mkdirSync(DOCKER_PACKAGES_CACHE, { recursive: true });
    // Under the lock: no other build is running, so leftovers of an interrupted one can go.
    const cmd =
      'out="$1"; [ -d "$out" ] && exit 0; rm -rf "$out".tmp-*; tmp="$out.tmp-$$"; ' +
      'bash "$2" "$tmp" && mv -T "$tmp" "$out" || { rm -rf "$tmp"; exit 1; }';
    await run("flock", [path.join(DOCKER_PACKAGES_CACHE, "docker-packages.lock"), "sh", "-c", cmd, "sh", out, SCRIPT], {
      timeoutMs: 20 * 60 * 1000,
    });
  }
  const bundles = path.join(out, "bundles");
  const name = readdirSync(bundles).find((f) => /^docker-.+\.tgz$/.test(f));
  if (!name) throw new Error(`rig: no docker-*.tgz in ${bundles}`);
  const bundle = path.join(bundles, name);
  return {
    dir: path.join(out, "repo"),
    bundle,
    bundleSha256: readFileSync(`${bundle}.sha256`, "utf8").trim(),
    bundleVersion: name.slice("docker-".length, -".tgz".length),
    keyFingerprint: rigKeyFingerprint(path.join(out, "repo", "linux", "debian", "gpg")),
  };
}

/** The HTTP status a URL answers with; 0 when nothing answers within 2 s. */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(0));
  });
}

/** `["a=1", "b=2"]` or `["--label", "a=1", ...]` (as the rig passes them) -> docker run arguments. */
function labelArgs(labels: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === "--label" || labels[i] === "-l") args.push("--label", labels[++i] ?? "");
    else if (labels[i].startsWith("--label=")) args.push(labels[i]);
    else args.push("--label", labels[i]);
  }
  return args;
}

/**
 * Serves the docker-ce repository (ensureDockerPackages) over HTTP on the rig network, the way
 * download.docker.com serves it: `${baseUrl}/linux/debian/gpg` is the key and
 * `deb [arch=amd64 signed-by=...] ${baseUrl}/linux/debian bookworm stable` the source. Runs the
 * rig's nginx stand-in (busybox httpd) with the repository mounted read-only, as
 * `dyr-<runId>-packages`; a server of that run already up on the same image and directory is
 * kept (its address stays the same). Needs the rig's images and network (after `Rig.start`).
 * Plain HTTP with a throwaway key: Dockyard needs `allowInsecureHttp: true` and
 * `mirrorKeyFingerprint: keyFingerprint` for it.
 */
export async function startPackageServer(
  runId: string,
  labels: string[],
): Promise<{ container: string; baseUrl: string; bundleUrl: string; keyFingerprint: string }> {
  const pkgs = await ensureDockerPackages();
  // The whole build is served: the repository under /repo (a mirror base URL with a path, as
  // real mirrors have) and the offline bundle under /bundles.
  const dir = path.dirname(pkgs.dir);
  const image = smallImageTags().nginx;
  const container = `dyr-${runId}-packages`;
  const current = (
    await docker(["inspect", "-f", "{{.State.Running}} {{.Config.Image}} {{range .Mounts}}{{.Source}}{{end}}", container]).catch(() => "")
  ).trim();
  if (current !== `true ${image} ${dir}`) {
    if (
      !(await docker(["image", "inspect", image]).then(
        () => true,
        () => false,
      ))
    ) {
      throw new Error(`rig: image ${image} is missing; start a rig (Rig.start) before the package server`);
    }
    await docker(["rm", "-f", "-v", container]).catch(() => undefined);
    await docker([
      "run",
      "-d",
      "--name",
      container,
      ...labelArgs(labels),
      "--network",
      RIG_NETWORK,
      "-v",
      `${dir}:/usr/share/nginx/html:ro`,
      image,
    ]);
  }
  const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${RIG_NETWORK}").IPAddress}}`, container])).trim();
  if (!ip) throw new Error(`rig: ${container} has no address on ${RIG_NETWORK}`);
  const baseUrl = `http://${ip}/repo`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await httpStatus(`${baseUrl}/linux/debian/gpg`);
    if (status === 200) break;
    if (Date.now() > deadline) {
      const logs = await docker(["logs", "--tail", "20", container]).catch(() => "");
      throw new Error(`rig: package server ${container} did not answer at ${baseUrl} within 30 s (last status ${status})\n${logs}`);
    }
    await sleep(200);
  }
  return { container, baseUrl, bundleUrl: `http://${ip}/bundles/${path.basename(pkgs.bundle)}`, keyFingerprint: pkgs.keyFingerprint };
}
