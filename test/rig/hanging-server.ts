import * as http from "node:http";
import type * as net from "node:net";
import type { Rig, RigHost } from "./rig";

/** A server on this machine that accepts and never answers, reachable from the rig hosts. */
export interface HangingServer {
  /** `http://<this machine on the rig network>:<port>`. */
  url: string;
  /** Connections it holds open, unanswered, now. */
  held(): number;
  close(): void;
}

/**
 * An HTTP server that accepts every request and never answers it, except (with `answerPing`) the
 * registry's `GET /v2/`, so dockerd takes it for a live mirror and waits on the image itself.
 * Reached from `h` through its default gateway, this machine's end of the rig network.
 */
export async function startHangingServer(rig: Rig, h: RigHost, opts: { answerPing?: boolean } = {}): Promise<HangingServer> {
  const held = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (opts.answerPing && req.url === "/v2/") {
      res.writeHead(200, { "content-type": "application/json", "docker-distribution-api-version": "registry/2.0" });
      res.end("{}");
      return;
    }
    held.add(req.socket);
    req.socket.on("close", () => held.delete(req.socket));
  });
  server.on("clientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const gateway = (await rig.exec(h, "ip route 2>/dev/null | awk '/^default/ {print $3; exit}'")).trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gateway)) throw new Error(`the rig host has no default route (got ${JSON.stringify(gateway)})`);
  return {
    url: `http://${gateway}:${port}`,
    held: () => held.size,
    close() {
      for (const s of held) s.destroy();
      server.close();
    },
  };
}
