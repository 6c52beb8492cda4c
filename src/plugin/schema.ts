// The package schema `GetSchema` serves, built from the declared settings (src/model/settings/):
// every resource kind by its token, every component the plugin constructs (`isComponent`), the
// object types they refer to, each property's type, description (with its default), secrecy and
// whether a change replaces the resource. schema.json at the repository root is this text
// (`npm run gen:schema`); a unit test keeps the two equal.
import { COMPONENT_SETTINGS, RESOURCE_SETTINGS, type Setting, type SettingType, SETTING_TYPES, type Settings } from "../model/settings";
import { type Kind, KINDS, PACKAGE, tokenOf } from "../providers/kinds";
import { PACKAGE_VERSION } from "../providers/package-version";

type Json = Record<string, unknown>;

/** The token of an object type of the settings. */
export const typeTokenOf = (name: string): string => `${PACKAGE}:index:${name}`;

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
  };
}

/** The schema as JSON text: schema.json holds exactly this. */
export function schemaJson(): string {
  return JSON.stringify(packageSchema(), null, 2) + "\n";
}
