// One schema: the settings declared in src/model/settings/ are the plugin's schema (schema.json)
// and the reference docs (docs/reference.md) by generation, and the TypeScript argument types, the
// kinds table and the fleet file's JSON Schema agree with them by these tests. Each agreement is
// also run on a mutated copy, to show that a field added in one place only is caught and named.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { generatedFiles } from "../../scripts/gen-schema";
import { fleetJsonSchema } from "../../src/fleet/schema-docs";
import { COMPONENT_SETTINGS, RESOURCE_SETTINGS, SETTING_TYPES } from "../../src/model/settings";
import { dockyardProvider } from "../../src/plugin/dispatch";
import { typeTokenOf } from "../../src/plugin/schema";
import * as providers from "../../src/providers/index";
import { type Kind, KINDS, tokenOf } from "../../src/providers/kinds";
import {
  allFleetMappings,
  componentDiffs,
  fleetDiffs,
  hostWith,
  objectTypeDiffs,
  propertyDiffs,
  reader,
  referenceDiffs,
  REPO,
  resourceDiffs,
} from "./support/settings-agreement";

type Json = { [k: string]: unknown };

const KIND_NAMES = Object.keys(KINDS) as Kind[];
// The components the plugin constructs for other languages (issue 25).
const COMPONENTS = [
  "Host",
  "DockerEngine",
  "DaemonConfig",
  "DockerUsers",
  "Image",
  "Container",
  "Network",
  "Volume",
  "ComposeProject",
  "Registry",
  "Swarm",
  "Service",
  "RolloutGate",
  "AwsHost",
  "EcrRegistry",
  "Fleet",
];

/** The generated files that differ from the text given for them. */
function stale(files: Record<string, string>, read: (file: string) => string): string[] {
  return Object.entries(files)
    .filter(([file, text]) => read(file) !== text)
    .map(([file]) => file);
}

const onDisk = (file: string) => readFileSync(path.join(REPO, file), "utf8");

test("schema.json and docs/reference.md are what `npm run gen:schema` writes from the settings", (t) => {
  const files = generatedFiles();
  t.deepEqual(stale(files, onDisk), [], "run npm run gen:schema");
  // A one-sided change is seen: the docs with one setting more than the settings say.
  const changed = (file: string) =>
    file === "docs/reference.md" ? onDisk(file).replace("| `address` (required)", "| `address2` (required)") : onDisk(file);
  t.deepEqual(stale(files, changed), ["docs/reference.md"]);
});

test("the served schema has exactly the kinds of kinds.ts and the components, secrets from kinds.ts", async (t) => {
  const schema = JSON.parse(await dockyardProvider().getSchema!()) as Json;
  const resources = schema.resources as Record<string, Json>;
  const custom = Object.keys(resources).filter((token) => !resources[token].isComponent);
  const components = Object.keys(resources).filter((token) => resources[token].isComponent);
  t.deepEqual(custom.sort(), KIND_NAMES.map(tokenOf).sort());
  t.deepEqual(Object.keys(COMPONENT_SETTINGS).sort(), [...COMPONENTS].sort());
  t.deepEqual(components.sort(), COMPONENTS.map((c) => COMPONENT_SETTINGS[c].token).sort());
  for (const kind of KIND_NAMES) {
    const r = resources[tokenOf(kind)];
    const props = { ...(r.properties as Record<string, Json>) };
    t.deepEqual(Object.keys(r.inputProperties as Json).sort(), [...KINDS[kind].inputs].sort(), `${kind} inputs`);
    t.deepEqual(Object.keys(props).sort(), [...KINDS[kind].inputs, ...KINDS[kind].outputs].sort(), `${kind} properties`);
    const secret = Object.keys(props).filter((p) => props[p].secret === true);
    t.deepEqual(secret.sort(), [...KINDS[kind].secrets].sort(), `${kind} secrets`);
  }
});

/** Every type spec in a schema, with where it is. */
function typeSpecs(schema: Json): [string, Json][] {
  const out: [string, Json][] = [];
  const visit = (where: string, spec: Json) => {
    out.push([where, spec]);
    if (spec.items) visit(`${where}[]`, spec.items as Json);
    if (spec.additionalProperties) visit(`${where}{}`, spec.additionalProperties as Json);
    ((spec.oneOf as Json[] | undefined) ?? []).forEach((s, i) => visit(`${where}|${i}`, s));
  };
  for (const [token, r] of Object.entries(schema.resources as Record<string, Json>))
    for (const key of ["inputProperties", "properties"])
      for (const [name, p] of Object.entries((r[key] ?? {}) as Record<string, Json>)) visit(`${token}.${key}.${name}`, p);
  for (const [token, ty] of Object.entries(schema.types as Record<string, Json>))
    for (const [name, p] of Object.entries(ty.properties as Record<string, Json>)) visit(`${token}.${name}`, p);
  return out;
}

