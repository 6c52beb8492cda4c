// The package schema `GetSchema` serves, built from the declared settings (src/model/settings/):
// every resource kind by its token, every component the plugin constructs (`isComponent`), the
// object types they refer to, each property's type, description (with its default), secrecy and
// whether a change replaces the resource. schema.json at the repository root is this text
// (`npm run gen:schema`); a unit test keeps the two equal.
import { COMPONENT_SETTINGS, RESOURCE_SETTINGS, type Setting, type SettingType, SETTING_TYPES, type Settings } from "../model/settings";
import { type Kind, KINDS, PACKAGE, tokenOf } from "../providers/kinds";
import { PACKAGE_VERSION } from "../providers/package-version";

type Json = Record<string, unknown>;

/** The settings' own types a type refers to by name, and the resources and components it refers to. */
function refsOf(t: SettingType, out: { types: Set<string>; resources: Set<string> }): void {
  if (typeof t !== "object") return;
  if ("ref" in t) out.types.add(t.ref);
  else if ("resource" in t) out.resources.add(t.resource);
  else if ("array" in t) refsOf(t.array, out);
  else if ("map" in t) refsOf(t.map, out);
  else if ("oneOf" in t) t.oneOf.forEach((o) => refsOf(o, out));
}

const moduleOf = (token: string): string => token.split(":")[1];

/**
 * The token of each object type. Generated SDKs put each module in a package of their own (Go:
 * `sdk/go/dockyard/workload`) and name a type's input class after it with `Args` added, so:
 * - a type used by one module's resources and components only lives in that module, the others in
 *   `index`; an `index` type may not refer to a resource (`index` naming `workload`'s Volume would
 *   make Go's root package import `workload`, which imports the root: a cycle Go refuses);
 * - a token drops the name's `Args` (`JumpHostArgs` is `dockyard:host:JumpHost`, whose input class
 *   is `JumpHostArgs` again, as in TypeScript), and two types of a module may not end up with one
 *   name (`DaemonProxy` and `DaemonProxyArgs` both in `index` would give two `DaemonProxyArgs`).
 */
function typeTokens(): Map<string, string> {
  // The modules using each type: directly, or through the types using it.
  const direct = new Map<string, Set<string>>();
  const byTypes = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, key: string, value: string) => m.set(key, (m.get(key) ?? new Set()).add(value));
  const refs = (settings: Settings) => {
    const out = { types: new Set<string>(), resources: new Set<string>() };
    for (const s of Object.values(settings)) refsOf(s.type, out);
    return out;
  };
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const r = RESOURCE_SETTINGS[kind];
    // Inputs and outputs apart: an output may have an input's name and another type.
    for (const settings of r ? [r.inputs, r.outputs] : []) for (const t of refs(settings).types) add(direct, t, moduleOf(tokenOf(kind)));
  }
  for (const c of Object.values(COMPONENT_SETTINGS))
    for (const settings of [c.inputs, c.outputs]) for (const t of refs(settings).types) add(direct, t, moduleOf(c.token));
  for (const [name, t] of Object.entries(SETTING_TYPES)) for (const used of refs(t.properties).types) add(byTypes, used, name);
  const modulesOf = (name: string, seen: Set<string> = new Set()): Set<string> => {
    const out = new Set(direct.get(name) ?? []);
    for (const user of byTypes.get(name) ?? []) if (!seen.has(user)) modulesOf(user, seen.add(user)).forEach((m) => out.add(m));
    return out;
  };
  const tokens = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const [name, t] of Object.entries(SETTING_TYPES)) {
    const modules = [...modulesOf(name)];
    const module = modules.length === 1 ? modules[0] : "index";
    if (module === "index" && refs(t.properties).resources.size > 0)
      throw new Error(`settings: the type ${name} refers to a resource and is used by ${modules.join(", ")}: one module only`);
    const token = `${PACKAGE}:${module}:${name.replace(/(?<=.)Args$/, "")}`;
    const clash = taken.get(token) ?? taken.get(`${token}Args`) ?? (token.endsWith("Args") ? taken.get(token.slice(0, -4)) : undefined);
    if (clash) throw new Error(`settings: the types ${clash} and ${name} would have one name in the SDKs (${token})`);
    taken.set(token, name);
    tokens.set(name, token);
  }
  return tokens;
}

let typeTokenCache: Map<string, string> | undefined;

/** The token of an object type of the settings. */
export const typeTokenOf = (name: string): string => {
  typeTokenCache ??= typeTokens();
  const token = typeTokenCache.get(name);
  if (!token) throw new Error(`settings: no type ${name}`);
  return token;
};

/** The Go module of the generated Go SDK (sdk/go/dockyard): in-repository use goes through a `replace`. */
export const GO_MODULE = "github.com/dockyard/pulumi-dockyard/sdk/go/dockyard";
/** The generated Python SDK's package (sdk/python). */
export const PYTHON_PACKAGE = "pulumi_dockyard";

