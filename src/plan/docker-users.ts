import { isDeepStrictEqual } from "node:util";
import { parseDockerUsersProbe, renderDockerUsersChange } from "../scripts/docker-users";
import { type Refusal, refuse } from "./refusal";

/** The docker group and the users asked about, as the probe reads them. */
export type DockerUsersFacts = ReturnType<typeof parseDockerUsersProbe>;

/** One change to the docker group (both lists in one script). */
export interface DockerUsersStep {
  kind: "changeGroup";
  add: string[];
  remove: string[];
}

/** Declared users that are missing or not in the docker group. */
export function dockerUsersDrift(users: string[], p: DockerUsersFacts): string[] {
  return users.flatMap((u) =>
    !p.users[u]?.exists ? [`user ${u} does not exist`] : !p.users[u].member ? [`${u} is not in the docker group`] : [],
  );
}

/**
 * The change for a run: refused (nothing changed) when a user does not exist; users added who
 * are not members; users dropped from the list taken out only if Dockyard had added them.
 */
export function dockerUsersPlan(
  users: string[],
  p: DockerUsersFacts,
  previouslyAdded: string[],
): { missing: string[]; add: string[]; remove: string[]; added: string[] } {
  const missing = users.filter((u) => !p.users[u]?.exists);
  const add = users.filter((u) => p.users[u]?.exists && !p.users[u].member);
  const remove = previouslyAdded.filter((u) => !users.includes(u));
  const added = [...new Set([...previouslyAdded.filter((u) => users.includes(u)), ...add])].sort();
  return { missing, add, remove, added };
}

/** The steps of a run and the users Dockyard then counts as its own, or the refusal. */
export function planDockerUsers(
  users: string[],
  p: DockerUsersFacts,
  previouslyAdded: string[],
): { steps: DockerUsersStep[]; added: string[] } | Refusal {
  const plan = dockerUsersPlan(users, p, previouslyAdded);
  const m = plan.missing;
  if (m.length) {
    const many = m.length > 1;
    return refuse(
      "DOCKYARD_USER_MISSING",
      `dockerUsers: ${m.map((u) => `user "${u}"`).join(", ")} ${many ? "do" : "does"} not exist on this host; create ${many ? "them" : "it"} first, or take ${many ? "them" : "it"} out of dockerUsers. Nothing was changed`,
    );
  }
  return {
    steps: plan.add.length || plan.remove.length ? [{ kind: "changeGroup", add: plan.add, remove: plan.remove }] : [],
    added: plan.added,
  };
}

/** Destroy takes out only the users Dockyard added. */
export function planDockerUsersRemoval(added: string[] | undefined): DockerUsersStep[] {
  return added?.length ? [{ kind: "changeGroup", add: [], remove: added }] : [];
}

export function renderDockerUsersStep(step: DockerUsersStep, why: "run" | "destroy"): { script: string; what: string } {
  return {
    script: renderDockerUsersChange(step.add, step.remove),
    what: why === "run" ? "changing the docker group" : "taking Dockyard's users out of the docker group",
  };
}

/** The diff before any probe: another machine replaces; other users, connection or credentials are an update; else `probe`. */
export function dockerUsersChange(
  olds: { users: string[]; connection: unknown; credentials: unknown },
  news: { users: string[]; connection: unknown; credentials: unknown },
  sameMachine: boolean,
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (!sameMachine) return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
  if (
    !isDeepStrictEqual(olds.users, news.users) ||
    !isDeepStrictEqual(olds.connection, news.connection) ||
    !isDeepStrictEqual(olds.credentials, news.credentials)
  )
    return { changes: true };
  return "probe";
}
