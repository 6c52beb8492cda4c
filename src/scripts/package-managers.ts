import { DEFAULT_DOWNLOAD_TIMEOUT_SECONDS } from "../model/defaults";
import type { Distro } from "../model/distro";
import { shq } from "../model/shell";

/**
 * The package manager families Dockyard drives. A new family is one record in PACKAGE_MANAGERS
 * (the Record type makes the compiler refuse a family without one) plus its detection in
 * model/distro.ts.
 */
export type PackageManagerName = Distro["packageManager"];

/** A package to install, at an exact version as the package manager lists it (or the newest). */
export interface PackageRequest {
  name: string;
  version?: string;
}

/** One family's commands, as shell lines. Pure: no I/O, only strings. */
export interface PackageManager {
  /** Lines every script of this family starts with (environment for non-interactive runs). */
  preamble: string[];
  /** Refreshes the index of every configured repository. */
  refresh: string;
  /** Refreshes the index of one repository after its definition was written. */
  refreshRepository(repoId: string): string;
  /** Prints every available version of the package, one per line, as install takes them. */
  listVersions(pkg: string): string;
  /** A shell test that succeeds when the package named in `"$p"` is installed. */
  isInstalled: string;
  /** Prints `name version` of those of the packages that are installed (read-only). */
  installedVersions(pkgs: string[]): string;
  /**
   * Prints the programs (files in a bin/ or sbin/ directory) of the installed packages that are
   * gone from the disk (read-only). Only programs: minimal images leave out documentation on
   * purpose (dpkg path-exclude), which would otherwise read as drift forever.
   */
  missingFiles(pkgs: string[]): string;
  /**
   * Installs the packages; `downgrade` when a pinned version is older than the installed one,
   * `minimal` for tools (no recommended packages), `reinstall` to put back the files of packages
   * installed at that version already.
   */
  install(pkgs: PackageRequest[], opts: { downgrade: boolean; minimal?: boolean; reinstall?: boolean }): string[];
  /** Removes the packages listed in the shell variable (word-split on purpose). */
  remove(variable: string): string;
  /**
   * Prints, one name a line, every package that removing those listed in the shell variable
   * would remove: they and the installed packages that depend on them (read-only: a simulation).
   */
  simulateRemove(variable: string): string;
  /** Removes them for an uninstall (apt purges their configuration too). */
  purge(variable: string): string;
  /** Holds the installed versions of the packages against routine upgrades. */
  hold(pkgs: string[]): string[];
  /** Releases a hold (a no-op when there is none). */
  unhold(pkgs: string[]): string[];
  /** Packages the repository definition needs on the host (installed first when missing). */
  prerequisites: string[];
  /** The files the docker-ce repository definition consists of. */
  repositoryFiles: string[];
  /**
   * Writes the docker-ce repository definition for `<root>` (= `<mirror>/linux/<os>`, without
   * credentials), trusting the signing key in `stagedKey` (checked against its pin before this
   * runs): the key is installed from there, never fetched by the package manager.
   */
  writeRepository(d: Distro, root: string, channel: string, stagedKey: string, credentials: boolean): string[];
  /**
   * The repository's credentials as the file that holds them wants them: what the prepare reads
   * from its stdin (`credentials` true) into a root-only file, never from its command line.
   */
  credentialsInput(root: string, username: string, password: string): string;
  /** The repository id the definition creates (what refreshRepository is given). */
  repositoryId(channel: string): string;
  /** Packages that conflict with docker-ce (the old engines a guide removes first). */
  dockerCeConflicts: string[];
}

/**
 * The programs (files in a bin or sbin directory) a package database lists that are not on disk:
 * what was deleted by hand while the package still counts as installed.
 */
function missingOf(listFiles: string): string {
  return `${listFiles} 2>/dev/null | grep -E '^/.*/s?bin/[^/]+$' | while read -r f; do [ -e "$f" ] || echo "$f"; done || true`;
}

/**
 * The shell variable that holds the host's `downloadTimeout` in a script (set by
 * `withDownloadBound`); unset, the default applies.
 */
