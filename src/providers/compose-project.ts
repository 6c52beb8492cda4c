import type * as pulumi from "@pulumi/pulumi";
import {
  checkComposeSpec,
  composeChange,
  composeDrift,
  composeServiceStates,
  composeWriteInput,
  type ComposeServiceState,
  type ComposeSpec,
} from "../plan/compose";
import { targetOf } from "../remote/connection-spec";
import { RemoteCommandError, RemoteError } from "../remote/errors";
import { SshSession } from "../remote/ssh-session";
import {
  composeWaitWords,
  parseComposeRead,
  renderComposeDown,
  renderComposeRead,
  renderComposeUp,
  renderComposeWrite,
} from "../scripts/compose";
import { type ConnectedInputs, connectionChange, containsUnknown, toConnectionSpec } from "./connection-inputs";

export interface ComposeProjectInputs extends ConnectedInputs {
  spec: ComposeSpec;
  /** The .env text (a secret: only ever the write step's stdin). */
  env: string;
}

export interface ComposeProjectOutputs extends ComposeProjectInputs {
  /** Per declared service: its containers, their state and published ports. */
  services: Record<string, ComposeServiceState>;
  /** `docker compose version` on the host. */
  composeVersion: string;
  /** What refresh found different from the declaration (empty after `up`). */
  drift: string[];
}

/** The project's files and containers as the host has them. */
async function readHost(session: SshSession, project: string) {
  return parseComposeRead((await session.exec(renderComposeRead(project), { what: `reading compose project ${project}` })).stdout);
}

/** A failed step's exit code as the error the user reads (the scripts say why on stderr). */
function stepError(target: string, e: unknown): never {
  if (!(e instanceof RemoteCommandError)) throw e;
  const code =
    e.exitCode === 3
      ? "DOCKYARD_COMPOSE_PLUGIN_MISSING"
      : e.exitCode === 4
        ? "DOCKYARD_COMPOSE_INVALID"
        : e.exitCode === 5
          ? "DOCKYARD_COMPOSE_UP_FAILED"
          : undefined;
  if (!code) throw e;
  throw new RemoteError(target, e.message.replace(/^[^:]*: /, ""), code);
}

/** Writes the files (checked by compose first), then `up -d --wait`; reads back what runs. */
async function converge(inputs: ComposeProjectInputs): Promise<ComposeProjectOutputs> {
  const target = targetOf(inputs.connection);
  checkComposeSpec(inputs.spec);
  const { spec, env } = inputs;
  const session = await SshSession.for(toConnectionSpec(inputs));
  await session
    .exec(renderComposeWrite(spec.project), { what: `writing compose project ${spec.project}`, stdin: composeWriteInput(spec, env) })
    .catch((e: unknown) => stepError(target, e));
  await session
    .exec(renderComposeUp(spec.project, spec.waitTimeout), {
      what: `docker compose up (project ${spec.project})`,
      timeoutSeconds: composeWaitWords(spec.waitTimeout).command + 30,
    })
    .catch((e: unknown) => stepError(target, e));
  const host = await readHost(session, spec.project);
  const drift = composeDrift(spec, env, host);
  if (drift.length)
    throw new RemoteError(target, `compose project ${spec.project} after up: ${drift.join("; ")}`, "DOCKYARD_COMPOSE_UP_FAILED");
  return { ...inputs, services: composeServiceStates(spec, host.containers), composeVersion: host.composeVersion, drift: [] };
}

/**
 * A compose project on a host: its compose file and secret .env written root-only, checked by
 * `docker compose config -q`, deployed with `up -d --wait`. Containers stopped or removed and
 * files edited by hand are drift (read, diff); `up` repairs them; delete runs `down`.
 */
export const composeProject = {
  async create(inputs: ComposeProjectInputs): Promise<pulumi.dynamic.CreateResult<ComposeProjectOutputs>> {
    return { id: `${targetOf(inputs.connection)}/compose/${inputs.spec.project}`, outs: await converge(inputs) };
  },

  async read(id: string, props: ComposeProjectOutputs): Promise<pulumi.dynamic.ReadResult<ComposeProjectOutputs>> {
    const session = await SshSession.for(toConnectionSpec(props));
    const host = await readHost(session, props.spec.project);
    return {
      id,
      props: {
        ...props,
        services: composeServiceStates(props.spec, host.containers),
        composeVersion: host.composeVersion,
        drift: composeDrift(props.spec, props.env, host),
      },
    };
  },

  async diff(_id: string, olds: ComposeProjectOutputs, news: ComposeProjectInputs): Promise<pulumi.dynamic.DiffResult> {
    if (containsUnknown(news.connection) || containsUnknown(news.spec) || containsUnknown(news.env)) return { changes: true };
    const change = composeChange(olds, news, connectionChange(olds, news));
    if (change !== "probe") return change;
    // The host itself: a container stopped or removed, a file edited by hand is a change to repair.
    const session = await SshSession.for(toConnectionSpec(news));
    const drift = composeDrift(news.spec, news.env, await readHost(session, news.spec.project));
    return { changes: drift.length > 0 || olds.drift.length > 0 };
  },

  async update(
    _id: string,
    _olds: ComposeProjectOutputs,
    news: ComposeProjectInputs,
  ): Promise<pulumi.dynamic.UpdateResult<ComposeProjectOutputs>> {
    return { outs: await converge(news) };
  },

  async delete(_id: string, props: ComposeProjectOutputs): Promise<void> {
    const session = await SshSession.for(toConnectionSpec(props));
    await session.exec(renderComposeDown(props.spec.project, props.spec.removeVolumesOnDestroy), {
      what: `docker compose down (project ${props.spec.project})`,
    });
  },
};
