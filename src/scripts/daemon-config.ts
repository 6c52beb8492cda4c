import type { DaemonProxy } from "../model/daemon-settings";
import { parseSections, sectionMarker } from "../model/sections";
import { shq } from "../model/shell";
import { script } from "./shell";
import { boundWord, DOCKER_READ_FUNCTION, dockerFirstLine, READY_CALL_SECONDS, SHARED_DOCKER_CALLS } from "./docker-read";
import { DEFAULT_ENGINE_API_TIMEOUT_SECONDS, DEFAULT_ENGINE_START_TIMEOUT_SECONDS } from "../model/defaults";

export const DAEMON_JSON = "/etc/docker/daemon.json";
/** The file as it was before Dockyard first wrote it ("absent" marker when there was none). */
export const DAEMON_ORIGINAL = "/var/lib/dockyard/daemon.json.original";
/**
 * The systemd drop-in that gives dockerd its proxy (docker's documented place for it). It holds no
 * credential: only `EnvironmentFile=` naming PROXY_ENV_FILE. `Environment=` lines would be shown to
 * every local user (`systemctl show docker -p Environment`, over D-Bus) and sit in a unit file.
 */
export const PROXY_DROP_IN = "/etc/systemd/system/docker.service.d/http-proxy.conf";
/** The proxy's values (URLs may carry credentials): root-only, 0600, read by systemd as root. */
export const PROXY_ENV_FILE = "/etc/docker/dockyard-proxy.env";

/** The drop-in's text: the same for every proxy, since the values are in PROXY_ENV_FILE. */
export function renderProxyDropIn(): string {
  return [
    "# Written by Dockyard (DaemonConfig proxy): pulumi up puts back any edit.",
    `# The values are in ${PROXY_ENV_FILE} (root only: proxy URLs may carry credentials).`,
    "[Service]",
    `EnvironmentFile=${PROXY_ENV_FILE}`,
    "",
  ].join("\n");
}

/**
 * The environment file's text (a secret when a URL carries credentials). Values are the shared
 * URL and no-proxy patterns of model/host-values (no quotes, spaces, backslashes or `$`), so
 * systemd reads them as they are; an EnvironmentFile knows no `%` specifiers.
 */
export function renderProxyEnvFile(proxy: DaemonProxy): string {
  const env = (name: string, value: string | undefined) => (value === undefined ? [] : [`${name}=${value}`]);
  return [
    "# Written by Dockyard (DaemonConfig proxy): pulumi up puts back any edit.",
    ...env("HTTP_PROXY", proxy.http),
    ...env("HTTPS_PROXY", proxy.https),
    ...env("NO_PROXY", proxy.noProxy?.length ? proxy.noProxy.join(",") : undefined),
    "",
  ].join("\n");
}

/** Reads daemon.json, the docker unit's ExecStart, docker info and the proxy files. Read-only. */
export function renderDaemonProbe(apiTimeout: number = DEFAULT_ENGINE_API_TIMEOUT_SECONDS): string {
  return [
    DOCKER_READ_FUNCTION,
    `${sectionMarker("file")}; if [ -f ${DAEMON_JSON} ]; then cat ${DAEMON_JSON}; echo; else echo '@@absent@@'; fi`,
    `${sectionMarker("execstart")}; systemctl show docker.service -p ExecStart --value 2>/dev/null | head -n 1 || true`,
    // Bounded: a stalled dockerd reads as not answering, not as a read that never ends.
    `${sectionMarker("info")}; ${dockerFirstLine(SHARED_DOCKER_CALLS.info, apiTimeout)}`,
    `${sectionMarker("proxy")}; if [ -f ${shq(PROXY_DROP_IN)} ]; then cat ${shq(PROXY_DROP_IN)}; else echo '@@absent@@'; fi`,
    `${sectionMarker("proxyenv")}; if [ -f ${shq(PROXY_ENV_FILE)} ]; then cat ${shq(PROXY_ENV_FILE)}; else echo '@@absent@@'; fi`,
    `${sectionMarker("proxyenvmode")}; stat -c '%a %U' ${shq(PROXY_ENV_FILE)} 2>/dev/null || true`,
    "",
  ].join("\n");
}

