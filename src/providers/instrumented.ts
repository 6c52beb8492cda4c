import { targetOf } from "../remote/connection-spec";
import { traceSpan } from "../remote/trace";
import { hostChanging } from "./host-probes";

type Method = "create" | "read" | "diff" | "update" | "delete";
type Provider = Partial<Record<Method, (...args: never[]) => Promise<unknown>>>;

/** The machine a provider call is about, from the inputs or state it was given (none for local resources). */
function hostOf(args: unknown[]): string {
  for (const a of args) {
    const c = (a as { connection?: { host?: unknown; port?: number; user?: string } } | undefined)?.connection;
    if (c && typeof c.host === "string") return targetOf({ host: c.host, port: c.port, user: c.user });
  }
  return "-";
}

const CHANGES: ReadonlySet<Method> = new Set(["create", "update", "delete"]);

/**
 * The provider as the provider host calls it. Each method is recorded in the remote trace
 * (`DOCKYARD_TRACE`) as an `op` event named `<provider>.<method>`: the whole call as the engine
 * waits for it, beside the SSH commands it ran. A create, update or delete drops the host's shared
 * reads before and after it runs (src/providers/host-probes.ts), so the resources compared after
 * it see the host as it is now.
 */
export function instrumented<P extends Provider>(name: string, provider: P): P {
  const out: Provider = { ...provider };
  for (const method of ["create", "read", "diff", "update", "delete"] as const) {
    const fn = provider[method];
    if (!fn) continue;
    out[method] = async (...args: never[]) => {
      const done = traceSpan("op", hostOf(args), `${name}.${method}`);
      const changes = CHANGES.has(method);
      if (changes) args.forEach(hostChanging);
      try {
        return await fn(...args);
      } finally {
        if (changes) args.forEach(hostChanging);
        done();
      }
    };
  }
  return out as P;
}
