import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { type Controller, type Controllers, dockyardProvider, tokenOfUrn } from "../../src/plugin/dispatch";
import { SECRET_SIG, secretOf, SIG_KEY, UNKNOWN } from "../../src/plugin/wire";
import * as providers from "../../src/providers/index";
import { type Kind, KINDS, tokenOf } from "../../src/providers/kinds";
import { PACKAGE_VERSION } from "../../src/providers/package-version";

const KIND_NAMES = Object.keys(KINDS) as Kind[];
const urnOf = (token: string, name = "r1", parent = "dockyard:host:Host") => `urn:pulumi:unit::dockyard::${parent}$${token}::${name}`;

/** Controllers that record each call and echo their inputs back. */
function recording(): { controllers: Controllers; calls: { provider: string; method: string; args: unknown[] }[] } {
  const calls: { provider: string; method: string; args: unknown[] }[] = [];
  const make = (provider: string): Controller => ({
    check: async (...args) => (calls.push({ provider, method: "check", args }), { inputs: args[1] }),
    diff: async (...args) => (calls.push({ provider, method: "diff", args }), { changes: false }),
    create: async (...args) => (calls.push({ provider, method: "create", args }), { id: "id-1", outs: { ...args[0], extra: undefined } }),
    read: async (...args) => (calls.push({ provider, method: "read", args }), { id: args[0], props: args[1] }),
    update: async (...args) => (calls.push({ provider, method: "update", args }), { outs: args[2] }),
    delete: async (...args) => void calls.push({ provider, method: "delete", args }),
  });
  const controllers = Object.fromEntries(Object.values(KINDS).map((k) => [k.provider, make(k.provider)])) as Controllers;
  return { controllers, calls };
}

test("every kind's token is served by its own controller, an export of src/providers/index.ts", async (t) => {
  const { controllers, calls } = recording();
  const p = dockyardProvider(controllers);
  for (const kind of KIND_NAMES) {
    const exported = (providers as Record<string, unknown>)[KINDS[kind].provider] as Record<string, unknown> | undefined;
    t.is(typeof exported?.create, "function", `${kind}: ${KINDS[kind].provider} is a provider export`);
    await p.create!(urnOf(tokenOf(kind)), {});
    t.is(calls.at(-1)?.provider, KINDS[kind].provider, kind);
  }
  t.is(KIND_NAMES.length, Object.keys(providers).length, "every provider export is served by one kind");
  t.is(p.version, PACKAGE_VERSION);
});

test("a token the plugin does not serve is an error naming it and what it serves", async (t) => {
  const p = dockyardProvider(recording().controllers);
  for (const token of ["dockyard:index:Nope", "pulumi-nodejs:dynamic/dockyard:HostFacts", "dockyard:index:constructor"]) {
    const err = await t.throwsAsync(p.check!(urnOf(token), {}, {}));
    t.true(err.message.includes(`serves no resource type "${token}"`), err.message);
    t.true(err.message.includes("dockyard:index:HostFacts"), err.message);
  }
});

test("the type token is read from a URN, under parents or not", (t) => {
  t.is(tokenOfUrn("urn:pulumi:s::p::dockyard:engine:DockerEngine$dockyard:index:DockerEngine::web1-engine"), "dockyard:index:DockerEngine");
  t.is(tokenOfUrn("urn:pulumi:s::p::dockyard:index:Certificate::ca"), "dockyard:index:Certificate");
});

test("check runs the shared input checks and refuses a hostile value, naming the property", async (t) => {
  const p = dockyardProvider();
  const key = secretOf({ privateKey: "KEY" });
  const hostile = await p.check!(
    urnOf(tokenOf("HostFacts")),
    {},
    { connection: { host: "10.0.0.2; reboot", port: 22, user: "root" }, credentials: key },
  );
  t.deepEqual(
    hostile.failures?.map((f) => f.property),
    ["connection.host"],
  );
  t.regex(hostile.failures![0].reason, /connection\.host must be/);
  // Secret or not, the value is checked.
  const mirror = await p.check!(
    urnOf(tokenOf("DockerEngine")),
    {},
    {
      connection: { host: "10.0.0.2", port: 22, user: "root" },
      credentials: key,
      spec: secretOf({ mirror: "http://x/$(reboot)" }),
    },
  );
  t.deepEqual(
    mirror.failures?.map((f) => f.property),
    ["spec.mirror"],
  );
  t.false(JSON.stringify(mirror.failures).includes("reboot"), "a URL is never quoted back (it may carry credentials)");
});

test("check keeps the declared inputs only, secrets marked; unknowns pass until known", async (t) => {
  const p = dockyardProvider();
  const result = await p.check!(
    urnOf(tokenOf("HostFacts")),
    { __provider: "old" },
    { connection: { host: UNKNOWN, port: 22, user: "root" }, credentials: { privateKey: "KEY" }, __provider: "old", stray: 1 },
  );
  t.is(result.failures, undefined);
  t.deepEqual(result.inputs, {
    connection: { host: UNKNOWN, port: 22, user: "root" },
    credentials: { [SIG_KEY]: SECRET_SIG, value: { privateKey: "KEY" } },
  });
});

