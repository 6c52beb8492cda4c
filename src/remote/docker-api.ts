import * as http from "node:http";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import type { ClientChannel } from "ssh2";
import { parseEngineDiagnosis, renderEngineDiagnosis } from "../scripts/engine-health";
import type { ConnectionSpec } from "./connection-spec";
import { EngineUnavailableError, RemoteError, TimedOutError, engineSaid, isConnectionFailure } from "./errors";
import { SshSession, endChannel } from "./ssh-session";
import { boundSeconds, type TimeBoundName } from "../model/time-bounds";

/** How long one call may go without an answer, and which bound that is (named in the error). */
export interface EngineBound {
  seconds: number;
  bound: TimeBoundName;
}

/** What a client saw of its bound: set when a call went unanswered for its whole bound. */
interface Watch {
  over?: EngineBound;
}

/**
 * A Docker Engine API client for a host, spoken through the host's pooled SSH session: each HTTP
 * connection is a `docker system dial-stdio` channel, so no port of the daemon is exposed and the
 * host key check of the session applies. Runs through sudo when the session does. Every call is
 * bounded: a channel with no traffic for the host's `engineApiTimeout` is ended (dockerd stopped
 * or stalled) and the call fails.
 */
export async function dockerApi(spec: ConnectionSpec): Promise<Docker> {
  const session = await SshSession.for(spec);
  const limit: EngineBound = { seconds: boundSeconds(spec, "engineApiTimeout"), bound: "engineApiTimeout" };
  const watch: Watch = {};
  return clientOver(session, limit, watch);
}

function clientOver(session: SshSession, limit: EngineBound, watch: Watch): Docker {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _opts: unknown,
    done: (err: Error | null, socket?: Duplex) => void,
  ) => {
    session.stream("docker system dial-stdio", { what: "Engine API" }).then(
      (channel) => done(null, boundedSocket(channel, session.target, limit, watch)),
      (err: Error) => done(err),
    );
    return undefined;
  };
  return new Docker({ protocol: "http", host: "docker", port: 80, agent } as unknown as Docker.DockerOptions);
}

/**
 * The channel as the socket http expects, with an idle bound of its own: no byte in either
 * direction for the bound's seconds ends the channel (the remote dial-stdio is signalled) and
 * fails the request with a TimedOutError. http's own `setTimeout` calls are accepted and ignored:
 * this bound applies whatever the caller asks.
 */
function boundedSocket(channel: ClientChannel, target: string, limit: EngineBound, watch: Watch): Duplex {
  const socket = channel as unknown as Duplex & Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      watch.over = limit;
      const err = new TimedOutError(target, "Engine API", limit.seconds, limit.bound, didNotOf(limit.bound));
      endChannel(channel);
      // ssh2's destroy() drops its error and says nothing until sshd confirms the close, which a
      // dial-stdio blocked on a stopped dockerd never lets it do: http is told here, at the bound.
      socket.emit("error", err);
      socket.emit("close", true);
    }, limit.seconds * 1000);
  };
  arm();
  channel.on("data", arm);
  const write = channel.write.bind(channel) as (...a: unknown[]) => boolean;
  (socket as unknown as { write: (...a: unknown[]) => boolean }).write = (...a: unknown[]) => {
    arm();
    return write(...a);
  };
  channel.once("close", () => clearTimeout(timer));
  // http expects a socket; these are the socket calls it makes.
  socket.setTimeout = () => socket;
  socket.setNoDelay ??= () => socket;
  socket.setKeepAlive ??= () => socket;
  socket.ref ??= () => socket;
  socket.unref ??= () => socket;
  return socket;
}

/** What did not happen in time, by the bound that ran out. */
function didNotOf(bound: TimeBoundName): string {
  return bound === "pullTimeout" ? "the pull did not finish" : "the Docker engine did not answer";
}

/** Options of `withEngine`. */
export interface WithEngineOptions {
  /**
   * The bound of each call instead of the host's `engineApiTimeout` (a pull waits on a registry
   * and is bounded by `pullTimeout`).
   */
  bound?: TimeBoundName;
}

/**
 * Runs `fn` against the host's Engine API and turns what can go wrong into errors that say where
 * and what: a call that got no answer within its bound becomes a TimedOutError naming the step
 * and the bound; nothing answering at the other end of the channel (`socket hang up`) an
 * EngineUnavailableError with the reasons the host shows (dockerd missing, docker.service
 * stopped, socket masked...); any other refusal of the engine a RemoteError naming `step`.
 * Errors of the SSH layer (unreachable, host key) pass through as they are.
 */
export async function withEngine<T>(
  spec: ConnectionSpec,
  step: string,
  fn: (docker: Docker, boundBy: (bound: TimeBoundName) => Docker) => Promise<T>,
  opts: WithEngineOptions = {},
): Promise<T> {
  const session = await SshSession.for(spec);
  const bound = opts.bound ?? "engineApiTimeout";
  const limit: EngineBound = { seconds: boundSeconds(spec, bound), bound };
  const watch: Watch = {};
  try {
    // `boundBy` gives a client whose calls have another bound (a pull: `pullTimeout`).
    const boundBy = (b: TimeBoundName) => clientOver(session, { seconds: boundSeconds(spec, b), bound: b }, watch);
    return await fn(clientOver(session, limit, watch), boundBy);
  } catch (e) {
    if (watch.over) throw new TimedOutError(session.target, step, watch.over.seconds, watch.over.bound, didNotOf(watch.over.bound));
    if (e instanceof RemoteError) throw e;
    if (isConnectionFailure(e)) {
      const out = await session.exec(renderEngineDiagnosis(), { allowFailure: true, what: "diagnosing the Docker engine" });
      throw new EngineUnavailableError(session.target, step, parseEngineDiagnosis(out.stdout));
    }
    throw new RemoteError(session.target, `${step}: the Docker engine refused: ${engineSaid(e)}`, "DOCKYARD_ENGINE_REFUSED");
  }
}
