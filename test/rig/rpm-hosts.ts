import { existsSync, mkdirSync } from "node:fs";
import * as path from "node:path";
import { run } from "./docker-cli";
import { DOCKER_PACKAGES_CACHE, rigKeyFingerprint, standInHash } from "./package-server";
import { serveDirectory } from "./file-server";
import { ensureImage, hostImageTag, recipeTag, type Rig, type RigHost } from "./rig";

/*
 * RHEL-family rig hosts. No RPM distribution can be downloaded here, so these are the rig's
 * Debian host with Debian's own rpm/dnf stack (host-rpm.sh), presenting as a distribution through
 * its os-release, $releasever and yum/dnf commands: dnf on a Debian userland, not the
 * distribution itself. Their packages come from docker-rpm-packages.sh.
 */

/** The distributions a rig host can present as. */
export type RpmFlavour = "rocky9" | "alma9" | "centos7" | "amzn2023";

export const RPM_FLAVOURS: Record<RpmFlavour, { label: string; packageManager: "yum" | "dnf"; el: "el7" | "el9" }> = {
  rocky9: { label: "Rocky 9 flavour (dnf on a Debian userland)", packageManager: "dnf", el: "el9" },
  alma9: { label: "AlmaLinux 9 flavour (dnf on a Debian userland)", packageManager: "dnf", el: "el9" },
  centos7: { label: "CentOS 7 flavour (yum: dnf on a Debian userland)", packageManager: "yum", el: "el7" },
  amzn2023: { label: "Amazon Linux 2023 flavour (dnf on a Debian userland)", packageManager: "dnf", el: "el9" },
};

const RIG_DIR = __dirname;
const SCRIPT = path.join(RIG_DIR, "docker-rpm-packages.sh");

export function rpmHostImageTag(): string {
  return recipeTag("dockyard-rig/host-rpm", "host-base.sh", "host-config.sh", "host-rpm.sh");
}

/** Builds the flavour image once per recipe (on top of the rig's host image, which Rig.start builds). */
export async function ensureRpmHostImage(): Promise<string> {
  const tag = rpmHostImageTag();
  await ensureImage(tag, "host-rpm.sh", [hostImageTag(), tag]);
  return tag;
}

/** Builds the RPM repositories once per version of their script, like ensureDockerPackages. */
export async function ensureRpmPackages(): Promise<string> {
  const hash = standInHash(SCRIPT);
  const out = path.join(DOCKER_PACKAGES_CACHE, `docker-rpm-packages-${hash}`);
  if (!existsSync(out)) {
    mkdirSync(DOCKER_PACKAGES_CACHE, { recursive: true });
    const cmd =
      'out="$1"; [ -d "$out" ] && exit 0; rm -rf "$out".tmp-*; tmp="$out.tmp-$$"; ' +
      'bash "$2" "$tmp" && mv -T "$tmp" "$out" || { rm -rf "$tmp"; exit 1; }';
    await run("flock", [path.join(DOCKER_PACKAGES_CACHE, "docker-rpm-packages.lock"), "sh", "-c", cmd, "sh", out, SCRIPT], {
      timeoutMs: 20 * 60 * 1000,
    });
  }
  return out;
}

export interface RpmPackageServer {
  container: string;
  /** docker-ce mirror base URL: `${mirror}/linux/centos/gpg`, `${mirror}/linux/centos/9/x86_64/stable`. */
  mirror: string;
  /** Base of the flavours' distribution repositories (`${distro}/el7`, ...). */
  distro: string;
  /** Where the old packages are (`${old}/<file>.rpm`). */
  old: string;
  /** Fingerprint of the mirror's throwaway signing key (plain HTTP: pass it with allowInsecureHttp). */
  keyFingerprint: string;
}

/** Serves the RPM repositories over HTTP on the rig network as `dyr-<runId>-rpm-packages`. */
export async function startRpmPackageServer(rig: Rig): Promise<RpmPackageServer> {
  const dir = await ensureRpmPackages();
  const { container, base } = await serveDirectory({
    container: `dyr-${rig.runId}-rpm-packages`,
    dir,
    labels: rig.labels(),
    probePath: "/mirror/linux/centos/gpg",
  });
  const server = {
    container,
    mirror: `${base}/mirror`,
    distro: `${base}/distro`,
    old: `${base}/old`,
    keyFingerprint: rigKeyFingerprint(path.join(dir, "mirror", "linux", "centos", "gpg")),
  };
  return server;
}

/** Boots a host of the flavour, its distribution repository pointing at the server. */
export async function addRpmHost(rig: Rig, name: string, flavour: RpmFlavour, server: RpmPackageServer): Promise<RigHost> {
  const image = await ensureRpmHostImage();
  return rig.addHost(name, { image, extraArgs: ["-e", `RIG_FLAVOUR=${flavour}`, "-e", `RIG_DISTRO_REPO=${server.distro}`] });
}

/** The old packages a guide removes first, as the rig builds them. */
export const OLD_PACKAGES = {
  docker: "docker-1.13.1-103.git7f2769b.el7.centos.x86_64.rpm",
  "docker-client": "docker-client-1.13.1-103.git7f2769b.el7.centos.x86_64.rpm",
  "docker-common": "docker-common-1.13.1-103.git7f2769b.el7.centos.x86_64.rpm",
  "docker-engine": "docker-engine-17.05.0.ce-1.el7.centos.x86_64.rpm",
  "podman-docker": "podman-docker-4.6.1-5.el9.x86_64.rpm",
  runc: "runc-1.1.9-1.el9.x86_64.rpm",
} as const;

/**
 * Installs old packages with rpm (test set-up, not Dockyard's path). Their signatures are not
 * checked and no key is imported, so the first signed install on the host has to import the
 * repository's key itself (from its gpgkey URL).
 */
export async function installOldPackages(
  rig: Rig,
  h: RigHost,
  server: RpmPackageServer,
  names: (keyof typeof OLD_PACKAGES)[],
): Promise<void> {
  const files = names.map((n) => `${server.old}/${OLD_PACKAGES[n]}`).join(" ");
  await rig.exec(
    h,
    `cd /tmp && curl -fsS --remote-name-all ${files} && rpm -i --nosignature ${names.map((n) => OLD_PACKAGES[n]).join(" ")} 2>&1 | grep -v 'RPM should not be used\\|assuming you know' || true`,
  );
  const missing = (await rig.exec(h, `for p in ${names.join(" ")}; do rpm -q "$p" >/dev/null || echo "$p"; done`)).trim();
  if (missing) throw new Error(`rig: old packages not installed on ${h.name}: ${missing}`);
}
