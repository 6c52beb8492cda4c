import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, registeredSince, setUnitMocks, settle, valueOf } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

// Mocks must be in place before the code that creates resources is loaded.
let pulumi: typeof pulumiType;
let Host: typeof import("../../src/host/host").Host;
let created: Registered[] = [];
const warnings: string[] = [];

const pair = keyPair();
const hostPair = keyPair();

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({ facts: MOCK_DEBIAN_12 }));
  const log = pulumi.log;
  const warn = log.warn;
  log.warn = ((msg: string, ...rest: unknown[]) => {
    warnings.push(msg);
    return (warn as (...a: unknown[]) => Promise<void>)(msg, ...rest);
  }) as typeof log.warn;
  // require (not import): the mocks above must be set before this module loads.
  ({ Host } = require("../../src/host/host"));
});

const isSecret = (o: pulumiType.Output<unknown>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

test.serial("a valid host creates its facts resource with the key as a secret", async (t) => {
  const h = new Host("web1", { address: "10.0.0.12", privateKey: pair.private, hostKey: hostPair.public });
  const facts = await valueOf(h.facts);
  t.is(facts.osId, "debian");
  const conn = await valueOf(h.connection);
  t.deepEqual(conn, { host: "10.0.0.12", port: 22, user: "root", hostKey: hostPair.public });
  t.true(await isSecret(h.credentials));
  t.false(JSON.stringify(conn).includes("PRIVATE KEY"), "the connection output carries no key material");
  const res = created.find((r) => r.name === "web1");
  t.truthy(res, "the HostFacts resource is registered");
  t.regex(res!.type, /^dockyard:index:HostFacts$/);
});

for (const [label, args, path, reason] of [
  ["port out of range", { port: 70000 }, "port", /1-65535/],
  ["port not an integer", { port: 22.5 }, "port", /1-65535/],
  ["empty address", { address: " " }, "address", /host name or IP/],
  ["no host key and no opt-in", { hostKey: undefined }, "hostKey", /is required.*insecureSkipHostKeyCheck/],
  ["a host key that is not a key", { hostKey: "ssh-ed25519 bm90IGEga2V5" }, "hostKey", /not a ssh-ed25519 key/],
  ["a user name with a space", { user: "bad user" }, "user", /login name/],
  ["a private key that is not a key", { privateKey: "hunter2" }, "privateKey", /text of a private key/],
] as const) {
  test.serial(`refused before connecting: ${label}`, async (t) => {
    const before = await settle(created);
    const name = `bad-${label.replace(/\W+/g, "-")}`;
    const err = t.throws(
      () =>
        new Host(name, {
          address: "10.0.0.12",
          privateKey: pair.private,
          hostKey: hostPair.public,
          ...(args as object),
        }),
    );
    t.is((err as { propertyPath?: string }).propertyPath, path);
    t.regex(err!.message, reason);
    // The private key never appears in an error message.
    t.false(err!.message.includes(pair.private));
    // The arguments are checked before the Host registers: nothing is, so nothing connects.
    t.deepEqual(
      (await registeredSince(created, before)).map((r) => `${r.type} ${r.name}`),
      [],
      "no resource that connects is registered",
    );
  });
}

test.serial("the insecure opt-in is accepted and warned about loudly", async (t) => {
  const h = new Host("lab", { address: "10.0.0.13", privateKey: pair.private, insecureSkipHostKeyCheck: true });
  const conn = await valueOf(h.connection);
  t.true(conn.insecureSkipHostKeyCheck);
  // The warning is logged on the Host once it has registered.
  await valueOf(h.urn);
  await settle(created);
  t.true(warnings.some((w) => /ANY host key is accepted/.test(w) && w.includes("lab")));
});

test.serial("a jump host is validated and carries its own key as a secret", async (t) => {
  const jumpPair = keyPair();
  const h = new Host("inner", {
    address: "10.1.0.5",
    privateKey: pair.private,
    hostKey: hostPair.public,
    jump: { address: "bastion", port: 2222, user: "ops", privateKey: jumpPair.private, hostKey: hostPair.public },
  });
  const conn = await valueOf(h.connection);
  t.deepEqual(conn.jump, { host: "bastion", port: 2222, user: "ops", hostKey: hostPair.public });
  const creds = await valueOf(h.credentials);
  t.is(creds.jumpPrivateKey, jumpPair.private);
  const err = t.throws(
    () =>
      new Host("inner-bad", {
        address: "10.1.0.5",
        privateKey: pair.private,
        hostKey: hostPair.public,
        jump: { address: "bastion", port: 0 },
      }),
  );
  t.is((err as { propertyPath?: string }).propertyPath, "jump.port");
});
