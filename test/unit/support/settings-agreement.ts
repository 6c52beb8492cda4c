// The agreement checks between the declared settings (src/model/settings/) and the other shapes
// of a setting: the TypeScript argument types (read with the compiler), the kinds table and the
// fleet file's JSON Schema. Each returns the differences, naming the place and the field, so a
// test can show them and can prove on a mutated copy that a one-sided change is caught.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import {
  COMPONENT_SETTINGS,
  type FleetMapping,
  RESOURCE_SETTINGS,
  type Setting,
  type Settings,
  type SettingType,
  SETTING_TYPES,
  type TsSource,
} from "../../../src/model/settings";
import { KINDS } from "../../../src/providers/kinds";
import { type TsProperty, TsSettingsReader } from "./ts-settings";

export const REPO = path.resolve(__dirname, "..", "..", "..");

/** Component classes a TypeScript argument may hold, by the token the schema refers to them by. */
export const RESOURCE_CLASSES = Object.fromEntries(Object.entries(COMPONENT_SETTINGS).map(([name, c]) => [name, c.token]));

const abs = (s: TsSource) => path.join(REPO, s.file);

/** Every file the settings name as a source. */
export function sourceFiles(): string[] {
  const files = new Set<string>();
  for (const c of Object.values(COMPONENT_SETTINGS)) files.add(abs(c.args)).add(abs(c.class));
  for (const r of Object.values(RESOURCE_SETTINGS)) {
    if (r.inputsSource) files.add(abs(r.inputsSource));
    if (r.outputsSource) files.add(abs(r.outputsSource));
  }
  for (const t of Object.values(SETTING_TYPES)) if (t.source) files.add(abs(t.source));
  return [...files];
}

/** A reader over the settings' sources; `host` may serve changed file texts (the mutation proofs). */
export function reader(host?: ts.CompilerHost, old?: TsSettingsReader): TsSettingsReader {
  return new TsSettingsReader(sourceFiles(), RESOURCE_CLASSES, host, old);
}

/** A compiler host that serves `text` for `file` (repository-relative) and the disk otherwise. */
export function hostWith(file: string, text: string): ts.CompilerHost {
  const host = ts.createCompilerHost({ strict: true, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 });
  const original = host.getSourceFile.bind(host);
  const target = path.join(REPO, file);
  host.getSourceFile = (name, lang, onError, create) =>
    path.resolve(name) === target ? ts.createSourceFile(name, text, lang) : original(name, lang, onError, create);
  return host;
}

const show = (t: SettingType | undefined): string => JSON.stringify(t);

/** Differences between a TypeScript type and a declared one, as "where: what" lines. */
function typeDiffs(where: string, t: SettingType, s: SettingType, r: TsSettingsReader, seen: Set<string>): string[] {
  if (t === "number" && (s === "number" || s === "integer")) return [];
  if (typeof t === "string" || typeof s === "string")
    return t === s ? [] : [`${where}: type ${show(t)} in TypeScript, ${show(s)} in the settings`];
  if ("object" in t && "ref" in s) {
    const decl = SETTING_TYPES[s.ref];
    if (!decl) return [`${where}: the settings name no type ${s.ref}`];
    return propertyDiffs(`${where} (${s.ref})`, t.object as TsProperty[], decl.properties, r, true, seen);
  }
  const key = Object.keys(t)[0];
  if (key !== Object.keys(s)[0]) return [`${where}: type ${show(t)} in TypeScript, ${show(s)} in the settings`];
  if ("enum" in t && "enum" in s)
    return [...t.enum].sort().join() === [...s.enum].sort().join()
      ? []
      : [`${where}: values ${show(t)} in TypeScript, ${show(s)} in the settings`];
  if ("array" in t && "array" in s) return typeDiffs(`${where}[]`, t.array, s.array, r, seen);
  if ("map" in t && "map" in s) return typeDiffs(`${where}{}`, t.map, s.map, r, seen);
  if ("ref" in t && "ref" in s) return t.ref === s.ref ? [] : [`${where}: type ${t.ref} in TypeScript, ${s.ref} in the settings`];
  if ("resource" in t && "resource" in s)
    return t.resource === s.resource ? [] : [`${where}: ${t.resource} in TypeScript, ${s.resource} in the settings`];
  if ("oneOf" in t && "oneOf" in s) {
    if (t.oneOf.length !== s.oneOf.length) return [`${where}: union ${show(t)} in TypeScript, ${show(s)} in the settings`];
    return t.oneOf.flatMap((x, i) => typeDiffs(`${where}|${i}`, x, s.oneOf[i], r, seen));
  }
  return [`${where}: type ${show(t)} in TypeScript, ${show(s)} in the settings`];
}

