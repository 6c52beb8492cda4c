import * as http from "node:http";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import type { ConnectionSpec } from "./connection-spec";
import { SshSession } from "./ssh-session";

/**
 * A Docker Engine API client for a host, spoken through the host's pooled SSH session: each HTTP
 * connection is a `docker system dial-stdio` channel, so no port of the daemon is exposed and the
 * host key check of the session applies. Runs through sudo when the session does.
 */
export async function dockerApi(spec: ConnectionSpec): Promise<Docker> {
  const session = await SshSession.for(spec);
  const agent = new http.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _opts: unknown,
    done: (err: Error | null, socket?: Duplex) => void,
  ) => {
    session.stream("docker system dial-stdio").then(
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