export interface DaemonProbe {
  /** Parsed daemon.json; undefined when there is no file. */
  file?: Record<string, unknown>;
  /** The raw text when the file is not valid JSON. */
  unparsable?: string;
  execStart: string;
  info?: DockerInfo;
  /** The proxy drop-in's text; undefined when there is none. An old one may hold credentials: never log it. */
  proxyDropIn?: string;
  /** The proxy environment file's text; undefined when there is none. It may hold credentials: never log it. */
  proxyEnv?: string;
  /** Its mode and owner as `stat -c '%a %U'` shows them (`600 root`); "" when there is none. */
  proxyEnvMode?: string;
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
  /** Proxy settings dockerd runs with, credentials masked by docker ("" when unset). */
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

export function parseDaemonProbe(output: string): DaemonProbe {
  const sections = parseSections(output);
  const probe: DaemonProbe = {
    execStart: (sections.execstart ?? "").trim(),
  };
  const dropIn = sections.proxy;
  if (dropIn !== undefined && dropIn.trim() !== "@@absent@@") probe.proxyDropIn = dropIn.replace(/\n$/, "");
  const env = sections.proxyenv;
  if (env !== undefined && env.trim() !== "@@absent@@") probe.proxyEnv = env.replace(/\n$/, "");
  if (sections.proxyenvmode !== undefined) probe.proxyEnvMode = sections.proxyenvmode.trim();
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
      // JSON names of the Go fields HTTPProxy and HTTPSProxy.
      HttpProxy?: string;
      HttpsProxy?: string;
      NoProxy?: string;
    };
    const rc = i.RegistryConfig ?? {};
    probe.info = {
      mirrors: rc.Mirrors ?? [],
      insecureRegistries: [
        ...Object.entries(rc.IndexConfigs ?? {})
          .filter(([, v]) => v.Secure === false)
          .map(([k]) => k),
        ...(rc.InsecureRegistryCIDRs ?? []),
      ],
      liveRestore: !!i.LiveRestoreEnabled,
      loggingDriver: i.LoggingDriver ?? "",
      storageDriver: i.Driver ?? "",
      cgroupDriver: i.CgroupDriver ?? "",
      dockerRootDir: i.DockerRootDir ?? "",
      httpProxy: i.HttpProxy ?? "",
      httpsProxy: i.HttpsProxy ?? "",
      noProxy: i.NoProxy ?? "",
    };
  }
  return probe;
}

/**
 * `restart_docker`: restarts docker and waits until it answers, both within `startTimeout`
 * seconds (the host's `engineStartTimeout`); returns non-zero if it does not, and sets
 * `dockyard_late=1` when the bound ran out (a restart that hangs on a stopped dockerd, a daemon
 * that never answers). Each `docker info` of the wait is bounded too: a dockerd that accepts and
 * never answers would hold one call past the deadline.
 */
function restartDocker(startTimeout: number): string[] {
  const n = boundWord(startTimeout);
  return [
    "dockyard_late=0",
    "restart_docker() {",
    `  deadline=$(( $(date +%s) + ${n} ))`,
    `  rc=0; timeout ${n} systemctl restart docker.service || rc=$?`,
    '  if [ "$rc" -eq 124 ]; then dockyard_late=1; return 1; fi',
    '  if [ "$rc" -ne 0 ]; then return 1; fi',
    `  until timeout ${READY_CALL_SECONDS} docker info >/dev/null 2>&1; do`,
    '    if [ "$(date +%s)" -ge "$deadline" ]; then dockyard_late=1; return 1; fi',
    "    if ! systemctl is-active --quiet docker.service && systemctl is-failed --quiet docker.service; then return 1; fi",
    "    sleep 1",
    "  done",
    "}",
  ];
}

/**
 * SIGHUP through systemd (`ExecReload` of docker-ce's, the distributions' and the offline unit),
 * then waits, within `startTimeout`, for the daemon's `reload` event, which dockerd emits only when
 * it took the new file. On it the script ends (the backup goes); without it (dockerd stopped, the
 * file refused) it goes on to the restart, whose rollback puts the previous file back.
 */
function reloadDocker(startTimeout: number): string[] {
  const n = boundWord(startTimeout);
  return [
    'since="$(date +%s.%N)"',
    `if systemctl is-active --quiet docker.service && timeout ${n} systemctl reload docker.service; then`,
    `  deadline=$(( $(date +%s) + ${n} ))`,
    "  while :; do",
    `    if [ -n "$(timeout ${READY_CALL_SECONDS} docker events --since "$since" --until "$(date +%s.%N)" --filter type=daemon --filter event=reload --format '{{.Action}}' 2>/dev/null)" ]; then rm -f "$b"; exit 0; fi`,
    '    if [ "$(date +%s)" -ge "$deadline" ]; then break; fi',
    "    sleep 0.2",
    "  done",
    "fi",
    "echo 'dockyard: dockerd did not take the new daemon.json on reload; restarting it instead.' >&2",
  ];
}

