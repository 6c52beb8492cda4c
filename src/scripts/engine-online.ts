import type { Distro } from "../host/distro";
import { script, shq } from "./shell";

/** Where packages come from: Docker's docker-ce repository (or a mirror of it), or the distro's own. */
export type PackageSource = "docker-ce" | "distro";

export interface OnlineRepository {
  /** Base URL of docker-ce or of a mirror serving the same tree (`<base>/linux/<os>/...`). */
  mirror: string;
  /** docker-ce channel: `stable` or `test`. */
  channel: string;
}

const APT = "apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3";
// yum has no lock timeout option; it waits for the lock on its own.
const pm = (d: Distro) => (d.packageManager === "apt-get" ? APT : `${d.packageManager} -y`);

/** The docker-ce packages of an install, in install order. */
export const DOCKER_CE_PACKAGES = ["docker-ce", "docker-ce-cli", "containerd.io"];

/** Packages that conflict with the engine about to be installed. */
export function conflictingPackages(d: Distro, source: PackageSource): string[] {
  if (source === "distro") return ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"];
  if (d.family === "debian") return ["docker.io", "docker-doc", "docker-compose", "docker-compose-v2", "podman-docker", "containerd", "runc"];
  const old = ["docker", "docker-client", "docker-client-latest", "docker-common", "docker-latest", "docker-latest-logrotate", "docker-logrotate", "docker-engine"];
  // podman-docker and the distro's runc conflict with docker-ce/containerd.io on EL8+ and Fedora.
  return d.packageManager === "dnf" ? [...old, "podman-docker", "runc"] : old;
}

/** Lists which of the packages are installed, one name per line. */
function installedFilter(d: Distro, pkgs: string[], variable: string): string[] {
  const test =
    d.family === "debian"
      ? `dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'ok installed'`
      : `rpm -q "$p" >/dev/null 2>&1`;
  return [`${variable}=""`, `for p in ${pkgs.join(" ")}; do`, `  if ${test}; then ${variable}="$${variable} $p"; fi`, "done"];
}

/** Where the repository files found before a prepare wait until the install has gone through. */
export const REPO_BACKUP_DIR = "/var/lib/dockyard/repo-before";

/** The files a docker-ce prepare writes: what a refused install must put back as they were. */
export function repositoryFiles(d: Distro, source: PackageSource): string[] {
  if (source === "distro") return [];
  return d.family === "debian" ? ["/etc/apt/sources.list.d/docker.list", "/etc/apt/keyrings/docker.asc"] : ["/etc/yum.repos.d/docker-ce.repo"];
}

/** Backup name of a repository file (its path, slashes as underscores); `.absent` marks one that was not there. */
const backupOf = (f: string, dir = REPO_BACKUP_DIR) => `${dir}/${f.replace(/\//g, "_")}`;

/**
 * Keeps the repository files as they are before a prepare overwrites them. A backup left by an
 * interrupted run is kept: it holds the files from before that run.
 */
function repositoryBackup(files: string[]): string[] {
  if (!files.length) return [];
  const tmp = `${REPO_BACKUP_DIR}.new`;
  return [
    `if [ ! -d ${REPO_BACKUP_DIR} ]; then`,
    `  rm -rf ${tmp} && install -d -m 0700 ${tmp}`,
    ...files.map((f) => `  if [ -e ${f} ]; then cp -p ${f} ${backupOf(f, tmp)}; else : > ${backupOf(f, tmp)}.absent; fi`),
    `  mv ${tmp} ${REPO_BACKUP_DIR}`,
    "fi",
  ];
}

/**
 * Puts the repository files back as they were before the prepare (removing those that were not
 * there) and refreshes the index: run when the install is refused (no version matches the pin,
 * a downgrade not allowed) so that a refusal changes nothing.
 */
export function renderRepositoryRestore(d: Distro, source: PackageSource): string {
  const files = repositoryFiles(d, source);
  if (!files.length) return script("true");
  return script(
    `if [ -d ${REPO_BACKUP_DIR} ]; then`,
    ...files.map((f) => `  if [ -e ${backupOf(f)}.absent ]; then rm -f ${f}; elif [ -e ${backupOf(f)} ]; then mv ${backupOf(f)} ${f}; fi`),
    `  rm -rf ${REPO_BACKUP_DIR}`,
    "  rmdir /var/lib/dockyard 2>/dev/null || true",
    `  ${d.family === "debian" ? `${APT} update -qq` : `${pm(d)} makecache -q`} || true`,
    "fi",
  );
}

/** Drops the backup once the repository files are the ones the install used. */
export function renderRepositoryCommit(): string {
  return script(`rm -rf ${REPO_BACKUP_DIR}`);
}

/**
 * Prepares the package source without changing what is installed: prerequisites, the signing
 * key and the repository definition pointing at the mirror for the packages themselves (apt
 * line, yum baseurl), then a refresh of that repository's index. The files it replaces are kept
 * (renderRepositoryRestore puts them back, renderRepositoryCommit drops them).
 */
