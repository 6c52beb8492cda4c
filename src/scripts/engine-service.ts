import type { Distro } from "../model/distro";
import { packageManagerOf } from "./package-managers";
import { parseSections, sectionMarker } from "../model/sections";
import { script } from "./shell";
import {
  boundWord as secondsOf,
  DOCKER_READ_FUNCTION,
  dockerFirstLine,
  dockerLineCount,
  READY_CALL_SECONDS,
  SHARED_DOCKER_CALLS,
} from "./docker-read";
import { INITIAL_DAEMON_MARK, initialDaemonRollback } from "./daemon-config";
import { DEFAULT_ENGINE_API_TIMEOUT_SECONDS, DEFAULT_ENGINE_START_TIMEOUT_SECONDS } from "../model/defaults";

/** The engine packages the probe reports the versions of. */
const ENGINE_PACKAGES = [
  "docker-ce",
  "docker-ce-cli",
  "containerd.io",
  "docker.io",
  "docker",
  "moby-engine",
  "docker-compose-plugin",
  "docker-buildx-plugin",
];

/**
 * Enables containerd (when it has a unit) and docker on boot, starts them (restarting docker when
 * its binaries changed), and waits until the daemon answers; prints docker's journal if not. The
 * start and the wait share one deadline, `startTimeout` seconds (the host's `engineStartTimeout`):
 * a start that hangs (a stopped dockerd that will not stop) and a daemon that never answers both
 * end the step at it, with one line naming the bound.
 */
export function renderServiceStart(opts: { restart: boolean; startTimeout?: number; initialDaemon?: boolean }): string {
  const n = secondsOf(opts.startTimeout ?? DEFAULT_ENGINE_START_TIMEOUT_SECONDS);
  const late = `echo 'dockyard: docker did not answer within ${n} s (bound: engineStartTimeout)' >&2`;
  const start = `rc=0; timeout ${n} systemctl ${opts.restart ? "restart" : "start"} docker.service || rc=$?`;
  return script(
    `deadline=$(( $(date +%s) + ${n} ))`,
    "systemctl daemon-reload",
    // `enable` reloads systemd once more each time: only units not enabled yet are enabled (a
    // Debian package enables its own; RPM packages and offline installs do not).
    "if systemctl cat containerd.service >/dev/null 2>&1; then",
    "  systemctl is-enabled -q containerd.service 2>/dev/null || systemctl enable containerd.service >/dev/null 2>&1",
    "  systemctl start containerd.service",
    "fi",
    "systemctl is-enabled -q docker.service 2>/dev/null || systemctl enable docker.service >/dev/null 2>&1",
    start,
    // The daemon settings written for this first start are what failed it, as far as this step
    // can tell: they go, and docker starts without them (DaemonConfig then applies them with its
    // restart and rollback, and says what dockerd refused).
    ...(opts.initialDaemon
      ? [
          'if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then',
          "  dockyard_retry=0",
          ...initialDaemonRollback().map((l) => `  ${l}`),
          '  if [ "$dockyard_retry" = 1 ]; then',
          `    ${start}`,
          "  fi",
          "fi",
          `rm -f ${INITIAL_DAEMON_MARK}`,
        ]
      : []),
    'if [ "$rc" -ne 0 ]; then',
    `  if [ "$rc" -eq 124 ]; then ${late.replace("did not answer", "did not start")}; fi`,
    "  journalctl -u docker.service -n 30 --no-pager >&2 || true",
    '  exit "$rc"',
    "fi",
    `until timeout ${READY_CALL_SECONDS} docker version >/dev/null 2>&1; do`,
    '  if [ "$(date +%s)" -ge "$deadline" ]; then',
    `    ${late}`,
    "    journalctl -u docker.service -n 30 --no-pager >&2 || true",
    "    exit 1",
    "  fi",
    "  sleep 1",
    "done",
  );
}

/**
 * Reads the engine's state without changing anything: versions, service state, packages (with
 * the distribution's package manager, or whichever is there when it is unknown), offline record.
 */