const DOWNLOAD_BOUND_VAR = "DOCKYARD_DOWNLOAD_TIMEOUT";
/** The bound's expansion, for use inside a double-quoted shell string. */
export const DOWNLOAD_BOUND_EXPANSION = `\${${DOWNLOAD_BOUND_VAR}:-${DEFAULT_DOWNLOAD_TIMEOUT_SECONDS}}`;
/** The bound as a shell word, for apt, yum/dnf and curl options. */
export const DOWNLOAD_BOUND = `"${DOWNLOAD_BOUND_EXPANSION}"`;

/** `script` (which starts with `set -eu`) with the host's download bound set for every command in it. */
export function withDownloadBound(script: string, seconds: number): string {
  const n = Math.max(1, Math.floor(seconds));
  return script.replace(/^set -eu\n/, `set -eu\n${DOWNLOAD_BOUND_VAR}=${n}\n`);
}

// A mirror that accepts connections and never answers fails the download within the bound.
const APT = `apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 -o Acquire::http::Timeout=${DOWNLOAD_BOUND} -o Acquire::https::Timeout=${DOWNLOAD_BOUND}`;

/** The docker-ce mirror's credentials on apt hosts (0600, root only). */
export const APT_AUTH_FILE = "/etc/apt/auth.conf.d/docker-ce.conf";

const apt: PackageManager = {
  preamble: ["export DEBIAN_FRONTEND=noninteractive"],
  refresh: `${APT} update -qq`,
  refreshRepository: () => `${APT} update -qq`,
  listVersions: (pkg) => `apt-cache madison ${pkg} | awk -F'|' '{gsub(/ /, "", $2); print $2}'`,
  isInstalled: `dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'ok installed'`,
  installedVersions: (pkgs) =>
    `dpkg-query -W -f='\${Package} \${Version} \${Status}\\n' ${pkgs.join(" ")} 2>/dev/null | awk '/ok installed/ {print $1, $2}' || true`,
  // dpkg's own list of each package's files, tested for presence only: a checksum check
  // (`dpkg --verify`) reads every binary and cost half a second on each probe.
  missingFiles: (pkgs) => missingOf(`dpkg-query -L ${pkgs.join(" ")}`),
  install: (pkgs, { downgrade, minimal, reinstall }) => [
    `${APT} install -y -qq ${minimal ? "--no-install-recommends" : "--allow-change-held-packages"}${downgrade ? " --allow-downgrades" : ""}${reinstall ? " --reinstall" : ""} ${pkgs.map((p) => (p.version ? `${p.name}=${shq(p.version)}` : p.name)).join(" ")}`,
  ],
  remove: (v) => `${APT} remove -y $${v}`,
  // apt's simulation lists every package the removal takes (`Remv name [version]`).
  simulateRemove: (v) => `${APT} -s remove $${v} 2>/dev/null | awk '$1 == "Remv" {sub(/:.*/, "", $2); print $2}'`,
  purge: (v) => `${APT} purge -y $${v}`,
  hold: (pkgs) => [`apt-mark hold ${pkgs.join(" ")} >/dev/null`],
  unhold: (pkgs) => [`apt-mark unhold ${pkgs.join(" ")} >/dev/null 2>&1 || true`],
  prerequisites: ["ca-certificates", "curl"],
  repositoryFiles: ["/etc/apt/sources.list.d/docker.list", "/etc/apt/keyrings/docker.asc", APT_AUTH_FILE],
  writeRepository(d, root, channel, stagedKey, credentials) {
    const line = `deb [arch=ARCH signed-by=/etc/apt/keyrings/docker.asc] ${root} ${d.codename} ${channel}`;
    return [
      "install -m 0755 -d /etc/apt/keyrings",
      // The key checked against its pin; apt's _apt user reads it (it is a public key).
      `install -m 0644 ${stagedKey} /etc/apt/keyrings/docker.asc.new`,
      "mv /etc/apt/keyrings/docker.asc.new /etc/apt/keyrings/docker.asc",
      `line=${shq(line)}`,
      'line="$(printf \'%s\' "$line" | sed "s/ARCH/$(dpkg --print-architecture)/")"',
      "printf '%s\\n' \"$line\" > /etc/apt/sources.list.d/docker.list.new",
      "mv /etc/apt/sources.list.d/docker.list.new /etc/apt/sources.list.d/docker.list",
      // The mirror's credentials: root-only, from stdin (apt matches them to the URL by machine and path).
      ...(credentials
        ? [
            "install -d -m 0755 /etc/apt/auth.conf.d",
            `(umask 077 && cat > ${APT_AUTH_FILE}.new)`,
            `chmod 0600 ${APT_AUTH_FILE}.new`,
            `mv ${APT_AUTH_FILE}.new ${APT_AUTH_FILE}`,
          ]
        : [`rm -f ${APT_AUTH_FILE}`]),
    ];
  },
  // apt applies an entry without a scheme to https only: a plain-http mirror's entry names http://.
  credentialsInput: (root, username, password) => `machine ${root.replace(/^https:\/\//, "")} login ${username} password ${password}\n`,
  repositoryId: () => "docker",
  dockerCeConflicts: ["docker.io", "docker-doc", "docker-compose", "docker-compose-v2", "podman-docker", "containerd", "runc"],
};