test("diff ignores __provider: a migrated 0.3.0 resource with the same inputs has no changes", async (t) => {
  const inputs = { names: ["registry.local"], days: 365 };
  const olds = { ...inputs, caCertificate: "CA", certificate: "C", privateKey: secretOf("K"), __provider: "exports.handler = ..." };
  // The real controller (no host behind a certificate).
  t.deepEqual(await dockyardProvider().diff!("ca-1", urnOf(tokenOf("Certificate")), olds, inputs), { changes: false });
  // What the controller is handed: plain values, no __provider, only declared inputs in news.
  const { controllers, calls } = recording();
  await dockyardProvider(controllers).diff!("ca-1", urnOf(tokenOf("Certificate")), olds, { ...inputs, stray: 1 });
  const [, o, n] = calls.at(-1)!.args as [string, Record<string, unknown>, Record<string, unknown>];
  t.false("__provider" in o);
  t.is(o.privateKey, "K");
  t.deepEqual(n, inputs);
  // A changed declared input still shows.
  t.true((await dockyardProvider().diff!("ca-1", urnOf(tokenOf("Certificate")), olds, { ...inputs, days: 30 })).changes);
});

test("create: no undefined in the outputs, the kind's secret outputs and secret inputs marked", async (t) => {
  const { controllers } = recording();
  const p = dockyardProvider(controllers);
  const made = await p.create!(urnOf(tokenOf("SshKeyPair")), { algorithm: "ed25519", comment: secretOf("ops") });
  t.deepEqual(made.outs, {
    algorithm: "ed25519",
    comment: { [SIG_KEY]: SECRET_SIG, value: "ops" },
  });
  // The real controller: a new private key, stored as a secret; the public key plain.
  const real = await dockyardProvider().create!(urnOf(tokenOf("SshKeyPair")), { algorithm: "ed25519", comment: "dockyard-test" });
  const outs = real.outs as Record<string, unknown>;
  t.is((outs.privateKey as Record<string, unknown>)[SIG_KEY], SECRET_SIG);
  t.regex(outs.publicKey as string, /^ssh-ed25519 /);
  t.false(JSON.stringify(outs).includes("undefined"));
});

test("read returns the declared inputs beside the outputs, without __provider", async (t) => {
  const p = dockyardProvider();
  const props = { names: ["a"], days: 1, caCertificate: "CA", certificate: "C", privateKey: "K", __provider: "x" };
  const read = await p.read!("ca-1", urnOf(tokenOf("Certificate")), props);
  t.deepEqual(read.inputs, { names: ["a"], days: 1 });
  t.false("__provider" in (read.props as object));
  t.deepEqual((read.props as Record<string, unknown>).privateKey, { [SIG_KEY]: SECRET_SIG, value: "K" });
});

test("the remote trace still has each call as an op event", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-plugin-trace-"));
  const file = path.join(dir, "trace.jsonl");
  process.env.DOCKYARD_TRACE = file;
  try {
    const inputs = { names: ["a"], days: 1 };
    await dockyardProvider().diff!("ca-1", urnOf(tokenOf("Certificate")), inputs, inputs);
    const events = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; what: string });
    t.true(
      events.some((e) => e.kind === "op" && e.what === "certificate.diff"),
      JSON.stringify(events),
    );
  } finally {
    delete process.env.DOCKYARD_TRACE;
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the schema names every kind's token, with its secret properties", async (t) => {
  const schema = JSON.parse(await dockyardProvider().getSchema!()) as {
    name: string;
    resources: Record<string, { isComponent?: boolean; properties: Record<string, { secret?: boolean }> }>;
  };
  t.is(schema.name, "dockyard");
  // The components it constructs are in the schema too (isComponent): test/unit/schema.test.ts.
  const custom = Object.keys(schema.resources).filter((token) => !schema.resources[token].isComponent);
  t.deepEqual(custom.sort(), KIND_NAMES.map(tokenOf).sort());
  t.true(schema.resources["dockyard:index:SshKeyPair"].properties.privateKey.secret);
  t.falsy(schema.resources["dockyard:index:SshKeyPair"].properties.publicKey.secret);
});

test("kinds table: every secret is a property of its kind, and no output shadows an input", (t) => {
  for (const kind of KIND_NAMES) {
    const { inputs, outputs, secrets } = KINDS[kind] as {
      inputs: readonly string[];
      outputs: readonly string[];
      secrets: readonly string[];
    };
    t.deepEqual(
      secrets.filter((s) => !inputs.includes(s) && !outputs.includes(s)),
      [],
      kind,
    );
    t.deepEqual(
      outputs.filter((o) => inputs.includes(o)),
      [],
      kind,
    );
  }
});

test("outputs keep the inputs a controller leaves out, so a refresh's read gives them back as inputs", async (t) => {
  const p = dockyardProvider();
  const urn = urnOf(tokenOf("Htpasswd"), "users", "dockyard:registry:Registry");
  const checked = await p.check!(urn, {}, { users: [{ username: "alice", password: "pw" }] });
  const created = await p.create!(urn, checked.inputs);
  const read = await p.read!(created.id, urn, created.outs);
  t.deepEqual(read.inputs, checked.inputs, "the inputs after a refresh are the ones checked, still secret");
  const diff = await p.diff!(created.id, urn, read.props, read.inputs);
  t.false(diff.changes, "and the next diff sees no change");
});
