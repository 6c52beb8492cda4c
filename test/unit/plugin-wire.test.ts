import test from "ava";
import { defined, OUTPUT_SIG, pick, RESOURCE_SIG, SECRET_SIG, secretOf, SIG_KEY, UNKNOWN, unwrap, wrap } from "../../src/plugin/wire";

test("wire in: a secret anywhere in a property is unwrapped and names the top-level property", (t) => {
  const { props, secret } = unwrap({
    credentials: secretOf({ privateKey: "KEY" }),
    connection: { host: "10.0.0.2", jump: { user: secretOf("ops") } },
    spec: { ports: [secretOf(8080), 9090] },
    plain: "x",
  });
  t.deepEqual(props, {
    credentials: { privateKey: "KEY" },
    connection: { host: "10.0.0.2", jump: { user: "ops" } },
    spec: { ports: [8080, 9090] },
    plain: "x",
  });
  t.deepEqual([...secret].sort(), ["connection", "credentials", "spec"]);
});

test("wire in: unknowns stay the sentinel the controllers test for; an unknown output value becomes it", (t) => {
  const { props, secret } = unwrap({
    connection: { host: UNKNOWN },
    facts: { [SIG_KEY]: OUTPUT_SIG, secret: true },
    known: { [SIG_KEY]: OUTPUT_SIG, value: [1, 2] },
  });
  t.deepEqual(props, { connection: { host: UNKNOWN }, facts: UNKNOWN, known: [1, 2] });
  t.deepEqual([...secret], ["facts"]);
});

test("wire in: a resource reference becomes its id, or its URN when it has none", (t) => {
  const urn = "urn:pulumi:s::p::dockyard:host:Host::web1";
  const { props } = unwrap({
    custom: { [SIG_KEY]: RESOURCE_SIG, urn, id: "i-1" },
    component: { [SIG_KEY]: RESOURCE_SIG, urn },
  });
  t.deepEqual(props, { custom: "i-1", component: urn });
});

test("wire in: the 0.3.0 dynamic provider's __provider is dropped", (t) => {
  const { props } = unwrap({ __provider: "exports.handler = ...", names: ["a"] });
  t.deepEqual(props, { names: ["a"] });
  t.deepEqual(unwrap(undefined).props, {}, "no properties at all (an import's read) is an empty record");
});

test("wire out: no undefined anywhere (the Struct refuses it): keys dropped, list items null", (t) => {
  t.deepEqual(defined({ a: 1, b: undefined, c: { d: undefined, e: [1, undefined, { f: undefined }] } }), {
    a: 1,
    c: { e: [1, null, {}] },
  });
});

test("wire out: the named properties present are marked secret, the rest left plain", (t) => {
  const out = wrap({ privateKey: "PEM", publicKey: "ssh-ed25519 AAA", gone: undefined }, ["privateKey", "absent", "gone"]);
  t.deepEqual(out, { privateKey: { [SIG_KEY]: SECRET_SIG, value: "PEM" }, publicKey: "ssh-ed25519 AAA" });
});

test("pick keeps only the named properties", (t) => {
  t.deepEqual(pick({ a: 1, b: 2, __provider: "x" }, ["b", "a", "c"]), { b: 2, a: 1 });
});