/** Where yum/dnf hosts keep docker-ce's signing key once it matched its pin (`gpgkey=file://...`). */
export const RPM_KEY_FILE = "/etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce";

/** The old engines of RHEL-like distributions, as Docker's install guide lists them. */
const RPM_OLD_ENGINES = [
  "docker",
  "docker-client",
  "docker-client-latest",
  "docker-common",
  "docker-latest",
  "docker-latest-logrotate",
  "docker-logrotate",
  "docker-engine",
];

/** The packages in the shell variable and, transitively, every installed package that needs one of them. */
function rpmRemovalClosure(variable: string): string {
  return [
    `{ takes="$${variable}"`,
    "while :; do",
    "  # shellcheck disable=SC2086",
    `  more="$(rpm -e --test $takes 2>&1 | sed -n 's/^.* is needed by (installed) //p' | sed 's/-[^-]*-[^-]*$//' | sort -u)"`,
    '  new=""',
    '  for n in $more; do case " $takes " in *" $n "*) ;; *) new="$new $n" ;; esac; done',
    '  [ -n "$new" ] || break',
    '  takes="$takes$new"',
    "done",
    'for n in $takes; do echo "$n"; done; }',
  ].join("\n");
}

/**
 * yum and dnf share rpm, the .repo format and the versionlock plugin's commands; they differ in
 * the command, the plugin's package and what conflicts.
 */