/**
 * Differences between properties read from TypeScript and declared settings: a name in one only,
 * optionality (for inputs), type, description, @default and @example.
 */
export function propertyDiffs(
  where: string,
  props: TsProperty[],
  settings: Settings,
  r: TsSettingsReader,
  input: boolean,
  seen = new Set<string>(),
): string[] {
  const out: string[] = [];
  const names = new Set(props.map((p) => p.name));
  for (const name of Object.keys(settings)) if (!names.has(name)) out.push(`${where}.${name}: in the settings, not in TypeScript`);
  for (const p of props) {
    const s: Setting | undefined = settings[p.name];
    const at = `${where}.${p.name}`;
    if (!s) {
      out.push(`${at}: in TypeScript, not in the settings`);
      continue;
    }
    if (input && p.optional === (s.required === true))
      out.push(`${at}: ${p.optional ? "optional" : "required"} in TypeScript, not in the settings`);
    if (!s.openBecause) out.push(...typeDiffs(at, p.type, s.type, r, seen));
    if (p.description && p.description !== s.description)
      out.push(`${at}: description ${JSON.stringify(p.description)} in TypeScript, ${JSON.stringify(s.description)} in the settings`);
    if (p.default !== s.default)
      out.push(`${at}: default ${JSON.stringify(p.default)} in TypeScript (@default), ${JSON.stringify(s.default)} in the settings`);
    if (p.example !== undefined && p.example !== s.example)
      out.push(`${at}: example ${JSON.stringify(p.example)} in TypeScript, ${JSON.stringify(s.example)} in the settings`);
  }
  return out;
}

/** Every difference between the components' Args and class outputs and their settings. */
export function componentDiffs(r: TsSettingsReader): string[] {
  const out: string[] = [];
  for (const [name, c] of Object.entries(COMPONENT_SETTINGS)) {
    out.push(...propertyDiffs(`${name} arguments (${c.args.name})`, r.properties(abs(c.args), c.args.name), c.inputs, r, true));
    out.push(...propertyDiffs(`${name} outputs`, r.classOutputs(abs(c.class), c.class.name, Object.keys(c.outputs)), c.outputs, r, false));
    const cls = r.declaration(abs(c.class), c.class.name).getText();
    // A class that is the resource it manages is served as the token its schemaType names.
    const file = readFileSync(abs(c.class), "utf8");
    const servedAs =
      cls.includes("static readonly schemaType") &&
      new RegExp(`: ResourceComponentType = \\{\\s*token: ${JSON.stringify(c.token)}`).test(file);
    if (!cls.includes(`super(${JSON.stringify(c.token)}`) && !servedAs) out.push(`${name}: the class does not register ${c.token}`);
  }
  return out;
}

/** Every difference between the object types with a TypeScript source and that source. */
export function objectTypeDiffs(r: TsSettingsReader): string[] {
  return Object.entries(SETTING_TYPES).flatMap(([name, t]) =>
    t.source ? propertyDiffs(`type ${name} (${t.source.name})`, r.properties(abs(t.source), t.source.name), t.properties, r, true) : [],
  );
}

/** Every difference between the resource kinds (kinds.ts and the providers' interfaces) and their settings. */
export function resourceDiffs(
  r: TsSettingsReader,
  kinds: Record<string, { inputs: readonly string[]; outputs: readonly string[] }> = KINDS,
): string[] {
  const out: string[] = [];
  const declared = Object.keys(RESOURCE_SETTINGS);
  for (const k of Object.keys(kinds)) if (!declared.includes(k)) out.push(`resource ${k}: in kinds.ts, not in the settings`);
  for (const k of declared) if (!(k in kinds)) out.push(`resource ${k}: in the settings, not in kinds.ts`);
  for (const [kind, res] of Object.entries(RESOURCE_SETTINGS)) {
    const spec = kinds[kind];
    if (!spec) continue;
    const same = (a: readonly string[], b: string[]) => [...a].sort().join() === [...b].sort().join();
    if (!same(spec.inputs, Object.keys(res.inputs)))
      out.push(`resource ${kind}: inputs ${spec.inputs.join(", ")} in kinds.ts, ${Object.keys(res.inputs).join(", ")} in the settings`);
    if (!same(spec.outputs, Object.keys(res.outputs)))
      out.push(`resource ${kind}: outputs ${spec.outputs.join(", ")} in kinds.ts, ${Object.keys(res.outputs).join(", ")} in the settings`);
    for (const [name, s] of [...Object.entries(res.inputs), ...Object.entries(res.outputs)])
      if (s.secret !== undefined) out.push(`resource ${kind}.${name}: secret is declared in kinds.ts (secrets), not in the settings`);
    if (res.inputsSource) {
      const ins = r.properties(abs(res.inputsSource), res.inputsSource.name);
      out.push(...propertyDiffs(`resource ${kind} inputs (${res.inputsSource.name})`, ins, res.inputs, r, true));
      if (res.outputsSource) {
        const outs = r.properties(abs(res.outputsSource), res.outputsSource.name).filter((p) => !ins.some((i) => i.name === p.name));
        out.push(...propertyDiffs(`resource ${kind} outputs (${res.outputsSource.name})`, outs, res.outputs, r, false));
      }
    }
  }
  return out;
}

