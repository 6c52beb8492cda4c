// Reads a fleet file: YAML with positions kept, checked against the schema and then across
// entries, every problem reported at once as file:line:col, the path and what was expected.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from "yaml";
import type { z } from "zod";
import { FleetSpecSchema, SECRET_MESSAGE, type FleetSpec } from "./spec";
import { fleetProblems } from "./cross-checks";
import { didYouMean } from "../model/daemon-settings";
import { maskCredentials } from "../model/url-credentials";
import { type DockyardErrorCode, withCode } from "../model/error-codes";
import { invalid } from "../model/input-error";

/** One problem of a fleet file; `line`/`col` are 1-based, absent when the spec came from code. */
export interface FleetProblem {
  file?: string;
  line?: number;
  col?: number;
  /** Where in the spec, like `hosts[1].port`. */
  path: string;
  message: string;
}

/**
 * Everything wrong with a fleet file, in one error. A `pulumi.RunError`, so a program that lets it
 * escape shows the problems alone, without a stack trace or a dump of the error object.
 */
export class FleetFileError extends pulumi.RunError {
  readonly problems: FleetProblem[];
  constructor(
    problems: FleetProblem[],
    what: string,
    readonly code: DockyardErrorCode = "DOCKYARD_FLEET_FILE_INVALID",
  ) {
    // The same problem found twice (a default that several hosts inherit) is said once.
    const seen = new Set<string>();
    problems = problems.filter((p) => {
      const key = JSON.stringify([p.file, p.line, p.col, p.path, p.message]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const lines = problems.map(
      (p) => `  ${p.file ? `${p.file}${p.line ? `:${p.line}:${p.col}` : ""}: ` : ""}${p.path ? `${p.path}: ` : ""}${p.message}`,
    );
    super(withCode(code, `${what}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${lines.join("\n")}`));
    this.problems = problems;
    this.name = "FleetFileError";
  }
}

type PathKey = string | number;

/** `hosts[1].engine.mirror`, `containers[0].env["MY-VAR"]`. */
export function formatPath(p: readonly PathKey[]): string {
  let out = "";
  for (const k of p) {
    if (typeof k === "number") out += `[${k}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(k)}]`;
  }
  return out;
}

const SOURCE = Symbol("dockyard.fleetSource");

/** Where a spec loaded by `loadFleet` came from, to name file:line in later errors. */
export interface FleetSource {
  file: string;
  locate: (p: readonly PathKey[]) => { line: number; col: number } | undefined;
}

export function fleetSourceOf(spec: FleetSpec): FleetSource | undefined {
  return (spec as unknown as Record<symbol, FleetSource | undefined>)[SOURCE];
}

/**
 * Reads and checks a fleet file. Returns the typed spec, or throws one `FleetFileError` listing
 * every problem as `stacks/prod.yaml:12:5: hosts[1].port: must be an integer 1-65535`.
 *
 * @example
 * const spec = loadFleet("stacks/prod.yaml");
 * new Fleet("prod", { spec });
 */
export function loadFleet(file: string): FleetSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FleetFileError([{ file, path: "", message: `cannot read the fleet file: ${(e as Error).message}` }], `fleet file ${file}`);
  }
  return parseFleet(text, path.relative(process.cwd(), file) || file);
}

/**
 * How deep lists and mappings may nest in a fleet file. The deepest place the schema reads is a
 * few levels down (daemon settings a few more); a file nested far deeper is refused at the place
 * it goes too deep, before the checks recurse into it.
 */
export const MAX_FLEET_DEPTH = 64;

const TOO_DEEP = `nests lists and mappings more than ${MAX_FLEET_DEPTH} levels deep; a fleet file needs far fewer`;

/** `loadFleet` on text already read; `file` is only used in messages. */
export function parseFleet(text: string, file = "fleet.yaml"): FleetSpec {
  const lineCounter = new LineCounter();
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  try {
    return parseCounted(text, file, lineCounter, at);
  } catch (e) {
    // Recursion the depth check did not stop (a parser or check deeper in the stack than ours):
    // still one problem of the file, at where it was read up to, never a bare RangeError.
    if (!(e instanceof RangeError)) throw e;
    throw new FleetFileError([{ file, ...at(firstDeepOpener(text)), path: "", message: TOO_DEEP }], `fleet file ${file}`);
  }
}

function parseCounted(
  text: string,
  file: string,
  lineCounter: LineCounter,
  at: (offset: number) => { line: number; col: number },
): FleetSpec {
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // The parser ran out of stack: one problem where it did, not one per level it unwound.
  const overflow = doc.errors.find((e) => /call stack/i.test(e.message));
  if (overflow) throw new FleetFileError([{ file, ...at(overflow.pos[0]), path: "", message: TOO_DEEP }], `fleet file ${file}`);
  if (doc.errors.length) {
    throw new FleetFileError(
      doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        path: "",
        message: e.message.split("\n")[0],
      })),
      `fleet file ${file}`,
    );
  }
  const tooDeep = tooDeepAt(doc);
  if (tooDeep !== undefined) throw new FleetFileError([{ file, ...at(tooDeep), path: "", message: TOO_DEEP }], `fleet file ${file}`);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // An alias to an anchor that is not set (yet), or one that expands too far: the yaml
    // library throws a ReferenceError; it becomes a problem at the first alias of the file.
    throw new FleetFileError(
      [{ file, ...at(firstAlias(doc) ?? 0), path: "", message: (e as Error).message.split("\n")[0] }],
      `fleet file ${file}`,
    );
  }
  const locate = (p: readonly PathKey[]) => {
    const range = rangeOf(doc, p);
    return range === undefined ? undefined : at(range);
  };
  const spec = checkSpec(data, (p, m) => ({ file, ...locate(p), path: formatPath(p), message: m }), `fleet file ${file}`);
  Object.defineProperty(spec, SOURCE, { value: { file, locate } satisfies FleetSource, enumerable: false });
  return spec;
}