/**
 * What Pulumi's code generators read (sdk/gen, `npm run gen:sdk`): the Go import path, which is
 * also its module path, and the Python package; both carry the schema's version.
 */
const LANGUAGE: Json = {
  go: { importBasePath: GO_MODULE, respectSchemaVersion: true, generateResourceContainerTypes: true },
  python: {
    packageName: PYTHON_PACKAGE,
    respectSchemaVersion: true,
    pyproject: { enabled: true },
    requires: { pulumi: ">=3.231.0,<4.0.0" },
  },
};

function typeSpec(t: SettingType): Json {
  if (t === "any") return { $ref: "pulumi.json#/Any" };
  if (t === "asset") return { $ref: "pulumi.json#/Asset" };
  if (typeof t === "string") return { type: t };
  if ("enum" in t) return { type: "string" };
  if ("array" in t) return { type: "array", items: typeSpec(t.array) };
  if ("map" in t) return { type: "object", additionalProperties: typeSpec(t.map) };
  if ("ref" in t) {
    if (!SETTING_TYPES[t.ref]) throw new Error(`settings: no type ${t.ref}`);
    return { $ref: `#/types/${typeTokenOf(t.ref)}` };
  }
  if ("resource" in t) return { $ref: `#/resources/${t.resource}` };
  if ("oneOf" in t) return { oneOf: t.oneOf.map(typeSpec) };
  throw new Error("settings: an inline object type; declare it in SETTING_TYPES and refer to it by name");
}

const sentence = (s: string): string => (/[.!?)`]$/.test(s) ? s : `${s}.`);

/** A setting's description for the schema and the docs: its text, default, values and replacement. */
export function describeSetting(s: Setting): string {
  const base = s.description || (typeof s.type === "object" && "ref" in s.type ? (SETTING_TYPES[s.type.ref]?.description ?? "") : "");
  const parts = base ? [sentence(base)] : [];
  if (typeof s.type === "object" && "enum" in s.type)
    parts.push(`One of ${s.type.enum.map((v) => `\`${JSON.stringify(v)}\``).join(", ")}.`);
  if (s.default !== undefined) parts.push(`Default: ${sentence(s.default)}`);
  if (s.replacesWhen) parts.push(`Replaces the resource when ${sentence(s.replacesWhen)}`);
  if (s.openBecause) parts.push(`Left open in this schema: ${sentence(s.openBecause)}`);
  return parts.join(" ");
}

function property(s: Setting, secret: boolean): Json {
  const p: Json = { ...(s.openBecause ? { $ref: "pulumi.json#/Any" } : typeSpec(s.type)) };
  const description = describeSetting(s);
  if (description) p.description = description;
  if (secret) p.secret = true;
  if (s.replaceOnChange) p.willReplaceOnChanges = true;
  return p;
}

function properties(settings: Settings, secrets?: readonly string[]): { properties: Json; required: string[] } {
  const out: Json = {};
  const required: string[] = [];
  for (const [name, s] of Object.entries(settings)) {
    out[name] = property(s, secrets ? secrets.includes(name) : s.secret === true);
    if (s.required) required.push(name);
  }
  return { properties: out, required };
}

const withRequired = (key: string, required: string[]): Json => (required.length ? { [key]: required } : {});

/** The schema as an object. */
export function packageSchema(): Json {
  const resources: Json = {};
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const r = RESOURCE_SETTINGS[kind];
    if (!r) throw new Error(`settings: no resource ${kind}`);
    const { secrets } = KINDS[kind];
    const inputs = properties(r.inputs, secrets);
    const outputs = properties(r.outputs, secrets);
    resources[tokenOf(kind)] = {
      description: r.description,
      inputProperties: inputs.properties,
      ...withRequired("requiredInputs", inputs.required),
      properties: { ...inputs.properties, ...outputs.properties },
    };
  }
  for (const c of Object.values(COMPONENT_SETTINGS)) {
    const inputs = properties(c.inputs);
    const outputs = properties(c.outputs);
    resources[c.token] = {
      isComponent: true,
      description: c.description,
      inputProperties: inputs.properties,
      ...withRequired("requiredInputs", inputs.required),
      properties: outputs.properties,
    };
  }
  const types: Json = {};
  for (const [name, t] of Object.entries(SETTING_TYPES)) {
    const { properties: props, required } = properties(t.properties);
    types[typeTokenOf(name)] = { type: "object", description: t.description, properties: props, ...withRequired("required", required) };
  }
  return {
    name: PACKAGE,
    displayName: "Dockyard",
    version: PACKAGE_VERSION,
    description:
      "Linux machines from bare to serving containers over SSH: hosts, Docker engines, daemon settings, images, containers, networks, volumes, registries and swarms.",
    resources,
    types,
    language: LANGUAGE,
  };
}

/** The schema as JSON text: schema.json holds exactly this. */
export function schemaJson(): string {
  return JSON.stringify(packageSchema(), null, 2) + "\n";
}
