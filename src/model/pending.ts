import * as pulumi from "@pulumi/pulumi";

/**
 * True for a value still to come (an Output or a promise): checked when it resolves, not at
 * declaration. Output.isInstance tests the SDK's marker, so an Output of another copy of the SDK counts.
 */
export function pending<T>(v: pulumi.Input<T> | undefined): v is pulumi.OutputInstance<T> | Promise<T> {
  return pulumi.Output.isInstance(v) || v instanceof Promise;
}

/** True for a plain value that is there now (not pending, not undefined), so it can be checked at once. */
export function known<T>(v: pulumi.Input<T> | undefined): v is Exclude<T, undefined> {
  return v !== undefined && !pending(v);
}
