// Values as the engine hands them to a provider plugin and takes them back. With secrets,
// resources and output values accepted (what `provider.main` answers to Configure), properties
// arrive as marker objects; the controllers in src/providers/ take plain values, as the
// dynamic-provider host used to give them.

/** The key every marker object carries; its value says which marker it is. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/** A value not known yet (preview): the same sentinel the controllers test for. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Properties of the 0.3.0 dynamic resources that a migrated resource still has in its state. */
const DYNAMIC_ONLY: ReadonlySet<string> = new Set(["__provider"]);

type Props = Record<string, unknown>;

/** Plain properties and the names of the top-level ones that held a secret anywhere inside. */
export interface Unwrapped {
  props: Props;
  secret: Set<string>;
}

function isRecord(v: unknown): v is Props {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One value without markers; `found` is called when a secret was inside. */
function plain(v: unknown, found: () => void): unknown {
  if (Array.isArray(v)) return v.map((x) => plain(x, found));
  if (!isRecord(v)) return v;
  switch (v[SIG_KEY]) {
    case SECRET_SIG:
      found();
      return plain(v.value, found);
    // A resource passed as a property: its id (a custom resource's) or its URN.
    case RESOURCE_SIG:
      return typeof v.id === "string" && v.id !== "" ? v.id : v.urn;
    case OUTPUT_SIG:
      if (v.secret === true) found();
      return "value" in v ? plain(v.value, found) : UNKNOWN;
    default:
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, found)]));
  }
}

/** Properties from the wire, markers removed and the dynamic provider's leftovers dropped. */
export function unwrap(props: unknown): Unwrapped {
  const secret = new Set<string>();
  const out: Props = {};
  for (const [k, v] of Object.entries(isRecord(props) ? props : {})) {
    if (DYNAMIC_ONLY.has(k)) continue;
    out[k] = plain(v, () => secret.add(k));
  }
  return { props: out, secret };
}

/** Only the named properties (the declared inputs), in that order. */
export function pick(props: Props, names: readonly string[]): Props {
  return Object.fromEntries(names.filter((n) => Object.hasOwn(props, n)).map((n) => [n, props[n]]));
}

/**
 * A value the wire can carry: google-protobuf's Struct refuses `undefined` ("Unexpected struct
 * type."), so keys holding it are dropped and list items become null.
 */
export function defined(v: unknown): unknown {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(defined);
  if (!isRecord(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, defined(x)]),
  );
}

/** The secret marker around a value. */
export const secretOf = (value: unknown): Props => ({ [SIG_KEY]: SECRET_SIG, value });

/**
 * Properties for the wire: no `undefined`, and each named property (present) wrapped as a secret.
 * The engine keeps an output secret only when it arrives marked (one derived from a secret input
 * would be stored in plain text otherwise).
 */
export function wrap(props: unknown, secrets: Iterable<string>): Props {
  const out = defined(isRecord(props) ? props : {}) as Props;
  for (const name of secrets) {
    if (Object.hasOwn(out, name)) out[name] = secretOf(out[name]);
  }
  return out;
}
