import type { Distro } from "../model/distro";
import { shq } from "../model/shell";
import { curlConfigString, splitUrlCredentials } from "../model/url-credentials";
import { compareVersions } from "../model/version";
import { DOWNLOAD_BOUND, DOWNLOAD_BOUND_EXPANSION, packageManagerOf } from "./package-managers";
import { script } from "./shell";

/** Where packages come from: Docker's docker-ce repository (or a mirror of it), or the distro's own. */
export type PackageSource = "docker-ce" | "distro";

export interface OnlineRepository {
  /**
   * Base URL of docker-ce or of a mirror serving the same tree (`<base>/linux/<os>/...`). Its
   * credentials, if any, never go into a script: they are the script's stdin (prepareInput).
   */
  mirror: string;
  /** docker-ce channel: `stable` or `test`. */
  channel: string;
  /** sha256 of the staged signing key, as the controller checked it against its pin. */
  keySha256: string;
}

/** Where the signing key waits, root-only, until the controller has compared it with its pin. */
export const SIGNING_KEY_STAGING = "/var/lib/dockyard/docker-ce-key.staging";
/** The line after which the key fetch prints the staged key. */
export const STAGED_KEY_MARKER = "----- dockyard: staged signing key -----";

/** `<mirror>/linux/<os>`: the root of the docker-ce tree for the distribution. */
export function repositoryRoot(d: Distro, mirror: string): string {
  return `${mirror.replace(/\/+$/, "")}/linux/${d.repoOs}`;
}

/** curl's options for one file from a mirror: bounded in time, https only unless allowed. */
function curlOptions(allowInsecureHttp: boolean): string {
  const proto = allowInsecureHttp ? "=https,http" : "=https";
  const t = DOWNLOAD_BOUND;
  // Retries only within the bound: a mirror that never answers fails the fetch at the bound.
  return `curl -fsSL --retry 3 --retry-max-time ${t} --connect-timeout ${t} --max-time ${t} --proto ${proto} --proto-redir ${proto}`;
}

/**
 * Fetches the mirror's signing key into a root-only staging file and prints it after
 * STAGED_KEY_MARKER; nothing is trusted yet (the controller compares its fingerprint with the
 * pin, then the prepare installs it, or renderDropSigningKey removes it). Installs the tools the
 * fetch needs when missing. Credentials go to curl on stdin (`-K -`): `stdin` is the input.
 */
export function renderFetchSigningKey(
  d: Distro,
  mirror: string,
  opts: { allowInsecureHttp?: boolean } = {},
): { script: string; stdin?: string } {
  const pm = packageManagerOf(d);
  const key = splitUrlCredentials(`${repositoryRoot(d, mirror)}/gpg`);
  const creds = key.username !== undefined;
  return {
    script: script(
      ...pm.preamble,
      ...missingTools(d),
      "install -d -m 0700 /var/lib/dockyard",
      `rm -f ${SIGNING_KEY_STAGING} ${SIGNING_KEY_STAGING}.new`,
      `rc=0; (umask 077 && ${curlOptions(!!opts.allowInsecureHttp)}${creds ? " -K -" : ""} -o ${SIGNING_KEY_STAGING}.new ${shq(key.url)}) || rc=$?`,
      // curl's 28 is its time bound: said as the bound it is, in the line the controller reads.
      `if [ "$rc" -eq 28 ]; then echo "dockyard: the mirror sent nothing within ${DOWNLOAD_BOUND_EXPANSION} s (bound: downloadTimeout)" >&2; fi`,
      `if [ "$rc" -ne 0 ]; then rm -f ${SIGNING_KEY_STAGING}.new; exit "$rc"; fi`,
      `mv ${SIGNING_KEY_STAGING}.new ${SIGNING_KEY_STAGING}`,
      `echo ${shq(STAGED_KEY_MARKER)}`,
      `cat ${SIGNING_KEY_STAGING}`,
    ),
    stdin: creds ? `user = ${curlConfigString(`${key.username}:${key.password ?? ""}`)}\n` : undefined,
  };
}

/** The staged key from the fetch's output (what follows the marker). */
export function stagedKeyOf(stdout: string): string {
  const i = stdout.indexOf(STAGED_KEY_MARKER);
  return i < 0 ? "" : stdout.slice(i + STAGED_KEY_MARKER.length).replace(/^\r?\n/, "");
}

