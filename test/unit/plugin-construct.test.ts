import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { keyPair } from "../rig/keys";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";
import { type Registered, registeredSince, setUnitMocks, valueOf } from "./support/mocks";
import { COMPONENT_SETTINGS } from "../../src/model/settings/index";

// Mocks must be in place before the code that creates resources is loaded.
let pulumi: typeof pulumiType;
let created: Registered[] = [];
let plugin: typeof import("../../src/plugin/dispatch");
let components: typeof import("../../src/plugin/components");
let live: typeof import("../../src/plugin/live");

const pair = keyPair();
const hostPair = keyPair();
const SRC = path.resolve(__dirname, "..", "..", "src");

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({ facts: MOCK_DEBIAN_12 }));
  plugin = require("../../src/plugin/dispatch");
  components = require("../../src/plugin/components");
  live = require("../../src/plugin/live");
});

const construct = (name: string, type: string, inputs: Record<string, unknown>) =>
  plugin.dockyardProvider().construct!(name, type, inputs as pulumiType.Inputs, {});

test.serial("every component class is in the table under the token it registers, in a module whose references resolve", (t) => {
  const files = readdirSync(SRC, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  // A component registers its token; a class that is the resource it manages names the
  // schema's type it is served as (schemaType, a ResourceComponentType in its file).
  const declared = files.flatMap((f) => {
    const text = readFileSync(path.join(SRC, f), "utf8");
    const components = [...text.matchAll(/extends DockyardComponent[\s\S]*?super\("(dockyard:[a-z]+:[A-Za-z]+)"/g)].map((m) => m[1]);
    const resources = /extends DockyardResource \{\s*\/\*\*[^\n]*\*\/\s*static readonly schemaType/.test(text)
      ? [...text.matchAll(/: ResourceComponentType = \{\s*token: "(dockyard:[a-z]+:[A-Za-z]+)"/g)].map((m) => m[1])
      : [];
    return [...components, ...resources];
  });
  t.true(declared.length >= 15, declared.join(", "));
  t.deepEqual([...declared].sort(), Object.keys(components.COMPONENTS).sort(), "the table and the classes' tokens agree");
  for (const token of declared) t.true((live.COMPONENT_MODULES as readonly string[]).includes(token.split(":")[1]), token);
});

test.serial("construct builds the Host class: URN of the requested type, its outputs, the key kept secret", async (t) => {
  const from = created.length;
  const res = await construct("web1", "dockyard:host:Host", {
    address: "10.0.0.12",
    privateKey: pulumi.secret(pair.private),
    hostKey: hostPair.public,
  });
  const urn = await valueOf(pulumi.output(res.urn));
  t.regex(urn, /::dockyard:host:Host::web1$/);
  t.deepEqual(await valueOf(res.state.connection as pulumiType.Output<unknown>), {
    host: "10.0.0.12",
    port: 22,
    user: "root",
    hostKey: hostPair.public,
  });
  const facts = (await registeredSince(created, from)).find((r) => r.type === "dockyard:index:HostFacts");
  t.truthy(facts, "its HostFacts child is a resource of the plugin");
  // The component outputs hold no key material; the child got the key as a secret.
  t.false(JSON.stringify(await valueOf(res.state.facts as pulumiType.Output<unknown>)).includes("PRIVATE KEY"));
  t.is(live.builtComponent("web1", "dockyard:host:Host", urn), live.builtComponent("web1", "dockyard:host:Host", urn));
});

test.serial("a component passed to construct arrives as the object built before: a DockerEngine on a constructed Host", async (t) => {
  const h = await construct("web2", "dockyard:host:Host", {
    address: "10.0.0.13",
    privateKey: pulumi.secret(pair.private),
    hostKey: hostPair.public,
  });
  const hostUrn = await valueOf(pulumi.output(h.urn));
  // What a resource module hands the server for a reference to the Host.
  const host = live.builtComponent("web2", "dockyard:host:Host", hostUrn);
  t.is((host as unknown as { constructor: { name: string } }).constructor.name, "Host");
  const from = created.length;
  const e = await construct("web2-docker", "dockyard:engine:DockerEngine", { host, method: "adopt" });
  t.regex(await valueOf(pulumi.output(e.urn)), /::dockyard:engine:DockerEngine::web2-docker$/);
  const engine = (await registeredSince(created, from)).find((r) => r.type === "dockyard:index:DockerEngine");
  t.truthy(engine, "the engine resource was registered");
  t.like(engine!.inputs, { connection: { host: "10.0.0.13" }, spec: { method: "adopt" } });
});

test.serial("a reference to a component this process did not build is an error naming it", (t) => {
  const err = t.throws(() => live.builtComponent("db", "dockyard:host:Host", "urn:pulumi:unit::dockyard::dockyard:host:Host::db"));
  t.regex(err.message, /dockyard:host:Host db .*not made by the dockyard plugin in this run/);
});

test.serial("a bad argument comes back as an InputPropertyError naming the field", async (t) => {
  const err = await t.throwsAsync(construct("bad", "dockyard:host:Host", { address: "10.0.0.1; rm -rf /", privateKey: pair.private }));
  t.true(pulumi.InputPropertyError.isInstance(err), String(err));
  t.is((err as unknown as pulumiType.InputPropertyError).propertyPath, "address");
  t.regex(err.message, /Host bad: address must be/);
});

test.serial("a token that is no component is refused, naming what the plugin constructs", async (t) => {
  const err = await t.throwsAsync(construct("x", "dockyard:index:Container", {}));
  t.regex(err.message, /constructs no component "dockyard:index:Container" \(it constructs dockyard:host:Host, /);
});

test.serial(
  "arguments as the server hands them: a list of components wrapped in an Output is unwrapped; secrets and plain values are kept",
  async (t) => {
    const h = await construct("web3", "dockyard:host:Host", {
      address: "10.0.0.14",
      privateKey: pulumi.secret(pair.private),
      hostKey: hostPair.public,
    });
    const host = live.builtComponent("web3", "dockyard:host:Host", await valueOf(pulumi.output(h.urn)));
    const secret = pulumi.secret("s3cret");
    const listed = pulumi.output([{ engine: host, role: "manager" }]);
    const args = await components.asDeclared({ nodes: listed, password: secret, plain: "x", one: host });
    t.true(Array.isArray(args.nodes), "the list is a list again");
    t.is((args.nodes as { engine: unknown }[])[0].engine, host, "holding the very object");
    t.is(args.password, secret, "a secret stays an Output");
    t.is(args.plain, "x");
    t.is(args.one, host);
    const numbers = pulumi.output([1, 2]);
    t.is((await components.asDeclared({ numbers })).numbers, numbers, "an Output without resources stays one");
  },
);

test("a constructed component answers exactly the outputs the schema declares, and every constructed one is declared", (t) => {
  const settings = Object.values(COMPONENT_SETTINGS);
  t.deepEqual(Object.keys(components.COMPONENTS).sort(), settings.map((s) => s.token).sort());
  for (const [token, served] of Object.entries(components.COMPONENTS)) {
    const declared = settings.find((s) => s.token === token);
    t.deepEqual([...served.outputs], Object.keys(declared?.outputs ?? { missing: {} }), token);
  }
});
