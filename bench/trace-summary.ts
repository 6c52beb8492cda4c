/** Sums a remote trace (DOCKYARD_TRACE, JSON lines written by src/remote/trace.ts) into what a sample records. */

export interface Tally {
  count: number;
  /** Summed milliseconds (calls overlap, so a sum can exceed the wall time). */
  ms: number;
}

export interface TraceSummary {
  /** Provider calls by `<provider>.<method>`. */
  ops: Record<string, Tally>;
  /** SSH connection set-ups (handshake and authentication). */
  connect: Tally;
  /** Commands run over SSH; `waitMs`: time spent waiting for a free channel. */
  exec: Tally & { waitMs: number };
  /** Engine API channels (`docker system dial-stdio`). */
  stream: Tally;
  /** Host reads served from the provider process's memory. */
  cache: Tally;
  /** Commands by step name (`what`). */
  steps: Record<string, Tally>;
  /** Milliseconds from the first event's start to the last event's end: the provider's busy span. */
  spanMs: number;
}

interface Line {
  kind: string;
  what?: string;
  start: number;
  ms: number;
  waitMs?: number;
}

const add = (t: Tally, ms: number) => {
  t.count++;
  t.ms += ms;
};

export function summarizeTrace(text: string): TraceSummary {
  const s: TraceSummary = {
    ops: {},
    connect: { count: 0, ms: 0 },
    exec: { count: 0, ms: 0, waitMs: 0 },
    stream: { count: 0, ms: 0 },
    cache: { count: 0, ms: 0 },
    steps: {},
    spanMs: 0,
  };
  let first = Infinity;
  let last = -Infinity;
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    let e: Line;
    try {
      e = JSON.parse(raw) as Line;
    } catch {
      continue; // a line cut short by a killed process
    }
    first = Math.min(first, e.start);
    last = Math.max(last, e.start + e.ms);
    const what = e.what ?? "?";
    if (e.kind === "op") add((s.ops[what] ??= { count: 0, ms: 0 }), e.ms);
    else if (e.kind === "connect") add(s.connect, e.ms);
    else if (e.kind === "stream") add(s.stream, e.ms);
    else if (e.kind === "cache") add(s.cache, e.ms);
    else if (e.kind === "exec") {
      add(s.exec, e.ms);
      s.exec.waitMs += e.waitMs ?? 0;
      add((s.steps[what] ??= { count: 0, ms: 0 }), e.ms);
    }
  }
  s.spanMs = Number.isFinite(first) ? last - first : 0;
  return s;
}
