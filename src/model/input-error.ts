// From its own module, not the package index: the plugin's resource bundle stays free of the
// index (automation, closure serialization), a large part of its start time.
import { InputPropertyError } from "@pulumi/pulumi/errors";
import { withCode, type DockyardErrorCode } from "./error-codes";

/**
 * A bad argument. A `pulumi.InputPropertyError` whose message carries the code; `reason` stays
 * the plain sentence, so checks that gather reasons (fleet files) quote it without the code.
 */
export class InvalidArgumentError extends InputPropertyError {
  readonly code: DockyardErrorCode = "DOCKYARD_INVALID_ARGUMENT";

  constructor(propertyPath: string, reason: string) {
    super({ propertyPath, reason: withCode("DOCKYARD_INVALID_ARGUMENT", reason) });
    this.reason = reason;
    this.name = "InvalidArgumentError";
  }
}

/** Throws the error for a bad argument; the message starts with the argument's path. */
export function invalid(propertyPath: string, reason: string): never {
  throw new InvalidArgumentError(propertyPath, `${propertyPath} ${reason}`);
}

/**
 * Runs checks for a resource and prefixes any bad-argument error with the resource's type and
 * name, so the message alone says which resource of a large program is at fault.
 */
export function checked<T>(resource: string, checks: () => T): T {
  try {
    return checks();
  } catch (e) {
    if (InputPropertyError.isInstance(e)) {
      throw new InvalidArgumentError(e.propertyPath, `${resource}: ${e.reason}`);
    }
    throw e;
  }
}
