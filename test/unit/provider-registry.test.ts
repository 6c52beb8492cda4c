import test from "ava";
import type { KindSpec, ProviderName } from "../../src/providers/kinds";
import * as providers from "../../src/providers/index";

const METHODS = ["check", "create", "read", "diff", "update", "delete"] as const;

/**
 * The names 0.3.0's dynamic providers call in its states: each serialized method is
 * `require("pulumi-dockyard/providers")[name].<method>(...)`, so a resource an upgraded program
 * no longer declares is deleted (and before that checked and diffed) through these exports.
 */
const SERIALIZED_BY_0_3_0 = [
  "hostFacts",
  "dockerEngine",
  "daemonConfig",
  "image",
  "container",
  "remoteFile",
  "certificate",
  "htpasswd",
  "sshKeyPair",
  "reportedHostKey",
  "swarm",
  "service",
  "network",
  "volume",
  "dockerUsers",
  "rolloutGate",
];

test("registry: every registered name is a provider with check, create, read, diff, update and delete", (t) => {
  const names = Object.keys(providers) as ProviderName[];
  t.true(names.length >= 16, `only ${names.join(", ")} registered`);
  for (const name of names) {
    const impl = providers[name] as unknown as Record<string, unknown>;
    t.is(typeof impl, "object", name);
    for (const m of METHODS) t.is(typeof impl[m], "function", `${name}.${m}`);
  }
});

test("registry: every name a 0.3.0 state loads by name is still exported, with every method it calls", (t) => {
  const exported = providers as unknown as Record<string, Record<string, unknown> | undefined>;
  for (const name of SERIALIZED_BY_0_3_0) {
    for (const m of METHODS) t.is(typeof exported[name]?.[m], "function", `${name}.${m}`);
  }
});

test("registry: a kind naming a provider that is not registered does not compile", (t) => {
  // Checked by the type check (test/ is in tsconfig.json): the directive fails once the name compiles.
  const typo: KindSpec = {
    // @ts-expect-error: "dockerEngin" is not an export of the providers module
    provider: "dockerEngin",
    inputs: [],
    outputs: [],
    secrets: [],
  };
  t.is(typo.outputs.length, 0);
});