function rpmFamily(cmd: "yum" | "dnf", versionlockPlugin: string, extraConflicts: string[]): PackageManager {
  // Installs drop the epoch (`3:24.0.7-1.el9` -> `docker-ce-24.0.7-1.el9`): yum 3 does not
  // parse an epoch in a package spec.
  const spec = (p: PackageRequest) => (p.version ? shq(`${p.name}-${p.version.replace(/^[0-9]+:/, "")}`) : p.name);
  // What may download is bounded: a mirror that accepts and never answers fails within the bound.
  const dl = `--setopt=timeout=${DOWNLOAD_BOUND}`;
  return {
    preamble: [],
    refresh: `${cmd} -y makecache -q ${dl}`,
    refreshRepository: (id) => `${cmd} -y makecache -q --disablerepo='*' --enablerepo=${id} ${dl}`,
    // A versionlock hides every other version from `list`: the pin is chosen among all of them.
    listVersions: (pkg) =>
      `${cmd} list --showduplicates --quiet --disableplugin=versionlock ${pkg} ${dl} 2>/dev/null | awk '$1 ~ /^${pkg.replace(/[.]/g, "\\.")}\\./ {print $2}'`,
    isInstalled: `rpm -q "$p" >/dev/null 2>&1`,
    installedVersions: (pkgs) =>
      `rpm -q --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\\n' ${pkgs.join(" ")} 2>/dev/null | grep -v 'not installed' | sed 's/ (none):/ /' || true`,
    missingFiles: (pkgs) => missingOf(`rpm -ql ${pkgs.join(" ")}`),
    install: (pkgs, { downgrade, reinstall }) =>
      // yum 3 installs nothing older than what is there: a downgrade names only the pinned packages.
      downgrade
        ? [
            `${cmd} downgrade -y ${pkgs
              .filter((p) => p.version)
              .map(spec)
              .join(" ")} ${dl}`,
          ]
        : reinstall
          ? [`${cmd} reinstall -y ${pkgs.map(spec).join(" ")} ${dl}`]
          : [`${cmd} install -y ${pkgs.map(spec).join(" ")} ${dl}`],
    remove: (v) => `${cmd} remove -y $${v}`,
    // rpm's test of the removal names the installed packages that need those removed
    // (`... is needed by (installed) podman-4:4.9.4-1.el9.x86_64`), which yum and dnf would remove
    // too; asked again with them added until no more come (what depends on a dependent).
    simulateRemove: (v) => rpmRemovalClosure(v),
    purge: (v) => `${cmd} remove -y $${v}`,
    hold: (pkgs) => [
      `if ! rpm -q ${versionlockPlugin} >/dev/null 2>&1; then ${cmd} install -y -q ${versionlockPlugin} ${dl}; fi`,
      // With package names, versionlock locks the versions installed now.
      `${cmd} -q versionlock add ${pkgs.join(" ")} >/dev/null`,
    ],
    unhold: (pkgs) => [
      `if rpm -q ${versionlockPlugin} >/dev/null 2>&1; then ${cmd} -q versionlock delete ${pkgs.join(" ")} >/dev/null 2>&1 || true; fi`,
    ],
    // The signing key is a file the prepare installed after checking it: yum/dnf never fetch it.
    prerequisites: [],
    repositoryFiles: ["/etc/yum.repos.d/docker-ce.repo", RPM_KEY_FILE],
    writeRepository(d, root, channel, stagedKey, credentials) {
      const repoFile = [
        `[docker-ce-${channel}]`,
        `name=Docker CE ${channel} - $basearch`,
        `baseurl=${root}/${d.releasever ?? "$releasever"}/$basearch/${channel}`,
        "enabled=1",
        "gpgcheck=1",
        "repo_gpgcheck=0",
        `gpgkey=file://${RPM_KEY_FILE}`,
        // A mirror that sends slower than this counts as not answering (the bound is `--setopt=timeout`).
        "minrate=1000",
      ];
      return [
        "install -d -m 0755 /etc/pki/rpm-gpg",
        `install -m 0644 ${stagedKey} ${RPM_KEY_FILE}.new`,
        `mv ${RPM_KEY_FILE}.new ${RPM_KEY_FILE}`,
        "# The repository file is written here, not fetched: a fetched docker-ce.repo would point",
        "# the packages back at the origin even when a mirror was asked for. One quoted line each:",
        "# no value can end a heredoc or start a command ($basearch is yum's, not the shell's).",
        "# shellcheck disable=SC2016",
        // With credentials the file is root-only and they come from stdin (username=, password=).
        `(umask ${credentials ? "077" : "022"} && printf '%s\\n' ${repoFile.map(shq).join(" ")} > /etc/yum.repos.d/docker-ce.repo.new${credentials ? " && cat >> /etc/yum.repos.d/docker-ce.repo.new" : ""})`,
        `chmod ${credentials ? "0600" : "0644"} /etc/yum.repos.d/docker-ce.repo.new`,
        "mv /etc/yum.repos.d/docker-ce.repo.new /etc/yum.repos.d/docker-ce.repo",
      ];
    },
    credentialsInput: (_root, username, password) => `username=${username}\npassword=${password}\n`,
    repositoryId: (channel) => `docker-ce-${channel}`,
    dockerCeConflicts: [...RPM_OLD_ENGINES, ...extraConflicts],
  };
}

/** Every family's commands. */
export const PACKAGE_MANAGERS: Record<PackageManagerName, PackageManager> = {
  "apt-get": apt,
  yum: rpmFamily("yum", "yum-plugin-versionlock", []),
  // podman-docker and the distro's runc conflict with docker-ce/containerd.io on EL8+ and Fedora.
  // moby-engine is Fedora's own engine.
  dnf: rpmFamily("dnf", "python3-dnf-plugin-versionlock", ["moby-engine", "podman-docker", "runc"]),
};

/** The commands of the distribution's package manager. */
export function packageManagerOf(d: Pick<Distro, "packageManager">): PackageManager {
  return PACKAGE_MANAGERS[d.packageManager];
}
