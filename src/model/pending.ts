import * as pulumi from "@pulumi/pulumi";

/**
 * True for a value still to come (an Output or a promise): checked when it resolves, not at
 * declaration. Output.isInstance tests the SDK's marker, so an Output of another copy of the SDK counts.
 */
export function pending(v: unknown): boolean {
  return pulumi.Output.isInstance(v) || v instanceof Promise;
}

/** True for a plain value that is there now (not pending, not undefined), so it can be checked at once. */
export function known(v: unknown): v is string | number | boolean | object {
  return v !== undefined && !pending(v);
}