/** Removes a staged key that did not match its pin: the host is left as it was. */
export function renderDropSigningKey(): string {
  return script(`rm -f ${SIGNING_KEY_STAGING} ${SIGNING_KEY_STAGING}.new`, "rmdir /var/lib/dockyard 2>/dev/null || true");
}

/** What the prepare reads from stdin: the mirror's credentials for a root-only file, if any. */
export function prepareInput(d: Distro, source: PackageSource, repo: Pick<OnlineRepository, "mirror">): string | undefined {
  if (source === "distro") return undefined;
  const root = splitUrlCredentials(repositoryRoot(d, repo.mirror));
  if (root.username === undefined) return undefined;
  return packageManagerOf(d).credentialsInput(root.url, root.username, root.password ?? "");
}

/** Installs the package manager's prerequisites (apt fetches the key with curl) when missing. */
function missingTools(d: Distro): string[] {
  const pm = packageManagerOf(d);
  return pm.prerequisites.length
    ? [
        ...installedFilter(d, pm.prerequisites, "missing").map((l) => l.replace("then missing=", "then :; else missing=")),
        'if [ -n "$missing" ]; then',
        `  ${pm.refresh}`,
        "  # shellcheck disable=SC2086",
        ...pm.install([{ name: "$missing" }], { downgrade: false, minimal: true }).map((l) => `  ${l}`),
        "fi",
      ]
    : [];
}

/** The docker-ce packages of an install, in install order. */
export const DOCKER_CE_PACKAGES = ["docker-ce", "docker-ce-cli", "containerd.io"];

/** The docker CLI plugins an engine can come with, by the names a program gives them. */
export type CliPlugin = "compose" | "buildx";
export const CLI_PLUGINS: readonly CliPlugin[] = ["compose", "buildx"];

/** download.docker.com's package of each CLI plugin (the same name in its apt and RPM trees). */
export const PLUGIN_PACKAGES: Readonly<Record<CliPlugin, string>> = {
  compose: "docker-compose-plugin",
  buildx: "docker-buildx-plugin",
};

/**
 * Installs CLI plugin packages (the newest the repository has) beside an engine that is already
 * at its version: they are not held, docker-ce's own packages are.
 */
export function renderPluginInstall(d: Distro, packages: string[]): string {
  const pm = packageManagerOf(d);
  return script(
    ...pm.preamble,
    ...pm.install(
      packages.map((name) => ({ name })),
      { downgrade: false },
    ),
  );
}

/** Packages that conflict with the engine about to be installed. */
export function conflictingPackages(d: Distro, source: PackageSource): string[] {
  if (source === "distro") return ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin"];
  return packageManagerOf(d).dockerCeConflicts;
}

/** Lists which of the packages are installed, one name per line. */
function installedFilter(d: Distro, pkgs: string[], variable: string): string[] {
  const test = packageManagerOf(d).isInstalled;
  return [`${variable}=""`, `for p in ${pkgs.join(" ")}; do`, `  if ${test}; then ${variable}="$${variable} $p"; fi`, "done"];
}

/** Where the repository files found before a prepare wait until the install has gone through. */
export const REPO_BACKUP_DIR = "/var/lib/dockyard/repo-before";

/** The files a docker-ce prepare writes: what a refused install must put back as they were. */
export function repositoryFiles(d: Distro, source: PackageSource): string[] {
  return source === "distro" ? [] : packageManagerOf(d).repositoryFiles;
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
    `  ${packageManagerOf(d).refresh} || true`,
    "fi",
  );
}

/** Drops the backup once the repository files are the ones the install used. */
export function renderRepositoryCommit(): string {
  return script(`rm -rf ${REPO_BACKUP_DIR}`);
}

/**
 * Prepares the package source without changing what is installed: the signing key staged by
 * renderFetchSigningKey (and checked against its pin: its sha256 must still be the one checked)
 * is installed, the repository definition points at the mirror for the packages themselves (apt
 * line, yum baseurl), then that repository's index is refreshed. The files it replaces are kept
 * (renderRepositoryRestore puts them back, renderRepositoryCommit drops them). The mirror's
 * credentials, if any, come from stdin (prepareInput) into a root-only file.
 */
