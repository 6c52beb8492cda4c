// The reference's Pulumi YAML examples: the example declared beside each component's and resource
// kind's settings (src/model/settings/), written as the resource alone and as the whole program
// its `${...}` references make (the resources it refers to first, the config keys it reads).
import { COMPONENT_SETTINGS, type ExampleValue, RESOURCE_SETTINGS, type YamlExample } from "../model/settings";
import { EXAMPLE_CONFIG } from "../model/settings/examples";
import { type Kind, KINDS, tokenOf } from "../providers/kinds";

/** An example with the type token of the resource it declares. */
export interface TokenExample {
  token: string;
  example: YamlExample;
}

/** Every example by its resource name; a name used twice is an error (one program may hold both). */
export function examplesByName(): Map<string, TokenExample> {
  const out = new Map<string, TokenExample>();
  const add = (token: string, example: YamlExample) => {
    if (out.has(example.name))
      throw new Error(`examples: the name ${example.name} is used by ${out.get(example.name)!.token} and ${token}`);
    out.set(example.name, { token, example });
  };
  for (const c of Object.values(COMPONENT_SETTINGS)) add(c.token, c.example);
  for (const kind of Object.keys(KINDS) as Kind[]) add(tokenOf(kind), RESOURCE_SETTINGS[kind].example);
  return out;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}/g;

/** The names (resources or config keys) a value refers to with `${name}` or `${name.output}`. */
export function referencesOf(v: ExampleValue): string[] {
  if (typeof v === "string") return [...v.matchAll(REFERENCE)].map((m) => m[1]);
  if (typeof v !== "object") return [];
  return (Array.isArray(v) ? (v as readonly ExampleValue[]) : Object.values(v)).flatMap(referencesOf);
}

/** The whole program of the example `name`: the config keys it reads and its resources, each after those it refers to. */
export function exampleProgram(name: string, all = examplesByName()): { config: string[]; resources: TokenExample[] } {
  const config = new Set<string>();
  const resources: TokenExample[] = [];
  const visit = (n: string, path: string[]) => {
    if (resources.some((r) => r.example.name === n)) return;
    if (path.includes(n)) throw new Error(`examples: ${[...path, n].join(" -> ")} refer to each other`);
    const e = all.get(n);
    if (!e) throw new Error(`examples: ${path.at(-1) ?? name} refers to ${n}, which is no example's name and no config key`);
    const refs = [...referencesOf(e.example.properties as ExampleValue), ...(e.example.dependsOn ?? [])];
    for (const r of refs) {
      if (r in EXAMPLE_CONFIG && !all.has(r)) config.add(r);
      else visit(r, [...path, n]);
    }
    resources.push(e);
  };
  visit(name, []);
  return { config: [...config], resources };
}

const isScalar = (v: ExampleValue): v is string | number | boolean => typeof v !== "object";
const KEYWORD = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/** A string as YAML: plain where that reads back as the same string, else double-quoted (JSON's escapes are YAML's). */
function scalar(v: string | number | boolean): string {
  if (typeof v !== "string") return String(v);
  return /^[A-Za-z_$/][\w${}/.@+-]*(?: [\w${}/.@+-]+)*$/.test(v) && !KEYWORD.test(v) ? v : JSON.stringify(v);
}

const key = (k: string) => (/^[A-Za-z_][\w-]*$/.test(k) ? k : JSON.stringify(k));

/** A value that fits on its key's line: a scalar, an empty list or map, a list of scalars (flow style). */
function inline(v: ExampleValue): string | undefined {
  if (isScalar(v)) return scalar(v);
  if (Array.isArray(v)) {
    const items = v as readonly ExampleValue[];
    if (!items.every(isScalar)) return undefined;
    return `[${items.map((x) => (typeof x === "string" ? JSON.stringify(x) : String(x))).join(", ")}]`;
  }
  return Object.keys(v).length === 0 ? "{}" : undefined;
}

function entry(k: string, v: ExampleValue, indent: string): string[] {
  const flat = inline(v);
  if (flat !== undefined) return [`${indent}${key(k)}: ${flat}`];
  return [`${indent}${key(k)}:`, ...block(v, `${indent}  `)];
}

/** A list or map below its key, at `indent`. */
function block(v: ExampleValue, indent: string): string[] {
  if (!Array.isArray(v)) return Object.entries(v as Record<string, ExampleValue>).flatMap(([k, x]) => entry(k, x, indent));
  return (v as readonly ExampleValue[]).flatMap((item) => {
    const flat = inline(item);
    if (flat !== undefined) return [`${indent}- ${flat}`];
    const lines = block(item, `${indent}  `);
    // The first line of a map item goes on the dash's line: `- name: web`.
    return Array.isArray(item) ? [`${indent}-`, ...lines] : [`${indent}- ${lines[0].trimStart()}`, ...lines.slice(1)];
  });
}

/** One resource of a program's `resources:` map. */
function resourceLines({ token, example }: TokenExample): string[] {
  const lines = [`  ${key(example.name)}:`, `    type: ${token}`];
  if (Object.keys(example.properties).length) lines.push("    properties:", ...block(example.properties as ExampleValue, "      "));
  if (example.dependsOn?.length) lines.push("    options:", "      dependsOn:", ...example.dependsOn.map((d) => `        - \${${d}}`));
  return lines;
}

/** The example's resource alone, under `resources:`. */
export function resourceYaml(e: TokenExample): string {
  return ["resources:", ...resourceLines(e)].join("\n") + "\n";
}

/** The example's whole program: a `Pulumi.yaml` that declares what it reads and refers to. */
export function programYaml(name: string, all = examplesByName()): string {
  const { config, resources } = exampleProgram(name, all);
  const lines = ["name: dockyard-example", "runtime: yaml"];
  if (config.length) {
    lines.push("config:");
    for (const c of config) {
      lines.push(`  ${c}: # ${EXAMPLE_CONFIG[c].set}`, "    type: string");
      if (EXAMPLE_CONFIG[c].secret) lines.push("    secret: true");
    }
  }
  lines.push("resources:", ...resources.flatMap(resourceLines));
  return lines.join("\n") + "\n";
}
