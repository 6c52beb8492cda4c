import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { docker } from "./docker-cli";
import { RIG_NETWORK, smallImageTags } from "./rig";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The HTTP status of a GET (0 when nothing answers within 2 s). */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(0));
  });
}

/** `["a=1", "b=2"]` or `["--label", "a=1", ...]` (as the rig passes them) -> docker run arguments. */
function labelArgs(labels: string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === "--label" || labels[i] === "-l") args.push("--label", labels[++i] ?? "");
    else if (labels[i].startsWith("--label=")) args.push(labels[i]);
    else args.push("--label", labels[i]);
  }
  return args;
}

export interface FileServerOptions {
  /** The container's name (`dyr-<runId>-...`). */
  container: string;
  /** The directory served, read-only, at the server's root. */
  dir: string;
  /** The rig's labels for the container. */
  labels: string[];
  /** A path under the root that must answer before the server counts as up. */
  probePath: string;
  /** Basic auth on the paths under `prefix` (busybox httpd's `/prefix:user:password`). */
  auth?: { prefix: string; user: string; password: string };
  /** Keep a server of the same name already up on the same image and directory (its address stays). */
  keep?: boolean;
}

/**
 * A directory served over plain HTTP on the rig network by the rig's nginx stand-in (busybox
 * httpd): the package mirrors and bundle servers of the tests. Resolves with `http://<address>`
 * once `probePath` answers (200, or 401 behind `auth`). Needs the rig's images and network.
 */
export async function serveDirectory(opts: FileServerOptions): Promise<{ container: string; base: string }> {
  const image = smallImageTags().nginx;
  const { container, dir } = opts;
  const current = opts.keep
    ? (
        await docker(["inspect", "-f", "{{.State.Running}} {{.Config.Image}} {{range .Mounts}}{{.Source}}{{end}}", container]).catch(
          () => "",
        )
      ).trim()
    : "";
  if (current !== `true ${image} ${dir}`) {
    const present = await docker(["image", "inspect", image]).then(
      () => true,
      () => false,
    );
    if (!present) throw new Error(`rig: image ${image} is missing; start a rig (Rig.start) before a file server`);
    await docker(["rm", "-f", "-v", container]).catch(() => undefined);
    const cmd = opts.auth ? ["httpd", "-f", "-v", "-p", "80", "-h", "/usr/share/nginx/html", "-c", "/etc/httpd.conf"] : [];
    const mount = ["-v", `${dir}:/usr/share/nginx/html:ro`];
    await docker(["create", "--name", container, ...labelArgs(opts.labels), "--network", RIG_NETWORK, ...mount, image, ...cmd]);
    if (opts.auth) {
      // The credentials go into the container, never into a file left on this machine.
      const conf = mkdtempSync(path.join(tmpdir(), "dockyard-file-server-"));
      try {
        writeFileSync(path.join(conf, "httpd.conf"), `${opts.auth.prefix}:${opts.auth.user}:${opts.auth.password}\n`, { mode: 0o600 });
        await docker(["cp", path.join(conf, "httpd.conf"), `${container}:/etc/httpd.conf`]);
      } finally {
        rmSync(conf, { recursive: true, force: true });
      }
    }
    await docker(["start", container]);
  }
  const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${RIG_NETWORK}").IPAddress}}`, container])).trim();
  if (!ip) throw new Error(`rig: ${container} has no address on ${RIG_NETWORK}`);
  const base = `http://${ip}`;
  const want = opts.auth ? 401 : 200;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await httpStatus(`${base}${opts.probePath}`);
    if (status === want) return { container, base };
    if (Date.now() > deadline) {
      const logs = await docker(["logs", "--tail", "20", container]).catch(() => "");
      throw new Error(
        `rig: file server ${container} did not answer ${want} at ${base}${opts.probePath} within 30 s (last ${status})\n${logs}`,
      );
    }
    await sleep(200);
  }
}