export function renderEngineProbe(d?: Pick<Distro, "packageManager">, apiTimeout: number = DEFAULT_ENGINE_API_TIMEOUT_SECONDS): string {
  return [
    // Bounded: a stalled dockerd reads as not answering, not as a read that never ends.
    DOCKER_READ_FUNCTION,
    `${sectionMarker("version")}; ${dockerFirstLine(SHARED_DOCKER_CALLS.version, apiTimeout)}`,
    `${sectionMarker("client")}; ${dockerFirstLine(SHARED_DOCKER_CALLS.client, apiTimeout)}`,
    // The compose v2 CLI plugin, wherever the CLI finds it (a package or the offline plugin file).
    `${sectionMarker("compose")}; ${dockerFirstLine(SHARED_DOCKER_CALLS.compose, apiTimeout)}`,
    `${sectionMarker("active")}; systemctl is-active docker.service 2>/dev/null || true`,
    `${sectionMarker("enabled")}; systemctl is-enabled docker.service 2>/dev/null || true`,
    // What removing a running engine would stop (an install refuses to, unless told by name).
    `${sectionMarker("containers")}; ${dockerLineCount(SHARED_DOCKER_CALLS.ps, apiTimeout)}`,
    sectionMarker("packages"),
    // The distribution's own package manager when it is known: a host can have dpkg and rpm both.
    ...(d
      ? [packageManagerOf(d).installedVersions([...new Set([...ENGINE_PACKAGES, ...packageManagerOf(d).dockerCeConflicts])])]
      : [
          "if command -v dpkg-query >/dev/null 2>&1; then",
          `  ${packageManagerOf({ packageManager: "apt-get" }).installedVersions(ENGINE_PACKAGES)}`,
          "elif command -v rpm >/dev/null 2>&1; then",
          `  ${packageManagerOf({ packageManager: "dnf" }).installedVersions(ENGINE_PACKAGES)}`,
          "fi",
        ]),
    // Files of the installed engine packages deleted by hand (a package still counts as installed).
    ...(d ? [sectionMarker("packaged-missing"), packageManagerOf(d).missingFiles(ENGINE_PACKAGES)] : []),
    `${sectionMarker("offline")}; cat /var/lib/dockyard/engine-offline.json 2>/dev/null || true; echo`,
    sectionMarker("missing"),
    "if [ -f /var/lib/dockyard/engine-offline.json ]; then",
    `  sed -n 's/.*"files":\\[\\(.*\\)\\].*/\\1/p' /var/lib/dockyard/engine-offline.json | tr ',' '\\n' | tr -d '" ' | while read -r f; do`,
    '    if [ -n "$f" ] && [ ! -e "$f" ]; then echo "$f"; fi',
    "  done",
    "fi",
    "",
  ].join("\n");
}

/** What the probe saw. */
export interface EngineState {
  /** dockerd answered `docker version`. */
  running: boolean;
  serverVersion?: string;
  apiVersion?: string;
  clientVersion?: string;
  /** `systemctl is-active docker`. */
  active: string;
  /** `systemctl is-enabled docker`. */
  enabled: string;
  /** Installed engine packages and their versions. */
  packages: Record<string, string>;
  /** The record an offline install left (bundle checksum, installed files). */
  offline?: { sha256: string; installDir: string; files: string[]; composeSha256?: string };
  /** Files of the offline record that are not on the host any more. */
  missingFiles: string[];
  /** Files of installed engine packages that are not on the host any more. */
  missingPackagedFiles: string[];
  /** Containers (running or not) the engine has; absent when it was not asked. */
  containers?: number;
  /** `docker compose version --short` (e.g. `2.26.1`); absent when the CLI has no compose plugin. */
  composeVersion?: string;
}

export function parseEngineProbe(output: string): EngineState {
  const sections = parseSections(output);
  const state: EngineState = {
    running: false,
    active: (sections.active ?? "").trim() || "unknown",
    enabled: (sections.enabled ?? "").trim() || "unknown",
    packages: {},
    missingFiles: (sections.missing ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
    missingPackagedFiles: (sections["packaged-missing"] ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean),
  };
  const compose = (sections.compose ?? "").trim().replace(/^v/, "");
  if (/^[0-9]+\.[0-9]/.test(compose)) state.composeVersion = compose;
  const containers = Number.parseInt((sections.containers ?? "").trim(), 10);
  if (Number.isInteger(containers)) state.containers = containers;
  const versionJson = (sections.version ?? "").trim();
  if (versionJson.startsWith("{")) {
    try {
      const v = JSON.parse(versionJson) as {
        Client?: { Version?: string; ApiVersion?: string };
        Server?: { Version?: string; ApiVersion?: string } | null;
      };
      if (v.Client?.Version) state.clientVersion = v.Client.Version;
      if (v.Server?.Version) {
        state.running = true;
        state.serverVersion = v.Server.Version;
        if (v.Server.ApiVersion) state.apiVersion = v.Server.ApiVersion;
      }
    } catch {
      // a client too old for --format json: treated as not answering
    }
  }
  if (!state.clientVersion) {
    const m = /version\s+([0-9][^\s,]*)/i.exec(sections.client ?? "");
    if (m) state.clientVersion = m[1];
  }
  for (const line of (sections.packages ?? "").split("\n")) {
    const [name, version] = line.trim().split(/\s+/);
    if (name && version) state.packages[name] = version;
  }
  const offline = (sections.offline ?? "").trim();
  if (offline.startsWith("{")) {
    try {
      state.offline = JSON.parse(offline) as EngineState["offline"];
    } catch {
      // an unreadable record is treated as absent
    }
  }
  return state;
}

/** Checks that the engine is there and answers (within `apiTimeout` seconds), without changing it (adopt). */
export function renderAdoptCheck(apiTimeout: number = DEFAULT_ENGINE_API_TIMEOUT_SECONDS): string {
  return script(
    "if ! command -v dockerd >/dev/null 2>&1 && ! command -v docker >/dev/null 2>&1; then",
    "  echo 'dockyard: no Docker engine is installed here, so there is nothing to adopt' >&2",
    "  exit 1",
    "fi",
    `if ! timeout ${secondsOf(apiTimeout)} docker version >/dev/null 2>&1; then`,
    "  echo 'dockyard: docker is installed but its daemon does not answer (systemctl status docker):' >&2",
    "  systemctl status docker.service --no-pager -n 10 >&2 || true",
    "  exit 1",
    "fi",
  );
}
