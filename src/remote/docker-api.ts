import * as http from "node:http";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import { parseEngineDiagnosis, renderEngineDiagnosis } from "../scripts/engine-health";
import type { ConnectionSpec } from "./connection-spec";
import { EngineUnavailableError, RemoteError, engineSaid, isConnectionFailure } from "./errors";
import { SshSession } from "./ssh-session";

/**
 * A Docker Engine API client for a host, spoken through the host's pooled SSH session: each HTTP
 * connection is a `docker system dial-stdio` channel, so no port of the daemon is exposed and the
 * host key check of the session applies. Runs through sudo when the session does.
 */
export async function dockerApi(spec: ConnectionSpec): Promise<Docker> {
  return clientOver(await SshSession.for(spec));
}

function clientOver(session: SshSession): Docker {
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _opts: unknown,
    done: (err: Error | null, socket?: Duplex) => void,
  ) => {
    session.stream("docker system dial-stdio", { what: "Engine API" }).then(
      (channel) => {
        // http expects a socket; these are the socket calls it makes.
        const socket = channel as unknown as Duplex & Record<string, unknown>;
        socket.setTimeout ??= () => socket;
        socket.setNoDelay ??= () => socket;
        socket.setKeepAlive ??= () => socket;
        socket.ref ??= () => socket;
        socket.unref ??= () => socket;
        done(null, socket);
      },
      (err: Error) => done(err),
    );
    return undefined;
  };
  return new Docker({ protocol: "http", host: "docker", port: 80, agent } as unknown as Docker.DockerOptions);
}

/**
 * Runs `fn` against the host's Engine API and turns what can go wrong into errors that say where
 * and what: nothing answering at the other end of the channel (`socket hang up`) becomes an
 * EngineUnavailableError with the reasons the host shows (dockerd missing, docker.service
 * stopped, socket masked...), any other refusal of the engine a RemoteError naming `step`.
 * Errors of the SSH layer (unreachable, host key) pass through as they are.
 */
export async function withEngine<T>(spec: ConnectionSpec, step: string, fn: (docker: Docker) => Promise<T>): Promise<T> {
  const session = await SshSession.for(spec);
  try {
    return await fn(clientOver(session));
  } catch (e) {
    if (e instanceof RemoteError) throw e;
    if (isConnectionFailure(e)) {
      const out = await session.exec(renderEngineDiagnosis(), { allowFailure: true, what: "diagnosing the Docker engine" });
      throw new EngineUnavailableError(session.target, step, parseEngineDiagnosis(out.stdout));
    }
    throw new RemoteError(session.target, `${step}: the Docker engine refused: ${engineSaid(e)}`, "DOCKYARD_ENGINE_REFUSED");
  }
}