/** The line that makes a step that ran out of `engineStartTimeout` a TimedOutError naming it. */
function lateLine(startTimeout: number, after: string): string {
  return `if [ "$dockyard_late" = 1 ]; then echo 'dockyard: docker did not answer ${after} within ${boundWord(startTimeout)} s (bound: engineStartTimeout)' >&2; fi`;
}

function heredoc(path: string, content: string, marker: string): string {
  return `cat > ${path} <<'${marker}'\n${content}\n${marker}`;
}

/**
 * Checks a candidate daemon.json with `dockerd --validate` (dockerd 23+), without touching the
 * live file. Exits non-zero with dockerd's message when it is refused. Whether this dockerd has
 * `--validate` is asked only when it failed, here and not in every read of the host: `dockerd
 * --help` costs about 70 ms. A dockerd without it leaves the file to the apply's restart and
 * rollback.
 */
export function renderValidate(content: string): string {
  return script(
    'tmp="$(mktemp)"',
    "trap 'rm -f \"$tmp\"' EXIT",
    heredoc('"$tmp"', content, "DAEMONJSON"),
    'rc=0; dockerd --validate --config-file "$tmp" || rc=$?',
    `if [ "$rc" -ne 0 ] && ! dockerd --help 2>/dev/null | grep -q -- '--validate'; then exit 0; fi`,
    'exit "$rc"',
  );
}

/**
 * Writes daemon.json atomically after backing up the current file (and, once, keeping the very
 * first one for a later `destroy`), restarts docker and waits for it. When docker does not come
 * back, puts the previous file back, restarts docker on it and exits 3 with dockerd's own words.
 */
export function renderApplyDaemonJson(content: string, startTimeout: number = DEFAULT_ENGINE_START_TIMEOUT_SECONDS): string {
  return renderApplyDaemonSettings(content, "keep", startTimeout);
}

/**
 * renderApplyDaemonJson with the proxy too, so a run that changes both restarts docker once.
 * `write` takes the environment file's text from standard input (it may hold credentials, so it
 * is never part of the command, which `ps` shows) and writes it root-only (umask 077, 0600) and
 * atomically, with the drop-in that names it; `remove` deletes both. All files are backed up and
 * all go back when docker does not come back.
 */
export function renderApplyDaemonSettings(
  content: string,
  dropIn: "keep" | "write" | "remove",
  startTimeout: number = DEFAULT_ENGINE_START_TIMEOUT_SECONDS,
  reload = false,
): string {
  const proxy = dropIn !== "keep";
  const what = proxy ? "the new daemon.json and proxy settings" : "the new daemon.json";
  const previous = proxy ? "the previous files were restored" : "the previous file was restored";
  return script(
    `f=${DAEMON_JSON}`,
    'b="$f.dockyard-backup"',
    "install -d -m 0755 /etc/docker /var/lib/dockyard",
    `if [ ! -e ${DAEMON_ORIGINAL} ]; then`,
    `  if [ -f "$f" ]; then cp -p "$f" ${DAEMON_ORIGINAL}; else echo '@@absent@@' > ${DAEMON_ORIGINAL}; fi`,
    "fi",
    'if [ -f "$f" ]; then cp -p "$f" "$b"; had=1; else rm -f "$b"; had=0; fi',
    proxy && `p=${shq(PROXY_DROP_IN)}`,
    proxy && `e=${shq(PROXY_ENV_FILE)}`,
    proxy && 'install -d -m 0755 "$(dirname "$p")"',
    proxy && 'if [ -f "$p" ]; then cp -p "$p" "$p.dockyard-backup"; hadp=1; else rm -f "$p.dockyard-backup"; hadp=0; fi',
    proxy && 'if [ -f "$e" ]; then (umask 077; cp -p "$e" "$e.dockyard-backup"); hade=1; else rm -f "$e.dockyard-backup"; hade=0; fi',
    dropIn === "write" && "# The values come on stdin: proxy URLs may carry credentials. Root only, then moved into place.",
    dropIn === "write" && 'rm -f "$e.dockyard-new"',
    dropIn === "write" && '(umask 077; cat > "$e.dockyard-new")',
    dropIn === "write" && 'chown root:root "$e.dockyard-new"',
    dropIn === "write" && 'chmod 0600 "$e.dockyard-new"',
    dropIn === "write" && 'mv -f "$e.dockyard-new" "$e"',
    dropIn === "write" && heredoc('"$p.dockyard-new"', renderProxyDropIn().replace(/\n$/, ""), "DROPIN"),
    dropIn === "write" && 'chmod 0644 "$p.dockyard-new"',
    dropIn === "write" && 'mv -f "$p.dockyard-new" "$p"',
    dropIn === "remove" && 'rm -f "$p" "$e"',
    heredoc('"$f.dockyard-new"', content, "DAEMONJSON"),
    'chmod 0644 "$f.dockyard-new"',
    'mv -f "$f.dockyard-new" "$f"',
    ...(reload && !proxy ? reloadDocker(startTimeout) : []),
    ...restartDocker(startTimeout),
    'since="$(date "+%Y-%m-%d %H:%M:%S")"',
    "systemctl daemon-reload",
    proxy ? 'if restart_docker; then rm -f "$p.dockyard-backup" "$e.dockyard-backup"; exit 0; fi' : "if restart_docker; then exit 0; fi",
    proxy
      ? "# docker did not come back on the new files: the old ones go back, and docker with them."
      : "# docker did not come back on the new file: the old one goes back, and docker with it.",
    "said=\"$(journalctl -u docker.service --since \"$since\" --no-pager -o cat 2>/dev/null | grep -iE 'unable|invalid|error|failed|conflict|directive' | grep -v 'Failed with result' | tail -n 6)\"",
    'if [ "$had" = 1 ]; then mv -f "$b" "$f"; else rm -f "$f"; fi',
    proxy && 'if [ "$hadp" = 1 ]; then mv -f "$p.dockyard-backup" "$p"; else rm -f "$p"; fi',
    proxy && 'if [ "$hade" = 1 ]; then mv -f "$e.dockyard-backup" "$e"; else rm -f "$e"; fi',
    proxy && "systemctl daemon-reload",
    "systemctl reset-failed docker.service >/dev/null 2>&1 || true",
    `if restart_docker >/dev/null 2>&1; then state="docker is running again on the previous ${proxy ? "settings" : "daemon.json"}"; else state="docker did not come back even on the previous ${proxy ? "settings" : "daemon.json"}"; fi`,
    `echo "dockyard: docker did not start with ${what}; ${previous} and $state. dockerd said:" >&2`,
    'echo "$said" >&2',
    lateLine(startTimeout, `after its restart (${previous})`),
    "exit 3",
  );
}

