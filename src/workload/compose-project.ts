import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import type { DockerEngine } from "../engine/docker-engine";
import { checkComposeProject, composeEnvText, composeServices } from "../model/compose";
import { invalid } from "../model/input-error";
import { known } from "../model/pending";
import { COMPOSE_WAIT_BOUND, MAX_BOUND_SECONDS } from "../model/time-bounds";
import type { ComposeServiceState, ComposeSpec } from "../plan/compose";
import { ComposeProjectResource } from "../providers/compose-project-resource";

export interface ComposeProjectArgs {
  /**
   * The engine the project runs on (its docker CLI needs the compose v2 plugin: DockerEngine's
   * `plugins`, on by default with docker-ce).
   * @example engine
   */
  engine: DockerEngine;
  /**
   * The project name (`docker compose -p`): it prefixes the project's containers, networks and
   * volumes, and is the project's identity on the host (another name replaces the project).
   * @example "shop"
   */
  projectName: string;
  /**
   * The compose file's YAML text. Give this or `composeFile`.
   * @default none
   * @example 'services:\n  web:\n    image: nginx:1.25\n    ports: ["8080:80"]\n'
   */
  composeYaml?: string;
  /**
   * A compose file on this machine, read when the program runs. Give this or `composeYaml`.
   * @default none
   * @example "deploy/compose.yaml"
   */
  composeFile?: string;
  /**
   * The project's `.env` (compose's variables for `${VAR}` in the file, and `env_file: .env` for
   * services): a map of names to values, or the file's text. Kept as a secret: written root-only
   * (0600) on the host over stdin, never in a command line, a log or plain state.
   * @default none (an empty .env)
   * @example pulumi.secret({ DB_PASSWORD: "s3cret" })
   */
  env?: pulumi.Input<Record<string, string> | string>;
  /**
   * On destroy, remove the project's named volumes too (`down --volumes`). By default they stay:
   * they hold the data.
   * @default false
   * @example true
   */
  removeVolumesOnDestroy?: boolean;
  /**
   * Seconds `docker compose up -d --wait` may take to pull, start and see its services running
   * (healthy where they have a healthcheck).
   * @default 300
   * @example 600
   */
  waitTimeout?: number;
}

/** The compose file's text from the arguments (the file read here), or a bad-argument error naming the field. */
export function composeYamlOf(args: Pick<ComposeProjectArgs, "composeYaml" | "composeFile">): string {
  if (args.composeYaml !== undefined && args.composeFile !== undefined)
    invalid("composeFile", "cannot be given with composeYaml: give one");
  if (args.composeYaml !== undefined) return args.composeYaml;
  if (args.composeFile === undefined) invalid("composeYaml", "is required (or composeFile, a compose file on this machine)");
  if (typeof args.composeFile !== "string" || !args.composeFile) invalid("composeFile", "must be a path");
  try {
    return readFileSync(args.composeFile, "utf8");
  } catch (e) {
    return invalid("composeFile", `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): ${args.composeFile}`);
  }
}

/** The spec from the arguments, or a bad-argument error naming the field; the .env is apart. */
export function composeProjectSpec(args: Omit<ComposeProjectArgs, "engine" | "env">): ComposeSpec {
  checkComposeProject("projectName", args.projectName);
  const composeYaml = composeYamlOf(args);
  const services = composeServices(args.composeFile !== undefined ? "composeFile" : "composeYaml", composeYaml);
  const waitTimeout = args.waitTimeout ?? COMPOSE_WAIT_BOUND.defaultSeconds;
  if (!Number.isInteger(waitTimeout) || waitTimeout < 1 || waitTimeout > MAX_BOUND_SECONDS)
    invalid("waitTimeout", `must be a whole number of seconds from 1 to ${MAX_BOUND_SECONDS} (got ${JSON.stringify(waitTimeout)})`);
  if (args.removeVolumesOnDestroy !== undefined && typeof args.removeVolumesOnDestroy !== "boolean")
    invalid("removeVolumesOnDestroy", "must be true or false");
  return { project: args.projectName, composeYaml, services, removeVolumesOnDestroy: args.removeVolumesOnDestroy === true, waitTimeout };
}

/**
 * A Docker Compose project on a host: a compose file and a secret `.env` written root-only,
 * checked with `docker compose config -q` on the host, deployed with
 * `docker compose -p <name> up -d --wait` (bounded). Outputs per service: containers, state,
 * published ports. A service container stopped or removed, and a compose file or .env edited by
 * hand, are drift that `refresh` shows and `up` repairs. Destroy runs `down` and keeps named
 * volumes unless `removeVolumesOnDestroy`.
 *
 * @example
 * const shop = new ComposeProject("shop", {
 *   engine,
 *   projectName: "shop",
 *   composeFile: "deploy/compose.yaml",
 *   env: pulumi.secret({ DB_PASSWORD: config.requireSecret("dbPassword") }),
 * });
 * export const webPorts = shop.services.apply((s) => s.web.ports);
 */
export class ComposeProject extends DockyardComponent {
  /** Per declared service: its container IDs, state (`running`, `exited`, `missing`, ...) and published ports. */
  readonly services: pulumi.Output<Record<string, ComposeServiceState>>;
  /** `docker compose version` on the host. */
  readonly composeVersion: pulumi.Output<string>;
  /** What refresh found different from the declaration (empty after `up`). */
  readonly drift: pulumi.Output<string[]>;
  /** The project name on the host. */
  readonly projectName: string;
  readonly engine: DockerEngine;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: ComposeProjectArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:workload:ComposeProject", name, opts);
    const spec = this.checked(() => {
      if (!args?.engine) invalid("engine", "is required");
      if (known(args.env)) composeEnvText("env", args.env as Record<string, string> | string);
      return composeProjectSpec(args);
    });
    // The .env is a secret whatever the caller marked; its text is made from the map here.
    const env = pulumi.secret(
      pulumi.output(args.env ?? "").apply((e) => this.checked(() => composeEnvText("env", e as Record<string, string> | string))),
    );
    const host = args.engine.host;
    const res = new ComposeProjectResource(
      `${name}-compose`,
      { connection: host.connection, credentials: host.credentials, spec, env },
      this.childOptions(args.engine.ready),
    );
    this.projectName = spec.project;
    this.engine = args.engine;
    this.services = res.services;
    this.composeVersion = res.composeVersion;
    this.drift = res.drift;
    this.ready = res;
    this.registerOutputs({ services: this.services, drift: this.drift });
  }
}
