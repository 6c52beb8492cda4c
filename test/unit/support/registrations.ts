/**
 * One registration as the engine receives it: everything that decides a resource's identity and
 * its place in the graph (type, name, URN, parent, dependencies, aliases, options) and its inputs,
 * raw (secrets and resource references as they go over the wire).
 */
export interface Registration {
  urn: string;
  request: Record<string, unknown>;
  inputs: unknown;
  /** What a component registered as its outputs, when it did. */
  outputs?: unknown;
}

// Where the call came from: differs with every edit of the source, not part of the resource.
const WHERE = ["sourceposition", "stacktrace", "parentstacktracehandle", "object"];

/**
 * Records every registerResource and registerResourceOutputs the mock monitor receives. Call after
 * the mocks are set and before the program runs; the mock's own answers are unchanged.
 */
export function recordRegistrations(): Registration[] {
  const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown };
  const monitor = settings.getMonitor() as {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: RegisterRequest, cb: unknown): Promise<void>;
    registerResourceOutputs(req: OutputsRequest, cb: unknown): void;
  };
  const seen: Registration[] = [];
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const request = req.toObject() as Record<string, unknown>;
    for (const k of WHERE) delete request[k];
    seen.push({ urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()), request, inputs: req.getObject()?.toJavaScript() });
    return register(req, cb);
  };
  const outputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const r = seen.find((s) => s.urn === req.getUrn());
    if (r) r.outputs = req.getOutputs()?.toJavaScript();
    return outputs(req, cb);
  };
  return seen;
}

interface RegisterRequest {
  toObject(): unknown;
  getParent(): string;
  getType(): string;
  getName(): string;
  getObject(): { toJavaScript(): unknown } | undefined;
}
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): unknown } | undefined;
}

/**
 * Registrations in a form that compares across runs: sorted by URN, lists whose order is the
 * order promises happened to settle in sorted, and values made fresh on every run replaced.
 */
export function comparable(rs: Registration[], fresh: (s: string) => string): unknown[] {
  const sortLists = (v: unknown, key = ""): unknown => {
    if (Array.isArray(v)) {
      const items = v.map((x) => sortLists(x));
      // The dependency lists are sets of URNs; every other list keeps its order.
      return /dependencies|urnsList|aliasurns/i.test(key) ? [...items].sort(cmp) : items;
    }
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sortLists(x, k)]));
    return typeof v === "string" ? fresh(v) : v;
  };
  // Through JSON, as the fixture it is compared with: an undefined field is no field.
  return JSON.parse(JSON.stringify([...rs].sort((a, b) => cmp(a.urn, b.urn)).map((r) => sortLists(r)))) as unknown[];
}

function cmp(a: unknown, b: unknown): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
