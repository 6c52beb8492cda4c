// Maps of labels and environment as the components take them: keys and the values known when
// the program runs are checked to their HOST_VALUES kind; a value still to come (an Output) is
// checked by the provider's own check (src/providers/input-checks.ts) with the same records.
import * as pulumi from "@pulumi/pulumi";
import { checkHostValue, HOST_VALUES, isHostValue } from "./host-values";
import { invalid } from "./input-error";

/**
 * The keys (and the values known now) of a map of labels or environment: keys to their kind,
 * values to `text` (no NUL). A value still to come (an Output) is checked by the provider.
 */
export function checkPlainMap(path: string, keyKind: "labelKey" | "envName", map: unknown): void {
  if (map === undefined || pulumi.Output.isInstance(map)) return;
  if (typeof map !== "object" || map === null) invalid(path, "must be a map of strings");
  for (const [k, v] of Object.entries(map)) {
    checkHostValue(keyKind, `${path} key`, k);
    // Env values may be secrets: never quoted.
    if (typeof v === "string" && !isHostValue("text", v)) invalid(`${path}.${k}`, `must be ${HOST_VALUES.text.says}`);
  }
}
