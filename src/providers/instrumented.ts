import { targetOf } from "../remote/connection-spec";
import { traceSpan } from "../remote/trace";
import { hostChanging } from "./host-probes";
import { type CheckFailure, checkInputs, type InputChecks, PROVIDER_CHECKS } from "./input-checks";

type Method = "create" | "read" | "diff" | "update" | "delete";
type Provider = Partial<Record<Method, (...args: never[]) => Promise<unknown>>> & {
  check?: (olds: never, news: never) => Promise<{ inputs?: unknown; failures?: CheckFailure[] }>;
};

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
 *
 * `check` runs the provider's input checks (src/providers/input-checks.ts, on the patterns of
 * src/model/host-values.ts) before anything else: inputs the component would have refused are
 * refused here too, naming the property, before any host is touched.
 */
export function instrumented<P extends Provider>(name: string, provider: P, checks?: InputChecks): P {
  const out: Provider = { ...provider };
  const own = checks ?? (PROVIDER_CHECKS as Record<string, InputChecks | undefined>)[name];
  if (own || provider.check) {
    out.check = async (olds: never, news: never) => {
      const failures = own ? checkInputs(own, news) : [];
      if (failures.length) return { inputs: news, failures };
      return provider.check ? provider.check(olds, news) : { inputs: news, failures: [] };
    };
  }
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
