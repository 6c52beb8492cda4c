import { shq } from "../model/shell";
/**
 * The docker calls of the read-only probes that take nothing from the host (versions, lists,
 * `info`), as the probes' scripts write them: the calls several probes make, and the ones a read
 * asks ahead (`renderReadSetup`). Never an inspect: its answer may hold a container's
 * environment, which is not written to a file.
 */
export const SHARED_DOCKER_CALLS = {
  client: "--version",
  version: "version --format '{{json .}}'",
  compose: "compose version --short",
  ps: "ps -aq",
  info: "info --format '{{json .}}'",
  images: "image ls -q",
} as const;

/** A shared call's arguments as `$*` shows them in `dockyard_docker` (the probes quote only with '). */
const seenAs = (call: string): string => call.replace(/'/g, "");

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
 * Within one read the answers to the shared calls (SHARED_DOCKER_CALLS) are kept in the read's
 * directory and handed to every probe that asks: each docker CLI call costs its start and a round
 * trip to dockerd, on every host of every run. A call the read asked ahead (`.ahead`) is waited
 * for, at most its bound and 2 s more, then asked again here.
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
  ...Object.entries(SHARED_DOCKER_CALLS).map(([name, call]) => `    ${shq(seenAs(call))}) dockyard_kept="${name}" ;;`),
  '    *) dockyard_kept="" ;;',
  "  esac",
  '  if [ -n "$dockyard_kept" ] && [ -n "${DOCKYARD_READ_DIR:-}" ]; then',
  '    dockyard_kept="$DOCKYARD_READ_DIR/docker-$dockyard_kept"',
  '    if [ -e "$dockyard_kept.ahead" ]; then',
  "      dockyard_w=0",
  '      while [ ! -e "$dockyard_kept.rc" ] && [ "$dockyard_w" -lt $(((dockyard_n + 2) * 200)) ]; do sleep 0.005; dockyard_w=$((dockyard_w + 1)); done',
  "    fi",
  '    if [ -e "$dockyard_kept.rc" ]; then',
  '      dockyard_out="$(cat "$dockyard_kept.out")"; dockyard_rc="$(cat "$dockyard_kept.rc")"',
  '      if [ "$dockyard_rc" -eq 124 ]; then dockyard_stalled=1; fi',
  '      return "$dockyard_rc"',
  "    fi",
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
 * The lines that start a read of several probes (`probes`: their scripts): a private directory
 * the probes share for what one found out for the next (`DOCKYARD_READ_DIR`), removed when the
 * read ends; and the shared docker calls the probes make, started at once side by side, each
 * bounded as the probe bounds it. Asked one after the other they were most of a read's time
 * (each call is a process start and a round trip to dockerd, 20-35 ms); side by side the read
 * waits about as long as for the slowest. A stalled dockerd holds them all for one bound together.
 */
export function renderReadSetup(probes: string): string {
  // The bound the probe gives the call: the first `dockyard_docker <seconds> <call>` in their text.
  const ahead = Object.entries(SHARED_DOCKER_CALLS).flatMap(([name, call]) => {
    const written = new RegExp(`dockyard_docker (\\d+) ${escapeRegExp(call)}(?:[ ;]|$)`, "m").exec(probes);
    return written ? [`  dockyard_ahead ${name} ${written[1]} ${call}`] : [];
  });
  return [
    'DOCKYARD_READ_DIR="$(mktemp -d)"',
    "export DOCKYARD_READ_DIR",
    // Waits for what is still asked ahead (bounded), so nothing writes into the directory once it is gone.
    "trap 'wait; rm -rf \"$DOCKYARD_READ_DIR\"' EXIT",
    ...(ahead.length
      ? [
          "dockyard_ahead() {",
          '  dockyard_f="$DOCKYARD_READ_DIR/docker-$1"; dockyard_n="$2"; shift 2',
          '  : > "$dockyard_f.ahead"',
          "  (",
          '    dockyard_rc=0; dockyard_out="$(timeout "$dockyard_n" docker "$@" 2>/dev/null)" || dockyard_rc=$?',
          '    if [ "$dockyard_rc" -eq 124 ]; then : > "$DOCKYARD_READ_DIR/engine-stalled"; fi',
          `    printf '%s' "$dockyard_out" > "$dockyard_f.out"`,
          // The status last, by rename: whoever sees it finds the whole answer beside it.
          '    echo "$dockyard_rc" > "$dockyard_f.rc.new" && mv -f "$dockyard_f.rc.new" "$dockyard_f.rc"',
          "  ) > /dev/null 2>&1 &",
          "}",
          "if command -v docker >/dev/null 2>&1; then",
          ...ahead,
          "fi",
        ]
      : []),
  ].join("\n");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
