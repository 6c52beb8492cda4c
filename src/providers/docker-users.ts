import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { targetOf } from "../remote/connection-spec";
import { RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import { parseDockerUsersProbe, renderDockerUsersChange, renderDockerUsersProbe } from "../scripts/docker-users";
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

type Probe = ReturnType<typeof parseDockerUsersProbe>;

async function probe(session: SshSession, users: string[]): Promise<Probe> {
  return parseDockerUsersProbe((await session.exec(renderDockerUsersProbe(users), { what: "reading the docker group" })).stdout, users);
}

/** Declared users that are missing or not in the docker group. */
export function dockerUsersDrift(users: string[], p: Probe): string[] {
  return users.flatMap((u) => (!p.users[u]?.exists ? [`user ${u} does not exist`] : !p.users[u].member ? [`${u} is not in the docker group`] : []));
}

/**
 * The change for a run: refused (nothing changed) when a user does not exist; users added who
 * are not members; users dropped from the list taken out only if Dockyard had added them.
 */
export function dockerUsersPlan(users: string[], p: Probe, previouslyAdded: string[]): { missing: string[]; add: string[]; remove: string[]; added: string[] } {
  const missing = users.filter((u) => !p.users[u]?.exists);
  const add = users.filter((u) => p.users[u]?.exists && !p.users[u].member);
  const remove = previouslyAdded.filter((u) => !users.includes(u));
  const added = [...new Set([...previouslyAdded.filter((u) => users.includes(u)), ...add])].sort();
  return { missing, add, remove, added };
}

async function converge(inputs: DockerUsersInputs, previouslyAdded: string[]): Promise<DockerUsersOutputs> {
  const session = await SshSession.for(toConnectionSpec(inputs));
  const before = await probe(session, [...new Set([...inputs.users, ...previouslyAdded])]);
  const plan = dockerUsersPlan(inputs.users, before, previouslyAdded);
  if (plan.missing.length) {
    throw new RemoteError(
      targetOf(inputs.connection),
      `dockerUsers: ${plan.missing.map((u) => `user "${u}"`).join(", ")} ${plan.missing.length > 1 ? "do" : "does"} not exist on this host; create ${plan.missing.length > 1 ? "them" : "it"} first, or take ${plan.missing.length > 1 ? "them" : "it"} out of dockerUsers. Nothing was changed`,
      "DOCKYARD_USER_MISSING",
    );
  }
  if (plan.add.length || plan.remove.length) await session.exec(renderDockerUsersChange(plan.add, plan.remove), { what: "changing the docker group" });
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
    if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
    if (!isDeepStrictEqual(olds.users, news.users) || !isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials)) return { changes: true };
    const p = await probe(await SshSession.for(toConnectionSpec(news)), news.users);
    return { changes: dockerUsersDrift(news.users, p).length > 0 || olds.drift.length > 0 };
  },

  async update(_id: string, olds: DockerUsersOutputs, news: DockerUsersInputs): Promise<pulumi.dynamic.UpdateResult<DockerUsersOutputs>> {
    return { outs: await converge(news, olds.added ?? []) };
  },

  async delete(_id: string, props: DockerUsersOutputs): Promise<void> {
    if (!props.added?.length) return;
    const session = await SshSession.for(toConnectionSpec(props));
    await session.exec(renderDockerUsersChange([], props.added), { what: "taking Dockyard's users out of the docker group" });
  },
};