export function renderOnlinePrepare(d: Distro, source: PackageSource, repo: OnlineRepository): string {
  const base = repo.mirror.replace(/\/+$/, "");
  if (source === "distro") {
    return d.family === "debian"
      ? script("export DEBIAN_FRONTEND=noninteractive", `${APT} update -qq`)
      : script(`${pm(d)} makecache -q`);
  }
  const root = `${base}/linux/${d.repoOs}`;
  if (d.family === "debian") {
    const line = `deb [arch=ARCH signed-by=/etc/apt/keyrings/docker.asc] ${root} ${d.codename} ${repo.channel}`;
    return script(
      "export DEBIAN_FRONTEND=noninteractive",
      ...installedFilter(d, ["ca-certificates", "curl"], "missing").map((l) => l.replace("then missing=", "then :; else missing=")),
      ...repositoryBackup(repositoryFiles(d, source)),
      'if [ -n "$missing" ]; then',
      `  ${APT} update -qq`,
      "  # shellcheck disable=SC2086",
      `  ${APT} install -y -qq --no-install-recommends $missing`,
      "fi",
      "install -m 0755 -d /etc/apt/keyrings",
      `curl -fsSL --retry 3 ${shq(`${root}/gpg`)} -o /etc/apt/keyrings/docker.asc.new`,
      "chmod a+r /etc/apt/keyrings/docker.asc.new",
      "mv /etc/apt/keyrings/docker.asc.new /etc/apt/keyrings/docker.asc",
      `line=${shq(line)}`,
      'line="$(printf \'%s\' "$line" | sed "s/ARCH/$(dpkg --print-architecture)/")"',
      "printf '%s\\n' \"$line\" > /etc/apt/sources.list.d/docker.list.new",
      "mv /etc/apt/sources.list.d/docker.list.new /etc/apt/sources.list.d/docker.list",
      `${APT} update -qq`,
    );
  }
  const releasever = d.releasever ?? "$releasever";
  const repoFile = [
    `[docker-ce-${repo.channel}]`,
    `name=Docker CE ${repo.channel} - $basearch`,
    `baseurl=${root}/${releasever}/$basearch/${repo.channel}`,
    "enabled=1",
    "gpgcheck=1",
    `gpgkey=${root}/gpg`,
  ].join("\n");
  const plugin = d.packageManager === "dnf" ? "dnf-plugins-core" : "yum-utils";
  return script(
    ...repositoryBackup(repositoryFiles(d, source)),
    `if ! rpm -q ${plugin} >/dev/null 2>&1; then ${pm(d)} install ${plugin}; fi`,
    "# The repository file is written here, not fetched: a fetched docker-ce.repo would point",
    "# the packages back at the origin even when a mirror was asked for.",
    `cat > /etc/yum.repos.d/docker-ce.repo.new <<'REPO'\n${repoFile}\nREPO`,
    "mv /etc/yum.repos.d/docker-ce.repo.new /etc/yum.repos.d/docker-ce.repo",
    `${pm(d)} makecache -q --disablerepo='*' --enablerepo=docker-ce-${repo.channel}`,
  );
}

/** The engine package whose versions decide the pin. */
export function enginePackage(d: Distro, source: PackageSource): string {
  return source === "docker-ce" ? "docker-ce" : d.distroPackage ?? "docker";
}

/** Prints every available version of the engine package, one per line (read-only). */
export function renderListVersions(d: Distro, source: PackageSource): string {
  const pkg = enginePackage(d, source);
  return d.family === "debian"
    ? script(`apt-cache madison ${pkg} | awk -F'|' '{gsub(/ /, "", $2); print $2}'`)
    : script(`${d.packageManager} list --showduplicates --quiet ${pkg} 2>/dev/null | awk 'NR > 1 && NF >= 2 {print $2}'`);
}

/** Upstream version of a package version: `5:24.0.7-1~debian.12~bookworm` -> `24.0.7`. */
export function upstreamVersion(pkgVersion: string): string {
  return pkgVersion.replace(/^[0-9]+:/, "").match(/^[0-9]+(\.[0-9]+)*/)?.[0] ?? "";
}

function numeric(v: string): number[] {
  return v.split(".").map(Number);
}

/**
 * Picks the package version for a pin: `24.0.7` matches exactly 24.0.7, `24.0` the newest 24.0.x
 * and never 24.04; no pin picks the newest. Comparison is by numeric components, not text.
 */
export function pickVersion(available: string[], pin?: string): string | undefined {
  const want = pin ? numeric(pin) : [];
  const matches = available.filter((v) => {
    const have = numeric(upstreamVersion(v));
    return upstreamVersion(v) !== "" && want.every((n, i) => have[i] === n);
  });
  matches.sort((a, b) => compareNumeric(upstreamVersion(b), upstreamVersion(a)) || (b > a ? 1 : b < a ? -1 : 0));
  return matches[0];
}

