import type * as pulumi from "@pulumi/pulumi";
import type { PreflightPolicy } from "../model/preflight";
import { PreflightError } from "../remote/preflight-error";
import { hostFactsChanged, preflightRefusal } from "../plan/host-facts";
import { targetOf } from "../remote/connection-spec";
import { SshSession } from "../remote/ssh-session";
import { type HostFacts, parseFacts } from "../model/host-facts";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";
import { factsProbe, readHostState } from "./host-probes";

export interface HostFactsInputs extends ConnectedInputs {
  /** Checked on create, update and every diff; a refresh only reads. */
  preflight?: PreflightPolicy;
}

function enforce(inputs: HostFactsInputs, facts: HostFacts): void {
  const refusal = preflightRefusal(facts, inputs.preflight);
  if (refusal) throw new PreflightError(targetOf(inputs.connection), refusal.message);
}
export interface HostFactsOutputs extends HostFactsInputs {
  facts: HostFacts;
}

/** Facts as they are now, for a create or update. */
async function readFacts(inputs: HostFactsInputs): Promise<HostFacts> {
  const session = await SshSession.for(toConnectionSpec(inputs));
  const p = factsProbe(session.bounds);
  const { stdout } = await session.exec(p.script, { what: p.what });
  return parseFacts(stdout);
}

/** Facts from the run's shared read of the host, for a diff or refresh; `known` picks the engine probe read with them. */
async function sharedFacts(inputs: HostFactsInputs, known: HostFacts): Promise<HostFacts> {
  return parseFacts(await (await readHostState(inputs, known)).facts);
}

/**
 * Facts of one machine. Creating or updating reads them; `read` (refresh) reads them again, and
 * `diff` re-reads them on every `up` so a changed machine shows as a change. Deleting touches
 * nothing on the machine, so it succeeds even when the machine is gone.
 */
export const hostFacts = {
  async create(inputs: HostFactsInputs): Promise<pulumi.dynamic.CreateResult<HostFactsOutputs>> {
    const facts = await readFacts(inputs);
    enforce(inputs, facts);
    return { id: targetOf(inputs.connection), outs: { ...inputs, facts } };
  },

  async read(id: string, props: HostFactsOutputs): Promise<pulumi.dynamic.ReadResult<HostFactsOutputs>> {
    const facts = await sharedFacts(props, props.facts);
    return { id, props: { ...props, facts } };
  },

  async diff(_id: string, olds: HostFactsOutputs, news: HostFactsInputs): Promise<pulumi.dynamic.DiffResult> {
    // Never connect to a machine whose address is not known yet (it may not exist).
    if (containsUnknown(news.connection)) return { changes: true };
    const replaces: string[] = [];
    if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) replaces.push("connection");
    if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: false };
    const facts = await sharedFacts(news, olds.facts);
    enforce(news, facts);
    return { changes: hostFactsChanged(olds, news, facts) };
  },

  async update(_id: string, _olds: HostFactsOutputs, news: HostFactsInputs): Promise<pulumi.dynamic.UpdateResult<HostFactsOutputs>> {
    const facts = await readFacts(news);
    enforce(news, facts);
    return { outs: { ...news, facts } };
  },

  async delete(): Promise<void> {
    // Facts are only read; there is nothing on the machine to remove.
  },
};
