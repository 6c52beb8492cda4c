import type * as pulumiType from "@pulumi/pulumi";

/** A resource the program registered under mocks. */
export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/**
 * Sets Pulumi's mocks (before the code under test is loaded) and returns the list that records
 * every resource registered. `outputs` adds what a provider would report for each resource.
 */
export async function setUnitMocks(outputs: Record<string, unknown> = {}): Promise<{ pulumi: typeof pulumiType; created: Registered[] }> {
  const pulumi = require("@pulumi/pulumi") as typeof pulumiType;
  const created: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => args.inputs,
    },
    "dockyard",
    "unit",
    false,
  );
  return { pulumi, created };
}

/** The value of an Output, or its error. */
export const valueOf = <T>(o: pulumiType.Output<T>): Promise<T> => (o as unknown as { promise(): Promise<T> }).promise();

/**
 * Registration is asynchronous: a resource declared now reaches the mocks a few turns later.
 * Waits until nothing new has arrived for a while (bounded), so a count taken after it means
 * what was really registered; returns the count.
 */
export async function settle(created: Registered[], quietMs = 100, maxMs = 5000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let seen = -1;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (created.length !== seen) {
      seen = created.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return created.length;
}

/** What was registered from index `from` on, once registrations have settled. */
export async function registeredSince(created: Registered[], from: number): Promise<Registered[]> {
  await settle(created);
  return created.slice(from);
}
