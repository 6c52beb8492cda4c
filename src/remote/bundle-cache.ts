import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DockyardError } from "../model/error-codes";

/** sha256 (hex) of a local file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

function cacheDir(): string {
  return path.join(process.env.DOCKYARD_CACHE ?? path.join(os.homedir(), ".cache", "dockyard"), "bundles");
}

/**
 * A local copy of a bundle, checked against its sha256 before any host sees it. A URL is fetched
 * by the machine running Pulumi (never by the hosts) into a cache keyed by checksum, once.
 */
export async function localBundle(source: { path?: string; url?: string }, sha256: string): Promise<string> {
  if (source.path) {
    if (!existsSync(source.path)) throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `bundle ${source.path} does not exist`);
    const got = await sha256OfFile(source.path);
    if (got !== sha256)
      throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `bundle ${source.path} has sha256 ${got}, not the bundleSha256 given (${sha256})`);
    return source.path;
  }
  if (!source.url) throw new DockyardError("DOCKYARD_BUNDLE_INVALID", "bundle: neither a path nor a URL was given");
  const dir = cacheDir();
  const file = path.join(dir, `${sha256}.tgz`);
  if (existsSync(file) && (await sha256OfFile(file)) === sha256) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  const res = await fetch(source.url);
  if (!res.ok || !res.body) throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `bundle ${source.url}: HTTP ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(tmp));
  const got = await sha256OfFile(tmp);
  if (got !== sha256) {
    rmSync(tmp, { force: true });
    throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `bundle ${source.url} has sha256 ${got}, not the bundleSha256 given (${sha256})`);
  }
  renameSync(tmp, file);
  return file;
}