/**
 * Checks a spec given as a value (a fleet built in code): the same checks as `loadFleet`, with
 * paths but no positions.
 */
export function checkFleetSpec(spec: unknown, what = "fleet spec"): FleetSpec {
  if (typeof spec === "object" && spec !== null && fleetSourceOf(spec as FleetSpec)) return spec as FleetSpec;
  const deep = valueTooDeepAt(spec);
  if (deep) throw new FleetFileError([{ path: formatPath(deep), message: TOO_DEEP }], what);
  return checkSpec(spec, (p, m) => ({ path: formatPath(p), message: m }), what);
}

/**
 * The spec a Fleet's arguments give, checked: `spec` as a value (from `loadFleet`, or built in
 * code) or as a fleet file's text (a program in another language reading the file itself), or
 * `file`, a fleet file's path read as `loadFleet` reads it (relative to the working directory,
 * which is the program's directory for a Pulumi program and for the plugin serving it).
 */
export function fleetSpecFrom(args: { spec?: unknown; file?: unknown } | undefined, what = "fleet spec"): FleetSpec {
  const { spec, file } = args ?? {};
  if (file !== undefined && file !== null) {
    if (spec !== undefined && spec !== null) invalid("file", "and spec are both given: give one, the fleet file's path or the spec");
    // Read now, while the program runs: an Output has no value yet.
    if (typeof file !== "string" || !file.trim()) invalid("file", "must be the path of a fleet file, a plain non-empty string");
    return loadFleet(path.resolve(file));
  }
  if (pulumi.Output.isInstance(spec))
    invalid("spec", "must be known when the program runs (the spec or a fleet file's text, not an Output)");
  if (typeof spec === "string") return parseFleet(spec, `${what} spec`);
  return checkFleetSpec(spec, what);
}

function checkSpec(data: unknown, problem: (p: readonly PathKey[], message: string) => FleetProblem, what: string): FleetSpec {
  if (data === null || data === undefined) throw new FleetFileError([problem([], "is empty: a fleet needs at least `hosts:`")], what);
  const parsed = FleetSpecSchema.safeParse(data, { reportInput: true });
  const problems: FleetProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const [p, m] of describeIssue(issue, [])) problems.push(problem(p, m));
    }
  }
  const seen = new Set(problems.map((p) => p.path));
  for (const sp of fleetProblems((parsed.data ?? data) as FleetSpec)) {
    const p = problem(sp.path, sp.message);
    if (!seen.has(p.path)) problems.push(p);
  }
  if (problems.length) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
    throw new FleetFileError(problems, what);
  }
  return parsed.data!;
}

/** A value echoed in a message, with any URL credentials masked (a proxy URL may carry them). */
const shown = (input: unknown) => JSON.stringify(typeof input === "string" ? maskCredentials(input) : input);

