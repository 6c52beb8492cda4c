import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import { HOST_VALUES } from "../model/host-values";
import { invalid } from "../model/input-error";
import { DockerUsersResource } from "../providers/docker-users-resource";
import type { DockerEngine } from "./docker-engine";
import { pending } from "../model/pending";

export interface DockerUsersArgs {
  /**
   * The engine whose host's docker group this manages.
   * @example new DockerEngine("web1-docker", { host: web1 })
   */
  engine: DockerEngine;
  /**
   * Existing login users to put in the docker group (so they run docker without sudo). A user
   * who does not exist on the host is refused by name before anything changes.
   * @example ["deploy", "ci"]
   */
  users: pulumi.Input<string[]>;
}

/** POSIX-portable user names, as useradd accepts them by default: safe to pass to a shell. */
const USER_NAME = HOST_VALUES.userName.pattern;

/** Checks user names; throws naming the entry at fault. */
export function checkDockerUsers(users: string[]): string[] {
  if (!Array.isArray(users)) invalid("users", "must be a list of user names");
  users.forEach((u, i) => {
    if (typeof u !== "string" || !USER_NAME.test(u))
      invalid(
        `users[${i}]`,
        `must be a user name (lower-case letters, digits, _ and -, starting with a letter or _, at most 32) (got ${JSON.stringify(u)})`,
      );
  });
  const seen = new Set<string>();
  users.forEach((u, i) => {
    if (seen.has(u)) invalid(`users[${i}]`, `"${u}" is listed twice`);
    seen.add(u);
  });
  return [...users].sort();
}

/**
 * Users in a host's docker group. Its own resource rather than a DaemonConfig argument: group
 * membership needs no docker restart, and its life (only users Dockyard added are taken out on
 * destroy) is not tied to daemon.json's restart and rollback.
 *
 * Membership is root-equivalent on the host (the docker socket): list only trusted users.
 *
 * @example
 * new DockerUsers("web1-users", { engine, users: ["deploy"] });
 */
export class DockerUsers extends DockyardComponent {
  /** Users Dockyard added (not those who were members already). */
  readonly added: pulumi.Output<string[]>;
  /** What refresh found different from the declaration (empty after `up`). */
  readonly drift: pulumi.Output<string[]>;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: DockerUsersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:engine:DockerUsers", name, opts);
    this.checked(() => {
      if (!args?.engine) invalid("engine", "is required");
      if (args.users === undefined) invalid("users", "is required");
    });
    if (!pending(args.users)) this.checked(() => checkDockerUsers(args.users as string[]));
    const users = pulumi.output(args.users).apply((u) => this.checked(() => checkDockerUsers(u)));
    const host = args.engine.host;
    const res = new DockerUsersResource(
      `${name}-docker-group`,
      { connection: host.connection, credentials: host.credentials, users },
      this.childOptions(args.engine.ready),
    );
    this.added = res.added;
    this.drift = res.drift;
    this.ready = res;
    this.registerOutputs({ added: this.added, drift: this.drift });
  }
}
