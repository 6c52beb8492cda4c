import test from "ava";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { download } from "../../src/remote/bundle-cache";

/** A local server; `handler` decides what each request gets. Closed after the test. */
async function serve(t: { teardown(fn: () => void): void }, handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function tmpFile(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-download-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, "bundle.part");
}

test("a server that accepts and never answers ends the download within its bound, leaving no file", async (t) => {
  const base = await serve(t, () => undefined);
  const file = tmpFile(t);
  const started = Date.now();
  const err = await t.throwsAsync(download(`${base}/docker.tgz`, file, 1));
  t.regex(err.message, /no data for 1 s \(bound: DEFAULT_DOWNLOAD_TIMEOUT_SECONDS\)/);
  t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  t.false(existsSync(file));
});

test("a download that stalls halfway ends within its bound and removes the partial file", async (t) => {
  const base = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": "1000" });
    res.write("x".repeat(100));
  });
  const file = tmpFile(t);
  const err = await t.throwsAsync(download(`${base}/docker.tgz`, file, 1));
  t.regex(err.message, /no data for 1 s/);
  t.false(existsSync(file));
});

test("URL credentials go in an Authorization header, never into a message", async (t) => {
  const base = await serve(t, (req, res) => {
    const ok = req.headers.authorization === `Basic ${Buffer.from("ops:S3cret pass").toString("base64")}`;
    res.writeHead(ok ? 200 : 401).end(ok ? "bundle-bytes" : "");
  });
  const file = tmpFile(t);
  const withCreds = base.replace("http://", "http://ops:S3cret%20pass@");
  await download(`${withCreds}/docker.tgz`, file);
  t.is(readFileSync(file, "utf8"), "bundle-bytes");
  const refused = await t.throwsAsync(download(`${base.replace("http://", "http://ops:wrongS3cret@")}/docker.tgz`, file));
  t.regex(refused.message, /HTTP 401/);
  t.false(refused.message.includes("S3cret"), refused.message);
  t.false(existsSync(file));
});