test("the schema keeps to Pulumi's package schema format: known keys, types, and every $ref resolves", (t) => {
  const schema = JSON.parse(generatedFiles()["schema.json"]) as Json;
  t.deepEqual(
    Object.keys(schema).filter((k) => !["name", "displayName", "version", "description", "resources", "types", "language"].includes(k)),
    [],
  );
  const problems: string[] = [];
  const resources = schema.resources as Record<string, Json>;
  const types = schema.types as Record<string, Json>;
  for (const [where, spec] of typeSpecs(schema)) {
    const ref = spec.$ref as string | undefined;
    if (ref !== undefined) {
      const ok =
        ["pulumi.json#/Any", "pulumi.json#/Asset"].includes(ref) ||
        (ref.startsWith("#/types/") && types[ref.slice(8)]) ||
        (ref.startsWith("#/resources/") && resources[ref.slice(12)]);
      if (!ok) problems.push(`${where}: $ref ${ref} resolves to nothing`);
    } else if (spec.oneOf === undefined && !["string", "integer", "number", "boolean", "array", "object"].includes(spec.type as string)) {
      problems.push(`${where}: no type`);
    }
    const extra = Object.keys(spec).filter(
      (k) => !["type", "$ref", "items", "additionalProperties", "oneOf", "description", "secret", "willReplaceOnChanges"].includes(k),
    );
    if (extra.length) problems.push(`${where}: ${extra.join(", ")} is not a property key of the format`);
  }
  for (const [token, r] of Object.entries(resources)) {
    const extra = Object.keys(r).filter(
      (k) => !["description", "isComponent", "inputProperties", "requiredInputs", "properties"].includes(k),
    );
    if (extra.length) problems.push(`${token}: ${extra.join(", ")}`);
    for (const name of (r.requiredInputs as string[] | undefined) ?? [])
      if (!(name in (r.inputProperties as Json))) problems.push(`${token}: required input ${name} is no input`);
  }
  t.deepEqual(problems, []);
  // Open types only where a setting says why.
  const open = typeSpecs(schema)
    .filter(([, s]) => s.$ref === "pulumi.json#/Any")
    .map(([w]) => w);
  t.true(
    open.every((w) => /Fleet\.inputProperties\.(spec|config)$|settings\{\}$|content\{\}$|changes\[\]$/.test(w)),
    open.join("\n"),
  );
});

test("no resource of a module is named like another module (Pulumi's schema loader refuses the package)", (t) => {
  const schema = JSON.parse(generatedFiles()["schema.json"]) as Json;
  const tokens = [...Object.keys(schema.resources as Json), ...Object.keys(schema.types as Json)];
  const modules = new Set(tokens.map((token) => token.split(":")[1]));
  // A resource's file sits in its module's folder, beside the folders of the modules under it
  // (the index module is the top): `dockyard:index:Swarm` and the module `swarm` are one path.
  const colliding = (list: string[]) =>
    list.filter((token) => {
      const [, module, name] = token.split(":");
      return modules.has(module === "index" ? name.toLowerCase() : `${module}/${name.toLowerCase()}`);
    });
  t.deepEqual(colliding(Object.keys(schema.resources as Json)), []);
  // The rule as the loader has it: the Swarm kind under its own name would collide.
  t.deepEqual(colliding(["dockyard:index:Swarm"]), ["dockyard:index:Swarm"]);
});

