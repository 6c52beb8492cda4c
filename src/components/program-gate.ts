import * as pulumi from "@pulumi/pulumi";

/** Per running program (its root stack resource): the error it failed with, once it has. */
const failures = new WeakMap<object, { error: unknown }>();
const watched = new WeakSet<object>();

interface StackLike {
  getData(): Promise<unknown>;
}

/**
 * A `dependsOn` entry that holds a resource's registration until the program's current turn has
 * ended and drops it when the program threw by then. Components check their arguments when they
 * are declared, so a bad argument to a later component would otherwise stop only that one while
 * every component declared before it in the same turn went on to change its host. Rejects with
 * the program's own error, which the runtime reports once. Components declared before an `await`
 * are not held back: the program has not failed when they are released.
 */
export function programGate(): Promise<pulumi.Resource[]> {
  const stack = pulumi.runtime.getStackResource() as unknown as (object & Partial<StackLike>) | undefined;
  if (stack && typeof stack.getData === "function" && !watched.has(stack)) {
    watched.add(stack);
    // getData is the promise of the program's own run (the stack's init).
    stack.getData().catch((error: unknown) => failures.set(stack, { error }));
  }
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      const failed = stack && failures.get(stack);
      if (failed) reject(failed.error instanceof Error ? failed.error : new Error(String(failed.error)));
      else resolve([]);
    }),
  );
}
