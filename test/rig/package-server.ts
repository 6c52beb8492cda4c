import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { keyFingerprints } from "../../src/model/pgp-key";
import { run } from "./docker-cli";
import { serveDirectory } from "./file-server";

const SCRIPT = path.join(__dirname, "docker-packages.sh");
/** Sourced by both package builds: part of what their caches are keyed by. */
export const STAND_IN_COMMON = path.join(__dirname, "stand-in-common.sh");
/** Run by both package builds (Debian 13's docker, compose and buildx packages). */
export const TRIXIE_DEBS = path.join(__dirname, "trixie-debs.sh");

/** A short hash of a package build's script and the files it sources or runs: its cache key. */
export function standInHash(script: string): string {
  const h = createHash("sha256");
  for (const f of [script, STAND_IN_COMMON, TRIXIE_DEBS]) h.update(readFileSync(f));
  return h.digest("hex").slice(0, 12);
}

/** Where the built stand-ins for download.docker.com live (outside the repo, kept across runs). */
export const DOCKER_PACKAGES_CACHE = process.env.DOCKYARD_RIG_CACHE ?? "/var/cache/dockyard-rig";

export interface DockerPackages {
  /** The apt repository root: `<dir>/linux/debian/gpg`, `<dir>/linux/debian/dists/{bookworm,trixie}/...`. */
  dir: string;
  /** Path of the offline bundle (`docker-<version>.tgz`, a top-level `docker/` folder). */
  bundle: string;
  /** Hex SHA-256 of the bundle. */
  bundleSha256: string;
  /** Version of the binaries in the bundle (this machine's Debian docker.io, e.g. `20.10.24`). */
  bundleVersion: string;
  /** Fingerprint of the repository's throwaway signing key: what a mirror pin (`mirrorKeyFingerprint`) must say. */
  keyFingerprint: string;
  /** The plain compose v2 CLI plugin beside the bundle (Debian 13's 2.26.1), as upstream publishes `docker-compose-linux-x86_64`. */
  composeBinary: string;
  /** Hex SHA-256 of composeBinary. */
  composeSha256: string;
}

/** Versions of the CLI plugin packages the repositories carry (docker-compose-plugin, docker-buildx-plugin). */
export const COMPOSE_PLUGIN_VERSION = "2.26.1";
export const BUILDX_PLUGIN_VERSION = "0.13.1";

/** The fingerprint of the one primary key in an armored key file the rig built. */
export function rigKeyFingerprint(keyFile: string): string {
  const [fp, ...more] = keyFingerprints(readFileSync(keyFile, "utf8")).primary;
  if (!fp || more.length) throw new Error(`rig: ${keyFile} should hold exactly one key`);
  return fp;
}

/** The repository's package versions (see docker-packages.sh). */
export const DOCKER_CE_VERSIONS = ["5:24.0.7-1~debian.12~bookworm", "5:25.0.3-1~debian.12~bookworm"] as const;
export const CONTAINERD_IO_VERSION = "1.6.20-1";
/**
 * The trixie suite's docker-ce versions (dists/trixie, Debian 13 hosts) and the engine version
 * each one's dockerd reports: Debian 12's docker.io in the first two, Debian 13's real docker.io
 * 26.1.5 in the last (see docker-packages.sh). The bookworm suite has only DOCKER_CE_VERSIONS.
 */
export const TRIXIE_DOCKER_CE_VERSIONS = {
  "5:24.0.7-1~debian.13~trixie": "20.10.24",
  "5:25.0.3-1~debian.13~trixie": "20.10.24",
  "5:26.1.5-1~debian.13~trixie": "26.1.5",
} as const;

function packagesDir(): string {
  return path.join(DOCKER_PACKAGES_CACHE, `docker-packages-${standInHash(SCRIPT)}`);
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
    composeBinary: path.join(bundles, "docker-compose-linux-x86_64"),
    composeSha256: readFileSync(path.join(bundles, "docker-compose-linux-x86_64.sha256"), "utf8").trim(),
  };
}

/**
 * Serves the docker-ce repository (ensureDockerPackages) over HTTP on the rig network, the way
 * download.docker.com serves it: `${baseUrl}/linux/debian/gpg` is the key and
 * `deb [arch=amd64 signed-by=...] ${baseUrl}/linux/debian bookworm stable` (or `trixie stable`) the source. Runs the
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
  const { container, base } = await serveDirectory({
    container: `dyr-${runId}-packages`,
    dir,
    labels,
    probePath: "/repo/linux/debian/gpg",
    keep: true,
  });
  const baseUrl = `${base}/repo`;
  return { container, baseUrl, bundleUrl: `${base}/bundles/${path.basename(pkgs.bundle)}`, keyFingerprint: pkgs.keyFingerprint };
}