/** Our phrasing of a schema issue: what was expected, what was there. */
function describeIssue(issue: z.core.$ZodIssue, prefix: PathKey[]): [PathKey[], string][] {
  const p = [...prefix, ...(issue.path as PathKey[])];
  const custom = !/^(Invalid|Too |Unrecognized)/.test(issue.message);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(p);
      return issue.keys.map((k) => {
        const hint = didYouMean(k, known);
        return [[...p, k], `unknown key${hint ? `; did you mean "${hint}"?` : known.length ? ` (known: ${known.join(", ")})` : ""}`];
      });
    }
    case "invalid_type":
      if (input === undefined) return [[p, "is required"]];
      // Never echo what was written where a secret reference belongs: it may be the secret.
      if (issue.message === SECRET_MESSAGE) return [[p, issue.message]];
      return [[p, `${custom ? issue.message : `must be ${article(issue.expected)}`} (got ${kindOf(input)})`]];
    case "invalid_value": {
      const values = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof input === "string" ? didYouMean(input, issue.values.map(String)) : undefined;
      const one = values.length === 1 ? values[0] : `one of ${values.join(", ")}`;
      return [[p, `must be ${one} (got ${shown(input)})${hint ? `; did you mean "${hint}"?` : ""}`]];
    }
    case "invalid_union": {
      // An object or list that fits one branch's shape: its own problems say more than "one of".
      if (typeof input === "object" && input !== null) {
        const branch = issue.errors.find((errs) => !errs.some((e) => e.code === "invalid_type" && e.path.length === 0));
        if (branch) return branch.flatMap((e) => describeIssue(e, p));
      }
      return [[p, `${issue.message}${input !== undefined ? ` (got ${shown(input)})` : ""}`]];
    }
    case "too_small":
    case "too_big":
      if (custom) return [[p, issue.message]];
      if (issue.origin === "array")
        return [
          [p, issue.code === "too_small" ? `must have at least ${issue.minimum} item(s)` : `must have at most ${issue.maximum} item(s)`],
        ];
      return [
        [
          p,
          issue.code === "too_small"
            ? `must be at least ${issue.minimum} (got ${shown(input)})`
            : `must be at most ${issue.maximum} (got ${shown(input)})`,
        ],
      ];
    default:
      return [[p, custom ? `${issue.message}${typeof input === "string" ? ` (got ${shown(input)})` : ""}` : issue.message]];
  }
}

function article(type: string): string {
  if (type === "int") return "an integer";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "nothing";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The keys the schema allows at a path (for did-you-mean on unknown keys). */
function knownKeysAt(p: readonly PathKey[]): string[] {
  let s: z.core.$ZodType | undefined = FleetSpecSchema as unknown as z.core.$ZodType;
  const unwrap = (t: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
    while (t) {
      const def = t._zod.def as { type: string; innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
      if (def.type === "optional" || def.type === "nullable" || def.type === "default") t = def.innerType;
      else if (def.type === "union") t = def.options?.find((o) => (o._zod.def as { type: string }).type === "object") ?? def.options?.[0];
      else return t;
    }
    return t;
  };
  for (const k of p) {
    s = unwrap(s);
    if (!s) return [];
    const def = s._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
    };
    if (def.type === "object" && typeof k === "string") s = def.shape?.[k];
    else if (def.type === "array") s = def.element;
    else if (def.type === "record") s = def.valueType;
    else return [];
  }
  s = unwrap(s);
  const def = s?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

/**
 * Where a path starts in the file: a map entry's key (so `port:` is what an editor jumps to), a
 * list item, or for a path that is not there (a missing key), the closest entry that is.
 */
function rangeOf(doc: Document, p: readonly PathKey[]): number | undefined {
  for (let n = p.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(p.slice(0, n - 1), true);
    const key = p[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === key);
      if (pair && isNode(pair.key) && pair.key.range) return pair.key.range[0];
    } else if (isSeq(parent) && typeof key === "number") {
      const item = parent.items[key];
      if (isNode(item) && item.range) return item.range[0];
    }
  }
  return isNode(doc.contents) && doc.contents.range ? doc.contents.range[0] : 0;
}

/**
 * Where the document first nests deeper than `MAX_FLEET_DEPTH`, walked with a list instead of
 * recursion (so the walk itself cannot run out of stack). Undefined when it does not.
 */
function tooDeepAt(doc: Document): number | undefined {
  const todo: [unknown, number][] = [[doc.contents, 1]];
  while (todo.length) {
    const [node, depth] = todo.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_FLEET_DEPTH) return node.range?.[0] ?? 0;
    for (const item of node.items) {
      if (isPair(item)) todo.push([item.key, depth + 1], [item.value, depth + 1]);
      else todo.push([item, depth + 1]);
    }
  }
  return undefined;
}

/** The path where a value first nests deeper than `MAX_FLEET_DEPTH` (walked without recursion). */
function valueTooDeepAt(value: unknown): PathKey[] | undefined {
  const todo: [unknown, PathKey[]][] = [[value, []]];
  while (todo.length) {
    const [v, at] = todo.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (at.length >= MAX_FLEET_DEPTH) return at;
    for (const [k, child] of Object.entries(v)) todo.push([child, [...at, Array.isArray(v) ? Number(k) : k]]);
  }
  return undefined;
}

/** Where a run of openers (`[[[[`, `{a: {a: {`) or of ever deeper `- ` items starts: where nesting goes deep. */
function firstDeepOpener(text: string): number {
  return /(?:[[{][^\]}\n]{0,8}){16}|(?:\n {16,}-)/.exec(text)?.index ?? 0;
}

/** Where the first alias of a document starts, if it has one. */
function firstAlias(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.range) {
        found = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}
