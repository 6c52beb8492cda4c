import * as pulumi from "@pulumi/pulumi";

/** Throws the error for a bad argument; the message starts with the argument's path. */
export function invalid(propertyPath: string, reason: string): never {
  throw new pulumi.InputPropertyError({ propertyPath, reason: `${propertyPath} ${reason}` });
}

/**
 * Runs checks for a resource and prefixes any bad-argument error with the resource's type and
 * name, so the message alone says which resource of a large program is at fault.
 */
export function checked<T>(resource: string, checks: () => T): T {
  try {
    return checks();
  } catch (e) {
    if (pulumi.InputPropertyError.isInstance(e)) {
      throw new pulumi.InputPropertyError({ propertyPath: e.propertyPath, reason: `${resource}: ${e.reason}` });
    }
    throw e;
  }
}
