// Checks a Python or Go program's use of the generated SDKs against the package schema: each
// component it declares is a resource of the schema in the module it is imported from, and each
// argument is an input of it under the name that language's generator gives it (Python: snake
// case keywords; Go: capitalised fields of `<module>.<Class>Args`), with the required ones given.
// The programs of the README are short and regular; this reads calls, not the whole language.
import type { PackageSchema } from "./pulumi-yaml";

type Json = { [k: string]: unknown };

/** A component or resource a program declares: its token and the argument names it gives. */
export interface Declared {
  token: string;
  args: string[];
  /** Where, for messages: `dockyard.host.Host`. */
  call: string;
}

/** Python's name of a schema property, as Pulumi's Python generator makes it: `registryMirrors` -> `registry_mirrors`. */
export const pythonName = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** Go's field name of a schema property: `registryMirrors` -> `RegistryMirrors`. */
export const goName = (name: string): string => name[0].toUpperCase() + name.slice(1);

/** The end of a comment (`#` in Python, `//` in Go) starting at `i`, or -1 when none starts there. */
function commentEnd(text: string, i: number): number {
  if (text[i] !== "#" && !(text[i] === "/" && text[i + 1] === "/")) return -1;
  const end = text.indexOf("\n", i);
  return end < 0 ? text.length : end;
}

/** The index of the quote closing the string that opens at `i`. */
const stringEnd = (text: string, i: number): number => {
  const end = text.indexOf(text[i], i + 1);
  if (end < 0) throw new Error(`unclosed string from: ${text.slice(i, i + 60)}`);
  return end;
};

/** The text inside the brackets opening at `open`, strings, comments and nesting skipped. */
function balanced(text: string, open: number): string {
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    const comment = commentEnd(text, i);
    if (comment >= 0) i = comment;
    else if (c === '"' || c === "'" || c === "`") i = stringEnd(text, i);
    else if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack.at(-1)) {
      stack.pop();
      if (stack.length === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced brackets from: ${text.slice(open, open + 60)}`);
}

/** Top-level pieces of an argument list, split at commas outside brackets, strings and comments, leading comments dropped. */
function topLevel(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    const comment = commentEnd(args, i);
    if (comment >= 0) i = comment;
    else if (c === '"' || c === "'" || c === "`") i = stringEnd(args, i);
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      out.push(args.slice(start, i));
      start = i + 1;
    }
  }
  out.push(args.slice(start));
  return out.map((s) => s.replace(/^(\s*(#|\/\/)[^\n]*(\n|$))+/, "").trim()).filter(Boolean);
}

/** `dockyard.<module>.<Class>(name, kw=...)` calls of a Python program (the package imported `as dockyard`). */
export function pythonDeclared(code: string, alias = "dockyard"): Declared[] {
  const out: Declared[] = [];
  for (const m of code.matchAll(new RegExp(`\\b${alias}\\.(\\w+)\\.(\\w+)\\(`, "g"))) {
    const args = topLevel(balanced(code, m.index + m[0].length - 1));
    out.push({
      token: `dockyard:${m[1]}:${m[2]}`,
      call: `${alias}.${m[1]}.${m[2]}`,
      args: args.flatMap((a) => /^(\w+)\s*=/.exec(a)?.[1] ?? []),
    });
  }
  return out;
}

/** `<module>.New<Class>(ctx, name, &<module>.<Class>Args{...})` calls of a Go program. */
export function goDeclared(code: string): Declared[] {
  const out: Declared[] = [];
  for (const m of code.matchAll(/\b(\w+)\.New(\w+)\(ctx,\s*"[^"]*",\s*&(\w+)\.(\w+)Args\{/g)) {
    if (m[1] !== m[3] || m[2] !== m[4]) throw new Error(`${m[0]}: the Args struct is not the component's own`);
    const body = balanced(code, m.index + m[0].length - 1);
    out.push({
      token: `dockyard:${m[1]}:${m[2]}`,
      call: `${m[1]}.New${m[2]}`,
      args: topLevel(body).flatMap((a) => /^(\w+)\s*:/.exec(a)?.[1] ?? []),
    });
  }
  return out;
}

/** Problems of the declared calls against the schema, names converted by `name`. */
export function declaredProblems(
  declared: Declared[],
  schema: PackageSchema,
  name: (schemaName: string) => string,
  extra: string[] = [],
): string[] {
  return declared.flatMap((d) => {
    const spec = schema.resources[d.token];
    if (!spec) return [`${d.call}: ${d.token} is no resource or component of the schema`];
    const inputs = Object.keys((spec.inputProperties ?? {}) as Json);
    const byName = new Map(inputs.map((i) => [name(i), i]));
    return [
      ...d.args
        .filter((a) => !byName.has(a) && !extra.includes(a))
        .map((a) => `${d.call}: ${a} is no input of ${d.token} (it takes ${[...byName.keys()].join(", ")})`),
      ...((spec.requiredInputs ?? []) as string[])
        .filter((r) => !d.args.includes(name(r)))
        .map((r) => `${d.call}: the required ${name(r)} is missing`),
    ];
  });
}
