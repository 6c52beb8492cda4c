// Checks a Pulumi YAML program against the package schema (schema.json) as far as a program can be
// checked without running it: every resource's type is a resource or component of the schema, its
// properties are inputs of that type with values of the declared shapes, the required inputs are
// there, and every `${...}` names a resource, a config key or an output the resource has (of the
// type the input takes, where both are declared).
import { parse } from "yaml";

type Json = { [k: string]: unknown };

export interface PackageSchema {
  resources: Record<string, Json>;
  types: Record<string, Json>;
}

interface ResourceDecl {
  type?: string;
  properties?: Json;
  options?: { dependsOn?: unknown };
}

const WHOLE = /^\$\{([^}]*)\}$/;
const EXPRESSION = /\$\{([^}]*)\}/g;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const tokenOfRef = (ref: string) => ref.slice(ref.lastIndexOf("/") + 1);

/** The problems of a program, as `where: what`; [] when the schema accepts it. */
export function programProblems(text: string, schema: PackageSchema, where = "program"): string[] {
  const program = parse(text) as Json;
  const config = new Set(Object.keys(isObject(program.config) ? program.config : {}));
  const resources = (isObject(program.resources) ? program.resources : {}) as Record<string, ResourceDecl>;
  const problems: string[] = [];

  /** The schema of `${root.a.b}`'s value, when the path can be followed; problems for a path that does not exist. */
  const expression = (inner: string, at: string): { spec?: Json; problems: string[] } => {
    const [root, ...path] = inner.split(".");
    if (config.has(root)) return path.length ? { problems: [`${at}: \${${inner}}: config ${root} is a string`] } : { problems: [] };
    const decl = resources[root];
    if (!decl) return { problems: [`${at}: \${${inner}} names no resource and no config key of the program`] };
    const spec = schema.resources[decl.type ?? ""];
    if (!spec) return { problems: [] }; // the resource's own problem is reported with it
    let props = (spec.properties ?? {}) as Record<string, Json>;
    let current: Json | undefined;
    for (const [i, name] of path.entries()) {
      current = props[name];
      if (!current) return { problems: [`${at}: \${${inner}}: ${i === 0 ? decl.type : path.slice(0, i).join(".")} has no output ${name}`] };
      const ref =
        typeof current.$ref === "string" && current.$ref.startsWith("#/types/") ? schema.types[tokenOfRef(current.$ref)] : undefined;
      props = (ref?.properties ?? {}) as Record<string, Json>;
    }
    return { spec: current, problems: [] };
  };

  /** Resource tokens a property spec takes as a reference (a oneOf may take several). */
  const resourceRefs = (spec: Json): string[] => {
    if (typeof spec.$ref === "string" && spec.$ref.startsWith("#/resources/")) return [tokenOfRef(spec.$ref)];
    return Array.isArray(spec.oneOf) ? (spec.oneOf as Json[]).flatMap(resourceRefs) : [];
  };

  const shapeOf = (spec: Json): string | undefined =>
    typeof spec.$ref === "string" ? spec.$ref : typeof spec.type === "string" && spec.type !== "object" ? spec.type : undefined;

  const value = (v: unknown, spec: Json, at: string): string[] => {
    const whole = typeof v === "string" ? WHOLE.exec(v) : null;
    if (whole) {
      const [root, ...path] = whole[1].split(".");
      const found = expression(whole[1], at);
      if (found.problems.length) return found.problems;
      const decl = resources[root];
      const wanted = resourceRefs(spec);
      if (decl && path.length === 0) {
        if (wanted.includes(decl.type ?? "")) return [];
        return [
          `${at}: \${${root}} is a ${decl.type}, where the schema takes ${wanted.length ? wanted.join(" or ") : JSON.stringify(shapeOf(spec) ?? spec)}`,
        ];
      }
      // An output passed on: where both shapes are declared, they are the same.
      const given = found.spec && shapeOf(found.spec);
      const taken = shapeOf(spec);
      if (given && taken && taken !== "pulumi.json#/Any" && !spec.oneOf && given !== taken)
        return [`${at}: ${whole[0]} is ${given}, where the schema takes ${taken}`];
      return [];
    }
    const embedded = typeof v === "string" ? [...v.matchAll(EXPRESSION)].flatMap((m) => expression(m[1], at).problems) : [];
    if (embedded.length) return embedded;
    if (Array.isArray(spec.oneOf)) {
      const branches = (spec.oneOf as Json[]).map((b) => value(v, b, at));
      return branches.some((b) => b.length === 0)
        ? []
        : [`${at}: matches no shape the schema allows (${branches.map((b) => b[0]).join("; ")})`];
    }
    if (typeof spec.$ref === "string") {
      const ref = spec.$ref;
      if (ref === "pulumi.json#/Any") return [];
      if (ref === "pulumi.json#/Asset" || ref === "pulumi.json#/Archive")
        return isObject(v) && Object.keys(v).some((k) => k.startsWith("fn::")) ? [] : [`${at}: must be an asset (fn::fileAsset, ...)`];
      if (ref.startsWith("#/resources/")) return [`${at}: must be a reference to a ${tokenOfRef(ref)}, like \${name}`];
      const type = schema.types[tokenOfRef(ref)];
      if (!type) return [`${at}: the schema's ${ref} does not resolve`];
      return object(v, (type.properties ?? {}) as Record<string, Json>, (type.required ?? []) as string[], at);
    }
    switch (spec.type) {
      case "string":
        return typeof v === "string" ? [] : [`${at}: must be a string (got ${JSON.stringify(v)})`];
      case "integer":
        return Number.isInteger(v) ? [] : [`${at}: must be an integer (got ${JSON.stringify(v)})`];
      case "number":
        return typeof v === "number" ? [] : [`${at}: must be a number (got ${JSON.stringify(v)})`];
      case "boolean":
        return typeof v === "boolean" ? [] : [`${at}: must be true or false (got ${JSON.stringify(v)})`];
      case "array":
        return Array.isArray(v) ? v.flatMap((x, i) => value(x, spec.items as Json, `${at}[${i}]`)) : [`${at}: must be a list`];
      case "object":
        if (!isObject(v)) return [`${at}: must be a map`];
        return isObject(spec.additionalProperties)
          ? Object.entries(v).flatMap(([k, x]) => value(x, spec.additionalProperties as Json, `${at}.${k}`))
          : [];
      default:
        return [];
    }
  };

  const object = (v: unknown, props: Record<string, Json>, required: string[], at: string): string[] => {
    if (!isObject(v)) return [`${at}: must be a map of ${Object.keys(props).join(", ")}`];
    return [
      ...Object.keys(v)
        .filter((k) => !(k in props))
        .map((k) => `${at}: ${k} is not a property the schema knows (it has ${Object.keys(props).join(", ")})`),
      ...required.filter((k) => !(k in v)).map((k) => `${at}: the required ${k} is missing`),
      ...Object.entries(v)
        .filter(([k]) => k in props)
        .flatMap(([k, x]) => value(x, props[k], `${at}.${k}`)),
    ];
  };

  for (const [name, decl] of Object.entries(resources)) {
    const at = `${where}: resources.${name}`;
    const spec = schema.resources[decl.type ?? ""];
    if (!spec) {
      problems.push(`${at}: ${decl.type} is no resource or component of the schema`);
      continue;
    }
    const inputs = (spec.inputProperties ?? {}) as Record<string, Json>;
    problems.push(...object(decl.properties ?? {}, inputs, (spec.requiredInputs ?? []) as string[], `${at}.properties`));
    const dependsOn = decl.options?.dependsOn ?? [];
    for (const d of Array.isArray(dependsOn) ? dependsOn : [dependsOn]) {
      const m = typeof d === "string" ? WHOLE.exec(d) : null;
      if (!m || !resources[m[1]]) problems.push(`${at}.options.dependsOn: ${JSON.stringify(d)} is not a resource of the program`);
    }
  }
  for (const [name, v] of Object.entries(isObject(program.outputs) ? program.outputs : {})) {
    if (typeof v === "string")
      for (const m of v.matchAll(EXPRESSION)) problems.push(...expression(m[1], `${where}: outputs.${name}`).problems);
  }
  return problems;
}
