import { parseSections, sectionMarker } from "./sections";
import { script } from "./shell";

export const DAEMON_JSON = "/etc/docker/daemon.json";
/** The file as it was before Dockyard first wrote it ("absent" marker when there was none). */
export const DAEMON_ORIGINAL = "/var/lib/dockyard/daemon.json.original";

/** Reads daemon.json, the docker unit's ExecStart, whether dockerd can --validate, and docker info. Read-only. */
export function renderDaemonProbe(): string {
  return [
    `${sectionMarker("file")}; if [ -f ${DAEMON_JSON} ]; then cat ${DAEMON_JSON}; echo; else echo '@@absent@@'; fi`,
    `${sectionMarker("execstart")}; systemctl show docker.service -p ExecStart --value 2>/dev/null | head -n 1 || true`,
    `${sectionMarker("validate")}; if dockerd --help 2>/dev/null | grep -q -- '--validate'; then echo yes; else echo no; fi`,
    `${sectionMarker("info")}; docker info --format '{{json .}}' 2>/dev/null | head -n 1 || true`,
    "",
  ].join("\n");
}

export interface DaemonProbe {
  /** Parsed daemon.json; undefined when there is no file. */
  file?: Record<string, unknown>;
  /** The raw text when the file is not valid JSON. */
  unparsable?: string;
  execStart: string;
  canValidate: boolean;
  info?: DockerInfo;
}

/** The parts of `docker info` that show whether settings took effect. */
export interface DockerInfo {
  mirrors: string[];
  insecureRegistries: string[];
  liveRestore: boolean;
  loggingDriver: string;
  storageDriver: string;
  cgroupDriver: string;
  dockerRootDir: string;
}

export function parseDaemonProbe(output: string): DaemonProbe {
  const sections = parseSections(output);
  const probe: DaemonProbe = {
    execStart: (sections.execstart ?? "").trim(),
    canValidate: (sections.validate ?? "").trim() === "yes",
  };
  const file = (sections.file ?? "").trim();
  if (file !== "@@absent@@") {
    try {
      probe.file = file === "" ? {} : (JSON.parse(file) as Record<string, unknown>);
    } catch {
      probe.unparsable = file;
    }
  }
  const info = (sections.info ?? "").trim();
  if (info.startsWith("{")) {
    const i = JSON.parse(info) as {
      RegistryConfig?: { Mirrors?: string[]; IndexConfigs?: Record<string, { Secure?: boolean }>; InsecureRegistryCIDRs?: string[] };
      LiveRestoreEnabled?: boolean;
      LoggingDriver?: string;
      Driver?: string;
      CgroupDriver?: string;
      DockerRootDir?: string;
    };
    const rc = i.RegistryConfig ?? {};
    probe.info = {
      mirrors: rc.Mirrors ?? [],
      insecureRegistries: [
        ...Object.entries(rc.IndexConfigs ?? {}).filter(([, v]) => v.Secure === false).map(([k]) => k),
        ...(rc.InsecureRegistryCIDRs ?? []),
      ],
      liveRestore: !!i.LiveRestoreEnabled,
      loggingDriver: i.LoggingDriver ?? "",
      storageDriver: i.Driver ?? "",
      cgroupDriver: i.CgroupDriver ?? "",
      dockerRootDir: i.DockerRootDir ?? "",
    };
  }
  return probe;
}

/** Waits up to 60 s for the daemon; returns non-zero if it does not answer. */
const WAIT_DOCKER = [
  "wait_docker() {",
  "  i=0",
  "  until docker info >/dev/null 2>&1; do",
  "    i=$((i + 1))",
  '    if [ "$i" -ge 60 ]; then return 1; fi',
  "    if ! systemctl is-active --quiet docker.service && systemctl is-failed --quiet docker.service; then return 1; fi",
  "    sleep 1",
  "  done",
  "}",
];

function heredoc(path: string, content: string, marker: string): string {
  return `cat > ${path} <<'${marker}'\n${content}\n${marker}`;
}

/**
 * Checks a candidate daemon.json with `dockerd --validate` (dockerd 23+), without touching the
 * live file. Exits non-zero with dockerd's message when it is refused.
 */
export function renderValidate(content: string): string {
  return script(
    'tmp="$(mktemp)"',
    "trap 'rm -f \"$tmp\"' EXIT",
    heredoc('"$tmp"', content, "DAEMONJSON"),
    'dockerd --validate --config-file "$tmp"',
  );
}

/**
 * Writes daemon.json atomically after backing up the current file (and, once, keeping the very
 * first one for a later `destroy`), restarts docker and waits for it. When docker does not come
 * back, puts the previous file back, restarts docker on it and exits 3 with dockerd's own words.
 */
export function renderApplyDaemonJson(content: string): string {
  return script(
    `f=${DAEMON_JSON}`,
    'b="$f.dockyard-backup"',
    "install -d -m 0755 /etc/docker /var/lib/dockyard",
    `if [ ! -e ${DAEMON_ORIGINAL} ]; then`,
    `  if [ -f "$f" ]; then cp -p "$f" ${DAEMON_ORIGINAL}; else echo '@@absent@@' > ${DAEMON_ORIGINAL}; fi`,
    "fi",
    'if [ -f "$f" ]; then cp -p "$f" "$b"; had=1; else rm -f "$b"; had=0; fi',
    heredoc('"$f.dockyard-new"', content, "DAEMONJSON"),
    'chmod 0644 "$f.dockyard-new"',
    'mv -f "$f.dockyard-new" "$f"',
    ...WAIT_DOCKER,
    'since="$(date "+%Y-%m-%d %H:%M:%S")"',
    "systemctl daemon-reload",
    "if systemctl restart docker.service && wait_docker; then exit 0; fi",
    "# docker did not come back on the new file: the old one goes back, and docker with it.",
    "said=\"$(journalctl -u docker.service --since \"$since\" --no-pager -o cat 2>/dev/null | grep -iE 'unable|invalid|error|failed|conflict|directive' | grep -v 'Failed with result' | tail -n 6)\"",
    'if [ "$had" = 1 ]; then mv -f "$b" "$f"; else rm -f "$f"; fi',
    "systemctl reset-failed docker.service >/dev/null 2>&1 || true",
    "systemctl restart docker.service >/dev/null 2>&1 || true",
    'if wait_docker; then state="docker is running again on the previous daemon.json"; else state="docker did not come back even on the previous daemon.json"; fi',
    'echo "dockyard: docker did not start with the new daemon.json; the previous file was restored and $state. dockerd said:" >&2',
    'echo "$said" >&2',
    "exit 3",
  );
}

/** Writes daemon.json (or removes it when content is undefined) and restarts docker: used by destroy. */
export function renderRestoreDaemonJson(content: string | undefined): string {
  return script(
    `f=${DAEMON_JSON}`,
    content === undefined ? 'rm -f "$f"' : heredoc('"$f.dockyard-new"', content, "DAEMONJSON"),
    content === undefined ? undefined : 'mv -f "$f.dockyard-new" "$f"',
    `rm -f "$f.dockyard-backup" ${DAEMON_ORIGINAL}`,
    ...WAIT_DOCKER,
    "systemctl restart docker.service",
    "wait_docker",
  );
}

/** Prints the file that was there before Dockyard first wrote daemon.json ('@@absent@@' when none). */
export function renderReadOriginal(): string {
  return `cat ${DAEMON_ORIGINAL} 2>/dev/null || echo '@@unknown@@'\n`;
}