/** Left by renderInitialDaemonSettings while the first start has not proved its files (tmpfs: gone on reboot). */
export const INITIAL_DAEMON_MARK = "/run/dockyard-initial-daemon";

/**
 * A fresh engine's daemon.json (and proxy files), written before dockerd first starts so that it
 * starts once, with them. Only on a host that has none of these files: anything there is the
 * DaemonConfig's to merge, refuse or back up. The file is checked by `dockerd --validate` where
 * dockerd has it, as DaemonConfig checks it; a refused file is not written (the DaemonConfig run
 * then refuses it with dockerd's words). The first file is recorded as absent, as DaemonConfig's
 * own first write records it, so destroy puts the host back the same way. The environment file
 * comes on stdin (proxy URLs may carry credentials). Never fails the install: what it leaves
 * undone, DaemonConfig does.
 */
export function renderInitialDaemonSettings(content: string, proxy: boolean): string {
  return script(
    `f=${DAEMON_JSON}`,
    proxy && `p=${shq(PROXY_DROP_IN)}`,
    proxy && `e=${shq(PROXY_ENV_FILE)}`,
    `if [ -e "$f" ] || [ -e ${shq(PROXY_DROP_IN)} ] || [ -e ${shq(PROXY_ENV_FILE)} ]; then`,
    "  echo 'dockyard: daemon settings are on the host already: DaemonConfig merges them after the start' >&2",
    "  exit 0",
    "fi",
    "install -d -m 0755 /etc/docker /var/lib/dockyard",
    heredoc('"$f.dockyard-new"', content, "DAEMONJSON"),
    `if dockerd --help 2>/dev/null | grep -q -- '--validate' && ! dockerd --validate --config-file "$f.dockyard-new" >/dev/null 2>&1; then`,
    '  rm -f "$f.dockyard-new"',
    "  echo 'dockyard: dockerd --validate refused the daemon.json to start with: left to DaemonConfig' >&2",
    "  exit 0",
    "fi",
    `if [ ! -e ${DAEMON_ORIGINAL} ]; then echo '@@absent@@' > ${DAEMON_ORIGINAL}; fi`,
    'chmod 0644 "$f.dockyard-new"',
    'mv -f "$f.dockyard-new" "$f"',
    proxy && 'install -d -m 0755 "$(dirname "$p")"',
    proxy && '(umask 077; cat > "$e.dockyard-new")',
    proxy && 'chown root:root "$e.dockyard-new"',
    proxy && 'chmod 0600 "$e.dockyard-new"',
    proxy && 'mv -f "$e.dockyard-new" "$e"',
    proxy && heredoc('"$p.dockyard-new"', renderProxyDropIn().replace(/\n$/, ""), "DROPIN"),
    proxy && 'chmod 0644 "$p.dockyard-new"',
    proxy && 'mv -f "$p.dockyard-new" "$p"',
    `touch ${INITIAL_DAEMON_MARK}`,
  );
}