test("the components' Args and outputs, the providers' inputs and the plans' types agree with the settings", (t) => {
  const r = reader();
  t.deepEqual(componentDiffs(r), []);
  t.deepEqual(objectTypeDiffs(r), []);
  t.deepEqual(resourceDiffs(r), []);
  t.deepEqual(referenceDiffs(), []);

  // A field added to an Args interface only, or a default changed there only, is named.
  const hostTs = onDisk("src/host/host.ts");
  const mutated = hostTs
    .replace("export interface HostArgs {", "export interface HostArgs {\n  /** Added in TypeScript only. */\n  keepAlive?: boolean;")
    .replace("   * SSH port.\n   * @default 22", "   * SSH port.\n   * @default 2222");
  t.not(mutated, hostTs);
  const diffs = componentDiffs(reader(hostWith("src/host/host.ts", mutated), r));
  t.deepEqual(
    diffs.filter((d) => d.startsWith("Host arguments")),
    [
      "Host arguments (HostArgs).keepAlive: in TypeScript, not in the settings",
      'Host arguments (HostArgs).port: default "2222" in TypeScript (@default), "22" in the settings',
    ],
  );
  // A setting declared only in the settings is named, and so is a required one TypeScript makes optional.
  const host = COMPONENT_SETTINGS.Host;
  const props = r.properties(path.join(REPO, host.args.file), host.args.name);
  t.deepEqual(
    propertyDiffs(
      "Host",
      props,
      { ...host.inputs, keepAlive: { type: "boolean", description: "x" }, address: { ...host.inputs.address, required: false } },
      r,
      true,
    ),
    ["Host.keepAlive: in the settings, not in TypeScript", "Host.address: required in TypeScript, not in the settings"],
  );
  // A value added to a constant list a type is taken from (`(typeof AWS_DISTROS)[number]`) is named.
  const distros = onDisk("src/aws/distro-images.ts");
  const moreDistros = distros.replace('"debian-12"] as const', '"debian-12", "debian-13"] as const');
  t.not(moreDistros, distros);
  t.true(
    componentDiffs(reader(hostWith("src/aws/distro-images.ts", moreDistros), r)).some((d) =>
      d.startsWith("AwsHost arguments (AwsHostArgs).distro: values"),
    ),
  );
  // A declared output the class holds as a plain value (AwsHost's `user`) is read and compared too.
  const aws = COMPONENT_SETTINGS.AwsHost;
  const awsOutputs = r.classOutputs(path.join(REPO, aws.class.file), aws.class.name, Object.keys(aws.outputs));
  t.deepEqual(
    propertyDiffs(
      "AwsHost outputs",
      awsOutputs,
      { ...aws.outputs, user: { ...aws.outputs.user, type: "integer" }, region: { type: "string", description: "x" } },
      r,
      false,
    ),
    [
      "AwsHost outputs.region: in the settings, not in TypeScript",
      'AwsHost outputs.user: type "string" in TypeScript, "integer" in the settings',
    ],
  );
  // A kind given an input in kinds.ts only.
  const kinds = { ...KINDS, Volume: { ...KINDS.Volume, inputs: [...KINDS.Volume.inputs, "quota"] } };
  t.true(resourceDiffs(r, kinds).some((d) => d.startsWith("resource Volume: inputs") && d.includes("quota")));
});

test("the fleet file's JSON Schema carries the settings it maps, with the same defaults", (t) => {
  const schema = fleetJsonSchema();
  t.deepEqual(fleetDiffs(schema), []);
  t.true(allFleetMappings().length >= 13, "every mapped component and type is checked");

  // A key added to the fleet file only, and a default changed there only, are named.
  const copy = JSON.parse(JSON.stringify(schema)) as Json;
  const engine = (copy.$defs as Record<string, Json>).Engine.properties as Record<string, Json>;
  engine.keepAlive = { type: "boolean" };
  engine.channel.description = "online docker-ce channel. Default: test.";
  t.deepEqual(fleetDiffs(copy), [
    'DockerEngine.channel: default stable in the settings, the fleet file\'s Engine.channel says "online docker-ce channel. Default: test."',
    "DockerEngine: the fleet file's Engine.keepAlive is no setting (declare it in fleetOnly, or map it)",
  ]);
  // A setting added to the settings only.
  const engineComponent = COMPONENT_SETTINGS.DockerEngine;
  const added = { ...engineComponent.inputs, keepAlive: { type: "boolean" as const, description: "x" } };
  t.deepEqual(fleetDiffs(schema, [["DockerEngine", added, engineComponent.fleet!]]), [
    "DockerEngine.keepAlive: a setting, not in the fleet file's Engine",
  ]);
});

/** A controller's diff, as the providers export it. */
type Diff = (id: string, olds: unknown, news: unknown) => Promise<{ changes?: boolean; replaces?: string[] }>;
const diffOf = (kind: Kind) => (providers as unknown as Record<string, { diff: Diff }>)[KINDS[kind].provider].diff;

const connected = {
  connection: { host: "10.0.0.1", port: 22, user: "root", insecureSkipHostKeyCheck: true },
  credentials: { privateKey: "k" },
};
const network = { name: "n", driver: "bridge", internal: false, labels: {} };
const volume = { name: "v", driver: "local", driverOpts: {}, labels: {} };
const container = { name: "c", image: "nginx", ports: [], volumes: [], restartPolicy: "no", labels: {}, startTimeoutSeconds: 60 };
const node = (host: string) => ({
  name: host,
  connection: { ...connected.connection, host },
  role: "manager",
  labels: {},
  availability: "active",
});