/** Types referred to that are not declared, and declared types nothing refers to. */
export function referenceDiffs(): string[] {
  const used = new Set<string>();
  const walk = (t: SettingType) => {
    if (typeof t === "string") return;
    if ("ref" in t) used.add(t.ref);
    if ("array" in t) walk(t.array);
    if ("map" in t) walk(t.map);
    if ("oneOf" in t) t.oneOf.forEach(walk);
  };
  const all: Settings[] = [
    ...Object.values(COMPONENT_SETTINGS).flatMap((c) => [c.inputs, c.outputs]),
    ...Object.values(RESOURCE_SETTINGS).flatMap((r) => [r.inputs, r.outputs]),
    ...Object.values(SETTING_TYPES).map((t) => t.properties),
  ];
  for (const settings of all) for (const s of Object.values(settings)) if (!s.openBecause) walk(s.type);
  return [
    ...[...used].filter((n) => !SETTING_TYPES[n]).map((n) => `type ${n}: referred to, not declared`),
    ...Object.keys(SETTING_TYPES)
      .filter((n) => !used.has(n))
      .map((n) => `type ${n}: declared, referred to by nothing`),
  ];
}

type Json = { [k: string]: unknown };

/** A default as the fleet file's descriptions say it (`Default: 22.`): a JSON scalar, shown plain. */
function plainDefault(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(d);
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  } catch {
    // a phrase ("none: direct connection"): the fleet file says it its own way
  }
  return undefined;
}

/**
 * Differences between settings and the fleet file's JSON Schema sections their mapping names: a
 * setting missing from its section, a section key that is no setting and not declared the file's
 * own, and a default the fleet's description states otherwise.
 */
export function fleetDiffs(schema: Json, mappings: [string, Settings, FleetMapping][] = allFleetMappings()): string[] {
  const defs = schema.$defs as Record<string, Json>;
  const out: string[] = [];
  for (const [owner, settings, m] of mappings) {
    const keysOf = (section: string) => {
      const def = defs[section];
      if (!def) {
        out.push(`${owner}: the fleet file has no section ${section}`);
        return {} as Record<string, Json>;
      }
      return (def.properties ?? {}) as Record<string, Json>;
    };
    const primary = keysOf(m.section);
    const fleetKeyOf = (name: string) => (m.keys && name in m.keys ? m.keys[name] : name);
    const mapped = new Set<string>();
    for (const [name, s] of Object.entries(settings)) {
      const key = fleetKeyOf(name);
      if (key === null) continue;
      mapped.add(key);
      const p = primary[key];
      if (!p) {
        out.push(`${owner}.${name}: a setting, not in the fleet file's ${m.section}${key !== name ? ` (as ${key})` : ""}`);
        continue;
      }
      const plain = plainDefault(s.default);
      const desc = typeof p.description === "string" ? p.description : "";
      if (plain !== undefined && !desc.includes(`Default: ${plain}`))
        out.push(`${owner}.${name}: default ${plain} in the settings, the fleet file's ${m.section}.${key} says ${JSON.stringify(desc)}`);
    }
    for (const section of [m.section, ...(m.alsoIn ?? [])]) {
      for (const key of Object.keys(keysOf(section))) {
        if (!mapped.has(key) && !(m.fleetOnly ?? []).includes(key))
          out.push(`${owner}: the fleet file's ${section}.${key} is no setting (declare it in fleetOnly, or map it)`);
      }
    }
  }
  return out;
}

/** Every fleet mapping the settings declare. */
export function allFleetMappings(): [string, Settings, FleetMapping][] {
  return [
    ...Object.entries(COMPONENT_SETTINGS).flatMap(([n, c]): [string, Settings, FleetMapping][] =>
      c.fleet ? [[n, c.inputs, c.fleet]] : [],
    ),
    ...Object.entries(SETTING_TYPES).flatMap(([n, t]): [string, Settings, FleetMapping][] => (t.fleet ? [[n, t.properties, t.fleet]] : [])),
  ];
}