/**
 * The start's fallback when dockerd does not start on the files renderInitialDaemonSettings wrote:
 * they go (DaemonConfig then writes them with its restart and rollback, and reports dockerd's
 * refusal), and docker is started without them. A no-op without the mark.
 */
export function initialDaemonRollback(): string[] {
  return [
    `if [ -e ${INITIAL_DAEMON_MARK} ]; then`,
    `  rm -f ${DAEMON_JSON} ${shq(PROXY_DROP_IN)} ${shq(PROXY_ENV_FILE)} ${DAEMON_ORIGINAL} ${INITIAL_DAEMON_MARK}`,
    "  echo 'dockyard: docker did not start with the daemon settings written before its first start; started without them' >&2",
    "  systemctl daemon-reload",
    "  systemctl reset-failed docker.service >/dev/null 2>&1 || true",
    "  dockyard_retry=1",
    "fi",
  ];
}

/** Removes the proxy drop-in and its environment file and reloads systemd; restarts docker when asked (destroy). */
export function renderRemoveProxyDropIn(restart: boolean, startTimeout: number = DEFAULT_ENGINE_START_TIMEOUT_SECONDS): string {
  const files = [PROXY_DROP_IN, PROXY_ENV_FILE].flatMap((f) => [shq(f), shq(`${f}.dockyard-backup`), shq(`${f}.dockyard-new`)]);
  return script(
    `rm -f ${files.join(" ")}`,
    "systemctl daemon-reload",
    ...(restart
      ? [...restartDocker(startTimeout), "if ! restart_docker; then", `  ${lateLine(startTimeout, "after its restart")}`, "  exit 1", "fi"]
      : []),
  );
}

/** Writes daemon.json (or removes it when content is undefined) and restarts docker: used by destroy. */
export function renderRestoreDaemonJson(content: string | undefined, startTimeout: number = DEFAULT_ENGINE_START_TIMEOUT_SECONDS): string {
  return script(
    `f=${DAEMON_JSON}`,
    content === undefined ? 'rm -f "$f"' : heredoc('"$f.dockyard-new"', content, "DAEMONJSON"),
    content === undefined ? undefined : 'mv -f "$f.dockyard-new" "$f"',
    `rm -f "$f.dockyard-backup" ${DAEMON_ORIGINAL}`,
    ...restartDocker(startTimeout),
    "if ! restart_docker; then",
    `  ${lateLine(startTimeout, "after its restart")}`,
    "  exit 1",
    "fi",
  );
}

/** Prints the file that was there before Dockyard first wrote daemon.json ('@@absent@@' when none). */
export function renderReadOriginal(): string {
  return `cat ${DAEMON_ORIGINAL} 2>/dev/null || echo '@@unknown@@'\n`;
}

/**
 * What the data roots hold, for a data-root change: containers, images and volumes docker has
 * now (in the old root), and whether the new root has anything in it. Read-only.
 */
export function renderDataRootProbe(newRoot: string): string {
  const q = shq(newRoot);
  return [
    `${sectionMarker("containers")}; docker ps -aq 2>/dev/null | wc -l`,
    `${sectionMarker("images")}; docker images -aq 2>/dev/null | wc -l`,
    `${sectionMarker("volumes")}; docker volume ls -q 2>/dev/null | wc -l`,
    `${sectionMarker("new")}; if [ -d ${q} ] && [ -n "$(ls -A ${q} 2>/dev/null)" ]; then echo used; else echo empty; fi`,
    "",
  ].join("\n");
}

export interface DataRootProbe {
  containers: number;
  images: number;
  volumes: number;
  newRootUsed: boolean;
}

export function parseDataRootProbe(output: string): DataRootProbe {
  const s = parseSections(output);
  const n = (k: string) => Number.parseInt((s[k] ?? "0").trim(), 10) || 0;
  return { containers: n("containers"), images: n("images"), volumes: n("volumes"), newRootUsed: (s.new ?? "").trim() === "used" };
}
