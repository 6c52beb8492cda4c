// The package schema `GetSchema` serves: every resource kind by its token, its properties and
// which are secret. Property types are left open (`Any`) until the settings are declared in one
// place with their types (issue 25's schema step).
import { type Kind, KINDS, PACKAGE, tokenOf } from "../providers/kinds";
import { PACKAGE_VERSION } from "../providers/package-version";

type Property = { $ref: string; secret?: boolean };

function properties(names: readonly string[], secrets: readonly string[]): Record<string, Property> {
  return Object.fromEntries(names.map((n) => [n, { $ref: "pulumi.json#/Any", ...(secrets.includes(n) ? { secret: true } : {}) }]));
}

/** The schema as JSON text. */
export function schemaJson(): string {
  const resources = Object.fromEntries(
    (Object.keys(KINDS) as Kind[]).map((kind) => {
      const { inputs, outputs, secrets } = KINDS[kind];
      return [tokenOf(kind), { inputProperties: properties(inputs, secrets), properties: properties([...inputs, ...outputs], secrets) }];
    }),
  );
  return JSON.stringify({ name: PACKAGE, version: PACKAGE_VERSION, resources });
}
