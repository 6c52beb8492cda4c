import type * as pulumi from "@pulumi/pulumi";
import { targetOf } from "../remote/connection-spec";
import { RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import {
  type DockerUsersFacts,
  type DockerUsersStep,
  dockerUsersChange,
  dockerUsersDrift,
  planDockerUsers,
  planDockerUsersRemoval,
  renderDockerUsersStep,
} from "../plan/docker-users";
import { isRefusal } from "../plan/refusal";
import { parseDockerUsersProbe, renderDockerUsersProbe } from "../scripts/docker-users";
import { type ConnectedInputs, containsUnknown, machineIdentity, toConnectionSpec } from "./connection-inputs";

export interface DockerUsersInputs extends ConnectedInputs {
  users: string[];
}

export interface DockerUsersOutputs extends DockerUsersInputs {
  /** Users Dockyard put into the group (the only ones destroy takes out). */
  added: string[];
  /** Where the host differs from the declaration; filled by refresh. */
  drift: string[];
}

async function probe(session: SshSession, users: string[]): Promise<DockerUsersFacts> {
  return parseDockerUsersProbe((await session.exec(renderDockerUsersProbe(users), { what: "reading the docker group" })).stdout, users);
}

async function run(session: SshSession, steps: DockerUsersStep[], why: "run" | "destroy"): Promise<void> {
  for (const step of steps) {
    const { script, what } = renderDockerUsersStep(step, why);
    await session.exec(script, { what });
  }
}

async function converge(inputs: DockerUsersInputs, previouslyAdded: string[]): Promise<DockerUsersOutputs> {
  const session = await SshSession.for(toConnectionSpec(inputs));
  const before = await probe(session, [...new Set([...inputs.users, ...previouslyAdded])]);
  const plan = planDockerUsers(inputs.users, before, previouslyAdded);
  if (isRefusal(plan)) throw new RemoteError(targetOf(inputs.connection), plan.message, plan.code);
  await run(session, plan.steps, "run");
  const after = await probe(session, inputs.users);
  const drift = dockerUsersDrift(inputs.users, after);
  if (drift.length) throw new RemoteError(targetOf(inputs.connection), `the docker group was changed, but ${drift.join(", ")}`);
  return { ...inputs, added: plan.added, drift: [] };
}

/** Members of a host's docker group: added, read back (drift), and taken out on destroy only if Dockyard added them. */
export const dockerUsers = {
  async create(inputs: DockerUsersInputs): Promise<pulumi.dynamic.CreateResult<DockerUsersOutputs>> {
    return { id: `${targetOf(inputs.connection)}/docker-group`, outs: await converge(inputs, []) };
  },

  async read(id: string, props: DockerUsersOutputs): Promise<pulumi.dynamic.ReadResult<DockerUsersOutputs>> {
    const p = await probe(await SshSession.for(toConnectionSpec(props)), props.users);
    return { id, props: { ...props, drift: dockerUsersDrift(props.users, p) } };
  },

  async diff(_id: string, olds: DockerUsersOutputs, news: DockerUsersInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection)) return { changes: true };
    const change = dockerUsersChange(olds, news, machineIdentity(olds.connection) === machineIdentity(news.connection));
    if (change !== "probe") return change;
    const p = await probe(await SshSession.for(toConnectionSpec(news)), news.users);
    return { changes: dockerUsersDrift(news.users, p).length > 0 || olds.drift.length > 0 };
  },

  async update(_id: string, olds: DockerUsersOutputs, news: DockerUsersInputs): Promise<pulumi.dynamic.UpdateResult<DockerUsersOutputs>> {
    return { outs: await converge(news, olds.added ?? []) };
  },

  async delete(_id: string, props: DockerUsersOutputs): Promise<void> {
    const steps = planDockerUsersRemoval(props.added);
    if (steps.length) await run(await SshSession.for(toConnectionSpec(props)), steps, "destroy");
  },
};
