import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { FleetFileError, parseFleet } from "../../src/fleet/load-fleet";

// Property-based checks of the fleet file loader: whatever text it is given
// (random, a real fleet file mutated, random YAML values, near-valid specs), parseFleet returns a
// spec or throws its own FleetFileError whose every problem names the file and a line:col inside
// the text; never another error, never a hang. Seeds are fixed so a failure reproduces; the
// counterexample is printed shrunk.
const REPO = path.resolve(__dirname, "..", "..");
const STACKS = readdirSync(path.join(REPO, "stacks"))
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ name: f, text: readFileSync(path.join(REPO, "stacks", f), "utf8") }));
const RUNS = 400;
/** Slower than this for one file counts as a hang (the largest stack file parses in ~20 ms). */
const HANG_MS = 2000;

/** What parseFleet did with the text: "spec", or the problems of its own error. Throws otherwise. */
function outcome(text: string): "spec" | FleetFileError {
  const started = Date.now();
  const result = parseOutcome(text);
  const took = Date.now() - started;
  if (took > HANG_MS) throw new Error(`took ${took} ms`);
  return result;
}

function parseOutcome(text: string): "spec" | FleetFileError {
  try {
    const spec = parseFleet(text, "fuzz.yaml");
    if (typeof spec !== "object" || spec === null || !Array.isArray(spec.hosts))
      throw new Error(`returned something that is not a spec: ${JSON.stringify(spec)}`);
    return "spec";
  } catch (e) {
    if (!(e instanceof FleetFileError))
      throw new Error(`threw ${(e as Error)?.name ?? typeof e}, not a FleetFileError: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    return e;
  }
}

/** A FleetFileError's every problem has the file, a 1-based line and column inside the text, and a message. */
function hasPositions(e: FleetFileError, text: string): boolean {
  const lines = text.split(/\r\n|\r|\n/).length;
  return (
    e.problems.length > 0 &&
    e.problems.every(
      (p) =>
        p.file === "fuzz.yaml" &&
        Number.isInteger(p.line) &&
        p.line! >= 1 &&
        p.line! <= lines + 1 &&
        Number.isInteger(p.col) &&
        p.col! >= 1 &&
        p.message.length > 0,
    ) &&
    e.message.startsWith("[DOCKYARD_FLEET_FILE_INVALID] fleet file fuzz.yaml: ")
  );
}

function property(t: ExecutionContext, arb: fc.Arbitrary<string>, seed: number): void {
  const result = fc.check(
    fc.property(arb, (text) => {
      const o = outcome(text);
      return o === "spec" || hasPositions(o, text);
    }),
    { numRuns: RUNS, seed },
  );
  t.false(result.failed, fc.defaultReportMessage(result) ?? "");
}

/** Small edits a person (or a bad merge) makes to a file. */
const TOKENS = [
  "",
  "-",
  ":",
  ": ",
  "- ",
  "  ",
  "\t",
  "{",
  "}",
  "[",
  "]",
  "&a ",
  "*a",
  "!!binary ",
  "!!int ",
  "~",
  "null",
  "-1",
  "0",
  "1e309",
  "70000",
  "true",
  "'",
  '"',
  "#",
  "\n",
  "\r\n",
  "? ",
  "|",
  ">",
  "%YAML 1.2\n---\n",
  "\u0000",
  "\uFEFF",
  "é",
  "x".repeat(300),
];

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    what: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("dupLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dropLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swapLines" as const), at: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant("indent" as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant("value" as const), at: fc.nat(), what: fc.constantFrom(...TOKENS) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const lines = text.split("\n");
  const li = (n: number) => n % Math.max(1, lines.length);
  switch (m.kind) {
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.what + text.slice(at);
    }
    case "delete": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case "dupLine":
      lines.splice(li(m.at), 0, lines[li(m.at)] ?? "");
      return lines.join("\n");
    case "dropLine":
      lines.splice(li(m.at), 1);
      return lines.join("\n");
    case "swapLines": {
      const [a, b] = [li(m.at), li(m.other)];
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join("\n");
    }
    case "indent": {
      const i = li(m.at);
      lines[i] = m.by >= 0 ? " ".repeat(m.by) + lines[i] : lines[i].replace(new RegExp(`^ {0,${-m.by}}`), "");
      return lines.join("\n");
    }
    case "value": {
      // The value after a `key: ` on some line becomes a token.
      const i = li(m.at);
      lines[i] = lines[i].replace(/^(\s*(?:- )?[\w$-]+:\s).*$/, `$1${m.what}`);
      return lines.join("\n");
    }
  }
}

const mutatedStack = fc
  .tuple(fc.constantFrom(...STACKS), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([s, ms]) => ms.reduce(mutate, s.text));

test("random text: a spec or its own error with positions", (t) => {
  property(
    t,
    fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: "grapheme", maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })),
    16_001,
  );
});

test("the repository's fleet files, mutated: a spec or its own error with positions", (t) => {
  property(t, mutatedStack, 16_002);
});

test("random YAML values: a spec or its own error with positions", (t) => {
  property(
    t,
    fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v)),
    16_003,
  );
});

// Shapes close to a fleet: the right keys with values of any kind, so the checks across entries
// (hosts, targets, ports, registries) meet every type where they expect one.
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom("all", "web", "h1", "10.0.0.1", "nginx", "80:80", { config: "k" }),
);
const hostLike = fc.dictionary(
  fc.constantFrom(
    "name",
    "address",
    "hostKey",
    "insecureSkipHostKeyCheck",
    "groups",
    "port",
    "user",
    "privateKey",
    "jump",
    "engine",
    "daemon",
    "aws",
  ),
  anyValue,
);
const nearSpec = fc
  .record(
    {
      defaults: fc.dictionary(fc.constantFrom("port", "user", "privateKey", "engine", "daemon", "jump", "preflight"), anyValue),
      hosts: fc.oneof(fc.array(hostLike, { maxLength: 3 }), anyValue),
      registries: fc.oneof(
        fc.array(fc.dictionary(fc.constantFrom("name", "host", "port", "users", "tls", "trustedBy", "proxy"), anyValue), { maxLength: 2 }),
        anyValue,
      ),
      credentials: fc.oneof(
        fc.array(fc.dictionary(fc.constantFrom("server", "username", "password"), anyValue), { maxLength: 2 }),
        anyValue,
      ),
      images: fc.oneof(fc.array(fc.dictionary(fc.constantFrom("ref", "on", "pullPolicy"), anyValue), { maxLength: 2 }), anyValue),
      containers: fc.oneof(
        fc.array(fc.dictionary(fc.constantFrom("name", "image", "on", "ports", "env", "volumes", "memory", "healthCheck"), anyValue), {
          maxLength: 3,
        }),
        anyValue,
      ),
    },
    { requiredKeys: [] },
  )
  .map((v) => stringify(v));

test("near-valid specs (fleet keys, values of any kind): a spec or its own error with positions", (t) => {
  property(t, nearSpec, 16_004);
});

test("YAML that expands (an alias bomb) or nests deeply is refused quickly with positions", (t) => {
  const bomb = [
    "a: &a [x, x, x, x, x, x, x, x, x, x]",
    ...Array.from(
      { length: 8 },
      (_, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(", ")}]`,
    ),
    "hosts: *i",
  ].join("\n");
  const deep = `hosts: ${"[".repeat(2000)}${"]".repeat(2000)}`;
  for (const text of [bomb, deep]) {
    const o = outcome(text);
    t.true(o instanceof FleetFileError && hasPositions(o, text), o instanceof FleetFileError ? o.message.slice(0, 300) : "returned a spec");
  }
});
