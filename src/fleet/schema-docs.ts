// The fleet file's JSON Schema (for editors) and its Markdown reference (docs/fleet-files.md), both
// derived from the one zod schema so they cannot drift from what loadFleet accepts.
import { z } from "zod";
import { FleetSpecSchema } from "./spec";

type Json = { [k: string]: unknown };

/** A schema value as text: strings as they are, anything else as JSON. */
const text = (v: unknown): string => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** The JSON Schema (draft 2020-12) of a fleet file, as schema/fleet.schema.json holds it. */
export function fleetJsonSchema(): Json {
  const schema = z.toJSONSchema(FleetSpecSchema, { io: "input", target: "draft-2020-12" }) as Json;
  return { $schema: schema.$schema, $id: "https://github.com/dockyard/pulumi-dockyard/schema/fleet.schema.json", ...schema };
}

const SECTIONS = [
  "Defaults",
  "Host",
  "AwsInstance",
  "Jump",
  "Preflight",
  "Engine",
  "EngineBundle",
  "Daemon",
  "DaemonProxy",
  "LogRotation",
  "Registry",
  "Ecr",
  "Credential",
  "Image",
  "ImageSource",
  "Container",
  "ContainerNetwork",
  "Network",
  "Volume",
  "ComposeProject",
  "Swarm",
  "SwarmNode",
  "Service",
  "UpdatePolicy",
  "Rollout",
  "Targets",
  "ConfigRef",
  "SecretRef",
];

/** The fleet file reference in Markdown: one table per kind of entry. */
export function fleetReferenceMarkdown(): string {
  const schema = fleetJsonSchema();
  const defs = schema.$defs as Record<string, Json>;
  const out: string[] = [];
  out.push("### Fleet file (top level)", "", text(schema.description), "", ...table(schema));
  for (const name of SECTIONS) {
    const def = defs[name];
    if (!def) continue;
    out.push("", `### ${name}`, "", text(def.description));
    if (def.properties) out.push("", ...table(def));
    else out.push("", `Type: ${typeOf(def)}.`);
  }
  return out.join("\n") + "\n";
}

function table(def: Json): string[] {
  const required = new Set((def.required as string[] | undefined) ?? []);
  const rows = Object.entries((def.properties ?? {}) as Record<string, Json>).map(([key, p]) => {
    const examples = (p.examples as unknown[] | undefined) ?? [];
    const desc = [
      text(p.description ?? (p.$ref ? refDef(p.$ref as string) : undefined)),
      examples.length ? `Example: \`${JSON.stringify(examples[0])}\`` : "",
    ]
      .filter(Boolean)
      .join(" ");
    return `| \`${key}\`${required.has(key) ? " (required)" : ""} | ${typeOf(p)} | ${desc.replace(/\|/g, "\\|")} |`;
  });
  return ["| key | type | meaning |", "|---|---|---|", ...rows];
}

function refDef(ref: string): string | undefined {
  const name = ref.split("/").pop()!;
  const def = (fleetJsonSchema().$defs as Record<string, Json>)[name];
  return def?.description as string | undefined;
}

function typeOf(p: Json): string {
  if (p.$ref) {
    const name = text(p.$ref).split("/").pop()!;
    return `[${name}](#${name.toLowerCase()})`;
  }
  if (p.anyOf) return (p.anyOf as Json[]).map(typeOf).join(" or ");
  if (p.const !== undefined) return `\`${JSON.stringify(p.const)}\``;
  if (p.enum) return (p.enum as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (p.type === "array") return `list of ${typeOf((p.items ?? {}) as Json)}`;
  if (p.type === "object" && !p.properties) {
    const values = p.additionalProperties as Json | boolean | undefined;
    return `map of ${typeof values === "object" && Object.keys(values).length ? typeOf(values) : "any"}`;
  }
  if (p.type === "object") return `object { ${Object.keys(p.properties as Json).join(", ")} }`;
  if (p.type === "integer") {
    const range =
      p.minimum !== undefined && p.maximum !== undefined
        ? ` ${text(p.minimum)}-${text(p.maximum)}`
        : p.minimum !== undefined
          ? ` >= ${text(p.minimum)}`
          : "";
    return `integer${range}`;
  }
  if (p.type === "string" && p.pattern) return "string (pattern)";
  if (p.type) return text(p.type);
  return "any";
}
