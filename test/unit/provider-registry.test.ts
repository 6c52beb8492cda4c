import test from "ava";
import { type ProviderName, providerByName } from "../../src/providers/by-name";
import * as providers from "../../src/providers/index";

const METHODS = ["create", "read", "diff", "update", "delete"] as const;

test("registry: every registered name resolves to a provider with create, read, diff, update and delete", (t) => {
  const names = Object.keys(providers) as ProviderName[];
  t.true(names.length >= 13, `only ${names.join(", ")} registered`);
  for (const name of names) {
    const impl = providers[name] as unknown as Record<string, unknown>;
    t.is(typeof impl, "object", name);
    for (const m of METHODS) t.is(typeof impl[m], "function", `${name}.${m}`);
  }
});

test("registry: the serialized provider only forwards by name, so old states keep working", (t) => {
  for (const name of Object.keys(providers) as ProviderName[]) {
    const p = providerByName(name) as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const m of METHODS) {
      t.is(typeof p[m], "function", `${name}.${m}`);
      // What the state holds: a require of the package by name and the export it names.
      t.regex(p[m]!.toString(), /require\("pulumi-dockyard\/providers"\)\[exportName\]/, `${name}.${m}`);
    }
  }
});

test("registry: a name that is not registered does not compile", (t) => {
  // Checked by the type check (test/ is in tsconfig.json): the directive fails once the name compiles.
  const typo = () =>
    // @ts-expect-error: "dockerEngin" is not an export of the providers module
    providerByName("dockerEngin");
  t.is(typeof typo, "function");
});