export function renderOnlinePrepare(d: Distro, source: PackageSource, repo: OnlineRepository): string {
  const pm = packageManagerOf(d);
  if (source === "distro") return script(...pm.preamble, pm.refresh);
  const root = splitUrlCredentials(repositoryRoot(d, repo.mirror));
  return script(
    ...pm.preamble,
    `echo ${shq(`${repo.keySha256}  ${SIGNING_KEY_STAGING}`)} | sha256sum -c --status || { echo "dockyard: the staged signing key is not the one checked against its pin" >&2; exit 1; }`,
    ...repositoryBackup(repositoryFiles(d, source)),
    ...pm.writeRepository(d, root.url, repo.channel, SIGNING_KEY_STAGING, root.username !== undefined),
    `rm -f ${SIGNING_KEY_STAGING}`,
    pm.refreshRepository(pm.repositoryId(repo.channel)),
  );
}

/** The engine package whose versions decide the pin. */
export function enginePackage(d: Distro, source: PackageSource): string {
  return source === "docker-ce" ? "docker-ce" : (d.distroPackage ?? "docker");
}

/** Prints every available version of the engine package, one per line (read-only). */
export function renderListVersions(d: Distro, source: PackageSource): string {
  const pkg = enginePackage(d, source);
  return script(packageManagerOf(d).listVersions(pkg));
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
  matches.sort((a, b) => compareVersions(upstreamVersion(b), upstreamVersion(a)) || (b > a ? 1 : b < a ? -1 : 0));
  return matches[0];
}

export interface InstallPlan {
  source: PackageSource;
  /** Exact package version to install (as the package manager lists it); undefined: newest. */
  version?: string;
  /** True when the plan moves to an older version than the one installed. */
  downgrade: boolean;
  /** True when that version is installed already but files of it were deleted. */
  reinstall?: boolean;
  /** Hold the engine packages at this version so routine upgrades do not move them. */
  hold: boolean;
}

/**
 * Removes those of the packages that are installed (nothing else); a no-op when none is. Refused
 * (exit 1, nothing removed) when the removal would take packages beyond `pkgs` and `replace`:
 * the installed packages that depend on them.
 */
export function renderRemovePackages(d: Distro, pkgs: string[], replace: string[] = []): string {
  const pm = packageManagerOf(d);
  return script(...pm.preamble, ...removeInstalled(d, pkgs, replace));
}

/** The packages removing the installed ones of `pkgs` would take beyond those allowed (`pkgs` and `replace`). */
function dependentsCheck(d: Distro, pkgs: string[], replace: string[]): string[] {
  const allowed = ` ${[...new Set([...pkgs, ...replace])].join(" ")} `;
  return [
    `  allowed=${shq(allowed)}`,
    "  # shellcheck disable=SC2086",
    `  takes="$(${packageManagerOf(d).simulateRemove("remove").split("\n").join("\n  ")})"`,
    '  extra=""',
    '  for p in $takes; do case "$allowed" in *" $p "*) ;; *) extra="$extra $p" ;; esac; done',
    '  if [ -n "$extra" ]; then',
    '    echo "dockyard: removing the conflicting packages$remove would also remove$extra, which depend on them; nothing was removed (name them in replacePackages to remove them too)" >&2',
    "    exit 1",
    "  fi",
  ];
}

function removeInstalled(d: Distro, pkgs: string[], replace: string[] = []): string[] {
  return [
    ...installedFilter(d, pkgs, "remove"),
    'if [ -n "$remove" ]; then',
    ...dependentsCheck(d, pkgs, replace),
    '  echo "dockyard: removing conflicting packages:$remove"',
    "  # shellcheck disable=SC2086",
    `  ${packageManagerOf(d).remove("remove")}`,
    "fi",
  ];
}

/**
 * Prints what a removal of the conflicting packages would do, read-only: `remove <name>` for each
 * of `pkgs` that is installed, `takes <name>` for each package the removal would take with them.
 */
export function renderRemovalCheck(d: Distro, pkgs: string[]): string {
  return [
    ...installedFilter(d, pkgs, "remove"),
    'for p in $remove; do echo "remove $p"; done',
    'if [ -n "$remove" ]; then',
    "  # shellcheck disable=SC2086",
    `  takes="$(${packageManagerOf(d).simulateRemove("remove").split("\n").join("\n  ")})"`,
    '  for p in $takes; do echo "takes $p"; done',
    "fi",
    "",
  ].join("\n");
}

