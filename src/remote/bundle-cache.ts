import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DEFAULT_DOWNLOAD_TIMEOUT_SECONDS } from "../model/defaults";
import { DockyardError } from "../model/error-codes";
import { maskUrl, splitUrlCredentials } from "../model/url-credentials";

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
export async function localBundle(
  source: { path?: string; url?: string },
  sha256: string,
  // The fields the messages name: the engine bundle's by default, the compose plugin's for it.
  field: { name: string; sha: string; ext: string } = { name: "bundle", sha: "bundleSha256", ext: ".tgz" },
): Promise<string> {
  if (source.path) {
    if (!existsSync(source.path)) throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `${field.name} ${source.path} does not exist`);
    const got = await sha256OfFile(source.path);
    if (got !== sha256)
      throw new DockyardError(
        "DOCKYARD_BUNDLE_INVALID",
        `${field.name} ${source.path} has sha256 ${got}, not the ${field.sha} given (${sha256})`,
      );
    return source.path;
  }
  if (!source.url) throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `${field.name}: neither a path nor a URL was given`);
  const dir = cacheDir();
  const file = path.join(dir, `${sha256}${field.ext}`);
  if (existsSync(file) && (await sha256OfFile(file)) === sha256) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.part`;
  await download(source.url, tmp);
  const got = await sha256OfFile(tmp);
  if (got !== sha256) {
    rmSync(tmp, { force: true });
    throw new DockyardError(
      "DOCKYARD_BUNDLE_INVALID",
      `${field.name} ${maskUrl(source.url)} has sha256 ${got}, not the ${field.sha} given (${sha256})`,
    );
  }
  renameSync(tmp, file);
  return file;
}

/**
 * Fetches a URL into a file. Credentials in the URL go in an Authorization header (fetch refuses
 * them in the URL) and never into a message. Bounded like the hosts' downloads: the request, and
 * every stretch without a byte, may take at most DEFAULT_DOWNLOAD_TIMEOUT_SECONDS, so a server
 * that accepts and never answers ends the run; the partial file is removed.
 */
export async function download(url: string, file: string, stallSeconds = DEFAULT_DOWNLOAD_TIMEOUT_SECONDS): Promise<void> {
  const { url: bare, username, password } = splitUrlCredentials(url);
  const shown = maskUrl(url);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), stallSeconds * 1000);
  };
  const headers: Record<string, string> =
    username === undefined ? {} : { authorization: `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}` };
  arm();
  try {
    const res = await fetch(bare, { headers, signal: abort.signal });
    if (!res.ok || !res.body) throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `bundle ${shown}: HTTP ${res.status}`);
    const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
    body.on("data", arm);
    await pipeline(body, createWriteStream(file));
  } catch (e) {
    rmSync(file, { force: true });
    if (abort.signal.aborted) {
      throw new DockyardError(
        "DOCKYARD_BUNDLE_INVALID",
        `bundle ${shown}: no data for ${stallSeconds} s (bound: DEFAULT_DOWNLOAD_TIMEOUT_SECONDS)`,
      );
    }
    if (e instanceof DockyardError) throw e;
    // fetch's own message can quote the URL it was given: only the masked one is shown.
    throw new DockyardError("DOCKYARD_BUNDLE_INVALID", `bundle ${shown}: the download failed (${(e as Error).name})`);
  } finally {
    clearTimeout(timer);
  }
}
