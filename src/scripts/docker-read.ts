/**
 * Bounded docker CLI calls for the read-only probes. Each call may take `seconds`; the first one
 * that dockerd leaves unanswered that long (exit 124: stopped or stalled) marks the engine as not
 * answering, and every later call is skipped as if it had timed out too. A read of a host whose
 * dockerd is stalled then costs one bound, not one per call. The mark is a shell variable, and a
 * file in `$DOCKYARD_READ_DIR` when the probes of one read run together, each in its own
 * subshell (src/remote/host-reads.ts), so it carries from one probe to the next.
 *
 * Even `docker --version` waits on the daemon (the CLI negotiates the API version first), so it
 * goes through here too.
 *
 * Within one read the answers to the calls several probes make (`--version`, `version`, `ps -aq`:
 * the facts, engine and workload probes) are kept there too and handed to the next probe that
 * asks: each docker CLI call costs its start and a round trip to dockerd, on every host of every
 * run. Only those: an inspect's answer may hold a container's environment, which stays in memory.
 *
 * `dockyard_docker <seconds> <docker args...>` leaves the output in `$dockyard_out` and returns
 * docker's status (it is not run in a pipeline, where the mark would be lost in a subshell).
 */
export const DOCKER_READ_FUNCTION = [
  "dockyard_docker() {",
  '  if [ -n "${DOCKYARD_READ_DIR:-}" ] && [ -e "$DOCKYARD_READ_DIR/engine-stalled" ]; then dockyard_stalled=1; fi',
  '  if [ "${dockyard_stalled:-0}" = 1 ]; then dockyard_out=""; return 124; fi',
  '  dockyard_n="$1"; shift',
  '  case "$*" in',
  '    --version) dockyard_kept="client" ;;',
  '    "version --format {{json .}}") dockyard_kept="version" ;;',
  '    "ps -aq") dockyard_kept="ps" ;;',
  '    *) dockyard_kept="" ;;',
  "  esac",
  '  if [ -n "$dockyard_kept" ] && [ -n "${DOCKYARD_READ_DIR:-}" ]; then',
  '    dockyard_kept="$DOCKYARD_READ_DIR/docker-$dockyard_kept"',
  '    if [ -e "$dockyard_kept.rc" ]; then dockyard_out="$(cat "$dockyard_kept.out")"; return "$(cat "$dockyard_kept.rc")"; fi',
  "  else",
  '    dockyard_kept=""',
  "  fi",
  // Not `if out=$(...)`: after an `if` with no branch taken, `$?` is 0, not the call's status.
  '  dockyard_rc=0; dockyard_out="$(timeout "$dockyard_n" docker "$@" 2>/dev/null)" || dockyard_rc=$?',
  '  if [ "$dockyard_rc" -eq 124 ]; then',
  "    dockyard_stalled=1",
  '    if [ -n "${DOCKYARD_READ_DIR:-}" ]; then : > "$DOCKYARD_READ_DIR/engine-stalled"; fi',
  '  elif [ -n "$dockyard_kept" ]; then',
  `    printf '%s' "$dockyard_out" > "$dockyard_kept.out"; echo "$dockyard_rc" > "$dockyard_kept.rc"`,
  "  fi",
  '  return "$dockyard_rc"',
  "}",
].join("\n");

/**
 * Seconds one `docker version`/`docker info` of a readiness loop may take: a dockerd that accepts
 * on its socket and never answers (stopped, stalled) would hold the loop on one call past its
 * deadline. A poll's bound, not a wait's: the loop's deadline is the host's `engineStartTimeout`.
 */
export const READY_CALL_SECONDS = 5;

/** Whole seconds, at least 1, for a bound written into a script. */
export function boundWord(seconds: number): number {
  return Math.max(1, Math.floor(seconds));
}

/** The first line docker prints for `args`, or nothing when it does not answer. */
export function dockerFirstLine(args: string, seconds: number): string {
  return `if dockyard_docker ${boundWord(seconds)} ${args}; then printf '%s\\n' "$dockyard_out" | head -n 1; fi`;
}

/** The number of lines docker prints for `args` (0 when it does not answer). */
export function dockerLineCount(args: string, seconds: number): string {
  return `if dockyard_docker ${boundWord(seconds)} ${args}; then printf '%s' "$dockyard_out" | grep -c . || true; else echo 0; fi`;
}

/**
 * The lines that start a read of several probes: a private directory the probes share for what one
 * found out for the next (`DOCKYARD_READ_DIR`), removed when the read ends.
 */
export const READ_DIR_SETUP = [
  'DOCKYARD_READ_DIR="$(mktemp -d)"',
  "export DOCKYARD_READ_DIR",
  "trap 'rm -rf \"$DOCKYARD_READ_DIR\"' EXIT",
].join("\n");
