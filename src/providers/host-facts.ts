import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { targetOf } from "../remote/connection-spec";
import { SshSession } from "../remote/ssh-session";
import { type HostFacts, parseFacts, renderFactsProbe } from "../scripts/host-facts";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export interface HostFactsInputs extends ConnectedInputs {}
export interface HostFactsOutputs extends HostFactsInputs {
  facts: HostFacts;
}

async function readFacts(inputs: HostFactsInputs): Promise<HostFacts> {
  const session = await SshSession.for(toConnectionSpec(inputs));
  const { stdout } = await session.exec(renderFactsProbe(), { what: "reading host facts" });
  return parseFacts(stdout);
}

// Order-blind: values read back from the state come with their keys sorted.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

/**
 * Facts of one machine. Creating or updating reads them; `read` (refresh) reads them again, and
 * `diff` re-reads them on every `up` so a changed machine shows as a change. Deleting touches
 * nothing on the machine, so it succeeds even when the machine is gone.
 */
export const hostFacts = {
  async create(inputs: HostFactsInputs): Promise<pulumi.dynamic.CreateResult<HostFactsOutputs>> {
    const facts = await readFacts(inputs);
    return { id: targetOf(inputs.connection), outs: { ...inputs, facts } };
  },

  async read(id: string, props: HostFactsOutputs): Promise<pulumi.dynamic.ReadResult<HostFactsOutputs>> {
    const facts = await readFacts(props);
    return { id, props: { ...props, facts } };
  },

  async diff(_id: string, olds: HostFactsOutputs, news: HostFactsInputs): Promise<pulumi.dynamic.DiffResult> {
    // Never connect to a machine whose address is not known yet (it may not exist).
    if (containsUnknown(news.connection)) return { changes: true };
    const replaces: string[] = [];
    if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) replaces.push("connection");
    if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: false };
    const changed = !same(olds.connection, news.connection) || !same(olds.credentials, news.credentials);
    if (changed) return { changes: true };
    const facts = await readFacts(news);
    return { changes: !same(facts, olds.facts) };
  },

  async update(_id: string, _olds: HostFactsOutputs, news: HostFactsInputs): Promise<pulumi.dynamic.UpdateResult<HostFactsOutputs>> {
    const facts = await readFacts(news);
    return { outs: { ...news, facts } };
  },

  async delete(): Promise<void> {
    // Facts are only read; there is nothing on the machine to remove.
  },
};