/** What renderRemovalCheck printed. */
export interface RemovalCheck {
  /** The conflicting packages that are installed. */
  installed: string[];
  /** Every package their removal would take (they included). */
  takes: string[];
}

export function parseRemovalCheck(output: string): RemovalCheck {
  const of = (word: string) =>
    output
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([w, name]) => w === word && name)
      .map(([, name]) => name);
  return { installed: of("remove"), takes: [...new Set(of("takes"))] };
}

/** The packages a hold covers: the engine, its client and the containerd.io they run on. */
function heldPackages(d: Distro, source: PackageSource): string[] {
  return source === "docker-ce" ? ["docker-ce", "docker-ce-cli", "containerd.io"] : [enginePackage(d, source)];
}

/**
 * Installs the engine: removes conflicting packages first, releases a hold of ours, installs the
 * pinned version (or downgrades to it), then holds it when pinned (apt-mark hold, versionlock
 * on yum/dnf, the plugin installed when missing). The caller starts and enables the service.
 */
export function renderOnlineInstall(
  d: Distro,
  plan: InstallPlan & { replace?: string[]; plugins?: string[]; deferStart?: boolean },
): string {
  const pm = packageManagerOf(d);
  const pkgs =
    plan.source === "docker-ce"
      ? [
          { name: "docker-ce", version: plan.version },
          { name: "docker-ce-cli", version: plan.version },
          { name: "containerd.io" },
          // The CLI plugins in the same transaction, as Docker's install guide installs them.
          ...(plan.plugins ?? []).map((name) => ({ name })),
        ]
      : [{ name: enginePackage(d, plan.source), version: plan.version }];
  const held = heldPackages(d, plan.source);
  return script(
    ...pm.preamble,
    ...removeInstalled(d, conflictingPackages(d, plan.source), plan.replace),
    ...pm.unhold(held),
    ...(plan.deferStart && d.packageManager === "apt-get" ? HOLD_SERVICE_START : []),
    ...pm.install(pkgs, { downgrade: plan.downgrade, reinstall: plan.reinstall }),
    ...(plan.hold ? pm.hold(held) : []),
  );
}

const POLICY_RC = "/usr/sbin/policy-rc.d";
/**
 * A fresh engine starts once, with its daemon.json in place: Debian's maintainer scripts start
 * docker and containerd on install (through deb-systemd-invoke, which asks policy-rc.d first), so
 * a policy that refuses every start holds them back until the install's own start step. A policy
 * the host has is put aside for the install and back after it, whatever the install's end.
 */
const HOLD_SERVICE_START = [
  `if [ -e ${POLICY_RC} ]; then mv -f ${POLICY_RC} ${POLICY_RC}.dockyard-saved; fi`,
  `trap 'rm -f ${POLICY_RC}; if [ -e ${POLICY_RC}.dockyard-saved ]; then mv -f ${POLICY_RC}.dockyard-saved ${POLICY_RC}; fi' EXIT`,
  `printf '#!/bin/sh\\nexit 101\\n' > ${POLICY_RC}`,
  `chmod 0755 ${POLICY_RC}`,
];

/** Removes what an online install added (packages, repository, key, hold); images and volumes stay. */
export function renderOnlineUninstall(d: Distro, source: PackageSource): string {
  const pm = packageManagerOf(d);
  const pkgs =
    source === "docker-ce" ? [...DOCKER_CE_PACKAGES, "docker-buildx-plugin", "docker-compose-plugin"] : [enginePackage(d, source)];
  return script(
    ...pm.preamble,
    "systemctl disable --now docker.socket docker.service >/dev/null 2>&1 || true",
    ...pm.unhold(heldPackages(d, source)),
    ...installedFilter(d, pkgs, "remove"),
    "# shellcheck disable=SC2086",
    `if [ -n "$remove" ]; then ${pm.purge("remove")}; fi`,
    source === "docker-ce" ? `rm -f ${pm.repositoryFiles.join(" ")}` : undefined,
    "echo 'dockyard: /var/lib/docker (images, volumes) was kept'",
  );
}