export function compareNumeric(a: string, b: string): number {
  const pa = numeric(a);
  const pb = numeric(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface InstallPlan {
  source: PackageSource;
  /** Exact package version to install (as the package manager lists it); undefined: newest. */
  version?: string;
  /** True when the plan moves to an older version than the one installed. */
  downgrade: boolean;
  /** Hold the engine packages at this version so routine upgrades do not move them (apt). */
  hold: boolean;
}

/** Removes those of the packages that are installed (nothing else); a no-op when none is. */
export function renderRemovePackages(d: Distro, pkgs: string[]): string {
  const removeCmd = d.family === "debian" ? `${APT} remove -y` : `${d.packageManager} remove -y`;
  return script(
    d.family === "debian" ? "export DEBIAN_FRONTEND=noninteractive" : undefined,
    ...installedFilter(d, pkgs, "remove"),
    'if [ -n "$remove" ]; then',
    '  echo "dockyard: removing conflicting packages:$remove"',
    "  # shellcheck disable=SC2086",
    `  ${removeCmd} $remove`,
    "fi",
  );
}

/**
 * Installs the engine: removes conflicting packages first, then installs the pinned version (or
 * downgrades to it), then holds it. Ends with the engine enabled and running.
 */
export function renderOnlineInstall(d: Distro, plan: InstallPlan): string {
  const conflicts = conflictingPackages(d, plan.source);
  const removeCmd = d.family === "debian" ? `${APT} remove -y` : `${d.packageManager} remove -y`;
  const engine = enginePackage(d, plan.source);
  let install: string[];
  if (d.family === "debian") {
    const pkgs =
      plan.source === "docker-ce"
        ? [v("docker-ce", plan.version), v("docker-ce-cli", plan.version), "containerd.io"]
        : [v(engine, plan.version)];
    install = [
      plan.hold ? undefined : `apt-mark unhold ${plan.source === "docker-ce" ? "docker-ce docker-ce-cli" : engine} >/dev/null 2>&1 || true`,
      `${APT} install -y -qq --allow-change-held-packages${plan.downgrade ? " --allow-downgrades" : ""} ${pkgs.join(" ")}`,
      plan.hold ? `apt-mark hold ${plan.source === "docker-ce" ? "docker-ce docker-ce-cli" : engine} >/dev/null` : undefined,
    ].filter((x): x is string => !!x);
  } else {
    const verrel = plan.version?.replace(/^[0-9]+:/, "");
    const pkgs =
      plan.source === "docker-ce"
        ? [r("docker-ce", verrel), r("docker-ce-cli", verrel), "containerd.io"]
        : [r(engine, verrel)];
    const verb = plan.downgrade ? "downgrade" : "install";
    install = [`${d.packageManager} ${verb} -y ${pkgs.join(" ")}`];
  }
  return script(
    d.family === "debian" ? "export DEBIAN_FRONTEND=noninteractive" : undefined,
    ...installedFilter(d, conflicts, "remove"),
    'if [ -n "$remove" ]; then',
    '  echo "dockyard: removing conflicting packages:$remove"',
    "  # shellcheck disable=SC2086",
    `  ${removeCmd} $remove`,
    "fi",
    ...install,
  );
}

const v = (pkg: string, version?: string) => (version ? `${pkg}=${shq(version)}` : pkg);
const r = (pkg: string, verrel?: string) => (verrel ? shq(`${pkg}-${verrel}`) : pkg);

/** Removes what an online install added (packages, repository, key); images and volumes stay. */
export function renderOnlineUninstall(d: Distro, source: PackageSource): string {
  const pkgs = source === "docker-ce" ? [...DOCKER_CE_PACKAGES, "docker-buildx-plugin", "docker-compose-plugin"] : [enginePackage(d, source)];
  if (d.family === "debian") {
    return script(
      "export DEBIAN_FRONTEND=noninteractive",
      "systemctl disable --now docker.socket docker.service >/dev/null 2>&1 || true",
      `apt-mark unhold ${pkgs.join(" ")} >/dev/null 2>&1 || true`,
      ...installedFilter(d, pkgs, "remove"),
      "# shellcheck disable=SC2086",
      `if [ -n "$remove" ]; then ${APT} purge -y $remove; fi`,
      source === "docker-ce" ? "rm -f /etc/apt/sources.list.d/docker.list /etc/apt/keyrings/docker.asc" : undefined,
      "echo 'dockyard: /var/lib/docker (images, volumes) was kept'",
    );
  }
  return script(
    "systemctl disable --now docker.socket docker.service >/dev/null 2>&1 || true",
    ...installedFilter(d, pkgs, "remove"),
    "# shellcheck disable=SC2086",
    `if [ -n "$remove" ]; then ${d.packageManager} remove -y $remove; fi`,
    source === "docker-ce" ? "rm -f /etc/yum.repos.d/docker-ce.repo" : undefined,
    "echo 'dockyard: /var/lib/docker (images, volumes) was kept'",
  );
}