// For each replace-on-change setting: olds, and the change to that setting alone.
const REPLACES: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  "Certificate.names": [{ names: ["a"], days: 30 }, { names: ["b"] }],
  "Certificate.days": [{ names: ["a"], days: 30 }, { days: 31 }],
  "SshKeyPair.algorithm": [{ algorithm: "ed25519", comment: "c" }, { algorithm: "rsa" }],
  "ReportedHostKey.instanceId": [{ instanceId: "i-1", region: "eu-west-1" }, { instanceId: "i-2" }],
  "RemoteFile.path": [{ ...connected, path: "/a", content: "x", mode: "0644", drift: [] }, { path: "/b" }],
  "Network.spec": [{ ...connected, spec: network, drift: [] }, { spec: { ...network, internal: true } }],
  "Volume.spec": [{ ...connected, spec: volume, deleteOnDestroy: false, drift: [] }, { spec: { ...volume, driver: "nfs" } }],
  "Container.env": [{ ...connected, spec: container, env: { A: "1" }, drift: [] }, { env: { A: "2" } }],
  "Swarm.defaultAddrPool": [
    { nodes: [node("10.0.0.1")], credentials: [], defaultAddrPool: ["10.20.0.0/16"], subnetSize: 24 },
    { defaultAddrPool: ["10.30.0.0/16"] },
  ],
  "Swarm.subnetSize": [
    { nodes: [node("10.0.0.1")], credentials: [], defaultAddrPool: ["10.20.0.0/16"], subnetSize: 24 },
    { subnetSize: 26 },
  ],
};

test("a setting marked replace-on-change is one whose change alone makes the provider's diff replace", async (t) => {
  const marked = Object.entries(RESOURCE_SETTINGS).flatMap(([kind, r]) =>
    Object.entries(r.inputs)
      .filter(([, s]) => s.replaceOnChange)
      .map(([name]) => `${kind}.${name}`),
  );
  t.deepEqual(marked.sort(), Object.keys(REPLACES).sort(), "every marked setting has a case here, and only those");
  for (const [where, [olds, change]] of Object.entries(REPLACES)) {
    const kind = where.split(".")[0] as Kind;
    const result = await diffOf(kind)("id", olds, { ...structuredClone(olds), ...change });
    t.true((result.replaces ?? []).length > 0, `${where}: a change replaces`);
    // Unchanged, a resource that reaches no machine replaces nothing (one on a host would probe it).
    if (["Certificate", "SshKeyPair", "ReportedHostKey"].includes(kind))
      t.falsy((await diffOf(kind)("id", olds, structuredClone(olds))).replaces?.length, `${where}: unchanged`);
  }
});

test("every object type of the settings is in the schema, and every type, resource and component is described", (t) => {
  const schema = JSON.parse(generatedFiles()["schema.json"]) as Json;
  const types = schema.types as Record<string, Json>;
  t.deepEqual(Object.keys(types).sort(), Object.keys(SETTING_TYPES).map(typeTokenOf).sort());
  const undescribed = Object.entries({ ...types, ...(schema.resources as Record<string, Json>) })
    .filter(([, v]) => typeof v.description !== "string" || v.description === "")
    .map(([token]) => token);
  t.deepEqual(undescribed, []);
});

test("the language settings name the generated SDKs; types sit where generated SDKs can hold them", (t) => {
  const schema = JSON.parse(generatedFiles()["schema.json"]) as Json;
  const language = schema.language as Record<string, Json>;
  t.deepEqual(Object.keys(language).sort(), ["go", "python"]);
  // The Go import path ends in the package's name: the generator writes sdk/go/<that name>.
  t.is(language.go.importBasePath, "github.com/dockyard/pulumi-dockyard/sdk/go/dockyard");
  t.is(language.python.packageName, "pulumi_dockyard");
  t.true(language.go.respectSchemaVersion && language.python.respectSchemaVersion, "the SDKs carry the schema's version");
  // No type of the index module names a resource (the root Go package would import a module's
  // package, which imports the root: a cycle).
  const types = schema.types as Record<string, Json>;
  const crossing = Object.entries(types)
    .filter(([token]) => token.startsWith("dockyard:index:"))
    .flatMap(([token, ty]) => (JSON.stringify(ty).match(/#\/resources\/[^"]+/g) ?? []).map((ref) => `${token} -> ${ref}`));
  t.deepEqual(crossing, []);
  // No type X beside a type XArgs in one module: the SDKs name X's input class XArgs.
  t.deepEqual(
    Object.keys(types).filter((token) => types[`${token}Args`]),
    [],
  );
  // A type used by one module's components lives there, without its TypeScript `Args`.
  t.is(typeTokenOf("VolumeMountArgs"), "dockyard:workload:VolumeMount");
  t.is(typeTokenOf("SwarmNodeArgs"), "dockyard:swarm:SwarmNode");
  t.is(typeTokenOf("DaemonProxyArgs"), "dockyard:engine:DaemonProxy");
  t.is(typeTokenOf("DaemonProxy"), "dockyard:index:DaemonProxy", "used by the DaemonConfig resource");
  t.is(typeTokenOf("PreflightPolicy"), "dockyard:index:PreflightPolicy", "used by Host and the HostFacts resource");
});
