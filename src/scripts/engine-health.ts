/**
 * Why a host's Docker engine does not answer, read without changing anything: run when an Engine
 * API call over `docker system dial-stdio` found nothing at the other end. One reason per line.
 */
export function renderEngineDiagnosis(): string {
  return [
    "command -v docker >/dev/null 2>&1 || echo 'the docker command is not installed'",
    "command -v dockerd >/dev/null 2>&1 || echo 'dockerd is not installed'",
    "s=$(systemctl is-active docker.service 2>/dev/null || true)",
    '[ "$s" = active ] || echo "docker.service is ${s:-unknown}"',
    "k=$(systemctl is-enabled docker.socket 2>/dev/null || true)",
    'case "$k" in masked*) echo "docker.socket is masked" ;; esac',
    "k=$(systemctl is-enabled docker.service 2>/dev/null || true)",
    'case "$k" in masked*) echo "docker.service is masked" ;; esac',
    "if systemctl cat containerd.service >/dev/null 2>&1; then",
    "  c=$(systemctl is-active containerd.service 2>/dev/null || true)",
    '  [ "$c" = active ] || echo "containerd.service is ${c:-unknown}"',
    "fi",
    "[ -S /var/run/docker.sock ] || echo '/var/run/docker.sock does not exist'",
    "true",
    "",
  ].join("\n");
}

/** The reasons the diagnosis printed; one that says nothing still gets a reason. */
export function parseEngineDiagnosis(output: string): string[] {
  const reasons = [
    ...new Set(
      output
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
  return reasons.length ? reasons : ["docker system dial-stdio got no answer from dockerd"];
}

/**
 * Sections added to the engine probe (read with `parseServiceHealth`): containerd's state, when
 * it has a unit, and whether docker's units are masked. Kept apart from the probe itself so its
 * reviewed snapshot stays as it is.
 */
export function renderServiceHealthProbe(): string {
  return [
    "echo '@@dockyard@@ containerd'; if systemctl cat containerd.service >/dev/null 2>&1; then systemctl is-active containerd.service 2>/dev/null || true; fi",
    'echo \'@@dockyard@@ masked\'; for u in docker.service docker.socket containerd.service; do case "$(systemctl is-enabled $u 2>/dev/null || true)" in masked*) echo "$u" ;; esac; done',
    "",
  ].join("\n");
}

export interface ServiceHealth {
  /** `systemctl is-active containerd.service`; undefined when there is no such unit. */
  containerd?: string;
  /** Units of the engine that are masked (docker.socket masked keeps docker.service down). */
  masked: string[];
}

export function parseServiceHealth(sections: Record<string, string>): ServiceHealth {
  const containerd = (sections.containerd ?? "").trim();
  const masked = (sections.masked ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return { ...(containerd ? { containerd } : {}), masked };
}

/** Takes back masks of docker's units (runtime and persistent), so starting docker can work. */
export function renderUnmaskEngine(): string {
  return [
    "set -eu",
    "for u in docker.service docker.socket containerd.service; do",
    '  case "$(systemctl is-enabled "$u" 2>/dev/null || true)" in',
    '    masked-runtime) systemctl unmask --runtime "$u" >/dev/null ;;',
    '    masked) systemctl unmask "$u" >/dev/null ;;',
    "  esac",
    "done",
    "",
  ].join("\n");
}
