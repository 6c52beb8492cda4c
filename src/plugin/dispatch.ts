// The provider the plugin serves: each call's type token picks the resource kind (src/providers/kinds.ts)
// and its controller, the same object the 0.3.0 dynamic resources ran (src/providers/index.ts,
// wrapped by `instrumented`: the shared input checks, the trace's `op` events, the host-read
// cache). This file only translates between the wire and the controllers.
import { isDeepStrictEqual } from "node:util";
import type * as provider from "@pulumi/pulumi/provider";
import * as providers from "../providers/index";
import type { CheckFailure } from "../providers/input-checks";
import { type Kind, KINDS, type KindSpec, kindOfToken, tokenOf } from "../providers/kinds";
import { PACKAGE_VERSION } from "../providers/package-version";
import { servingUrn } from "./engine-log";
import { checkImported, hostReads, type ImportReads, importedProps, isImportable } from "./import";
import { schemaJson } from "./schema";
import { pick, unwrap, wrap } from "./wire";

type Props = Record<string, unknown>;

/** A controller as the plugin calls it (methods, so each provider's own input types fit). */
export interface Controller {
  check?(olds: Props, news: Props): Promise<{ inputs?: unknown; failures?: CheckFailure[] }>;
  diff?(
    id: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes?: boolean; replaces?: string[]; stables?: string[]; deleteBeforeReplace?: boolean }>;
  create?(inputs: Props): Promise<{ id: string; outs?: unknown }>;
  read?(id: string, props: Props): Promise<{ id?: string; props?: unknown }>;
  update?(id: string, olds: Props, news: Props): Promise<{ outs?: unknown }>;
  delete?(id: string, props: Props): Promise<void>;
}

/** The controllers by their export name. */
export type Controllers = Record<KindSpec["provider"], Controller>;

/** The type token in a URN (`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`). */
export function tokenOfUrn(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

interface Served {
  kind: Kind;
  spec: KindSpec;
  controller: Controller;
}

/** The kind and controller serving a URN's type; a token this package does not serve is an error naming it. */
export function servedBy(urn: string, controllers: Controllers): Served {
  const token = tokenOfUrn(urn);
  const kind = kindOfToken(token);
  if (!kind) {
    const served = (Object.keys(KINDS) as Kind[]).map(tokenOf).join(", ");
    throw new Error(`The dockyard plugin serves no resource type "${token}" (it serves ${served})`);
  }
  return { kind, spec: KINDS[kind], controller: controllers[KINDS[kind].provider] };
}

/**
 * A resource's outputs hold its inputs too (as the dynamic resources' did): the Node provider
 * interface gives `read` only the outputs, and a refresh records the inputs read gives back, so
 * inputs a controller left out of its outputs would be lost (and the next diff would fail on them).
 */
const withInputs = (inputs: Props, outs: unknown): Props => ({ ...inputs, ...((outs ?? {}) as Props) });

const union = (...names: Iterable<string>[]): Set<string> => new Set(names.flatMap((n) => [...n]));

/**
 * The provider `provider.main` serves. `controllers` and `reads` are for tests; the plugin serves
 * the exports of src/providers/index.ts and imports over SSH.
 */
export function dockyardProvider(
  controllers: Controllers = providers as unknown as Controllers,
  reads: ImportReads = hostReads,
): provider.Provider {
  return {
    version: PACKAGE_VERSION,
    getSchema: () => Promise.resolve(schemaJson()),

    // The shared checks of src/providers/input-checks.ts, on plain values; the inputs returned
    // (the ones the state keeps) are the declared ones, secrets still marked.
    check: (urn, olds, news) =>
      servingUrn(urn, async () => {
        const { spec, controller } = servedBy(urn, controllers);
        const n = unwrap(news);
        const inputs = pick(n.props, spec.inputs);
        const result = controller.check ? await controller.check(unwrap(olds).props, inputs) : { inputs };
        if (result.failures?.length) return { failures: result.failures };
        return { inputs: wrap(pick((result.inputs ?? inputs) as Props, spec.inputs), union(n.secret, spec.secrets)) };
      }),

    // olds are the old outputs: a 0.3.0 resource's still hold `__provider`, which unwrap drops,
    // so a migrated resource with the same inputs shows no change.
    diff: (id, urn, olds, news) =>
      servingUrn(urn, async () => {
        const { spec, controller } = servedBy(urn, controllers);
        const o = unwrap(olds).props;
        const n = pick(unwrap(news).props, spec.inputs);
        if (controller.diff) return controller.diff(id, o, n);
        return { changes: !isDeepStrictEqual(pick(o, spec.inputs), n) };
      }),

    create: (urn, inputs) =>
      servingUrn(urn, async () => {
        const { spec, controller } = servedBy(urn, controllers);
        const n = unwrap(inputs);
        if (!controller.create) throw new Error(`${tokenOfUrn(urn)} cannot be created`);
        const declared = pick(n.props, spec.inputs);
        const result = await controller.create(declared);
        return { id: result.id, outs: wrap(withInputs(declared, result.outs), union(n.secret, spec.secrets)) };
      }),

    // A refresh gives the state's properties; an import (`pulumi import`, the `import` option)
    // only the ID, which names the machine and the object (src/plugin/import.ts).
    read: (id, urn, props) =>
      servingUrn(urn, async () => {
        const { kind, spec, controller } = servedBy(urn, controllers);
        const p = unwrap(props);
        const importing = Object.keys(p.props).length === 0;
        if (importing && !isImportable(kind)) {
          throw new Error(`${tokenOfUrn(urn)} cannot be imported (dockyard:index:DockerEngine, Container and Network can)`);
        }
        const given = importing && isImportable(kind) ? await importedProps(kind, id, reads) : p.props;
        const result = controller.read ? await controller.read(id, given) : { id, props: given };
        const outs = (result.props ?? given) as Props;
        if (importing && isImportable(kind)) checkImported(kind, id, outs);
        const secrets = union(p.secret, spec.secrets);
        return { id: result.id ?? id, props: wrap(outs, secrets), inputs: wrap(pick(outs, spec.inputs), secrets) };
      }),

    update: (id, urn, olds, news) =>
      servingUrn(urn, async () => {
        const { spec, controller } = servedBy(urn, controllers);
        const o = unwrap(olds);
        const n = unwrap(news);
        const inputs = pick(n.props, spec.inputs);
        const result = controller.update ? await controller.update(id, o.props, inputs) : { outs: { ...o.props, ...inputs } };
        return { outs: wrap(withInputs(inputs, result.outs), union(n.secret, spec.secrets)) };
      }),

    delete: (id, urn, props) =>
      servingUrn(urn, async () => {
        const { controller } = servedBy(urn, controllers);
        await controller.delete?.(id, unwrap(props).props);
      }),

    // The components, built inside the plugin. Loaded here, on the first construct: the table
    // brings in every component (and @pulumi/aws), which a run of custom resources never needs.
    async construct(name, type, inputs, options) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use only
      const { constructComponent } = require("./components") as typeof import("./components");
      return constructComponent(name, type, inputs, options);
    },
  };
}
