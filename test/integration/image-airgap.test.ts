import test from "ava";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { Container, Image } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { ensureInternalNetwork, fetchWithin, Rig, type RigHost, smallImageTags } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

// One host on an `--internal` network: no route to the rig's registry or anywhere else, reached
// by this machine over SSH only. Its engine comes from the offline bundle; nginx comes twice,
// from a `docker save` archive made here and copied by this machine from the rig's registry.
const run = promisify(execFile);
let rig: Rig;
let pkgs: DockerPackages;
let air: RigHost;
let archive: string;
let archiveSha256: string;
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-airgap-"));
const ARCHIVE_REF = "airgap/web:archive";
const COPY_REF = "airgap/web:copy";
const URL_REF = "airgap/web:url";
const DIR_REF = "airgap/web:dir";

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 0, registry: true }), ensureDockerPackages()]);
  const network = await ensureInternalNetwork(rig, "airgap");
  [air] = await Promise.all([rig.addHost("air1", { network }), rig.pushNginxVariant("airgap", "copied by the controller")]);
  // The archive case: `docker save` of the rig's nginx stand-in under the reference the host will know.
  archive = path.join(work, "web.tar");
  await run("docker", ["tag", smallImageTags().nginx, ARCHIVE_REF]);
  await run("docker", ["save", "-o", archive, ARCHIVE_REF]);
  await run("docker", ["rmi", ARCHIVE_REF]);
  archiveSha256 = createHash("sha256").update(readFileSync(archive)).digest("hex");
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The `what` of every remote step a trace file recorded. */
function steps(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { what?: string }).what ?? "");
}

async function status(port: number): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetchWithin(`http://${air.address}:${port}/`, 5000)).status;
    } catch (e) {
      if (i >= 10) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

test.serial(
  "a host with no route to a registry gets nginx by archive and by controller copy; a second up uploads nothing; a removed image is loaded again from the kept archive",
  async (t) => {
    // First, the proof: the host reaches no registry (not even the rig's, which this machine reaches).
    const reach = await rig.exec(air, `curl -s -m 5 -o /dev/null http://${rig.registry!.address}/v2/ && echo reached || echo unreachable`);
    t.is(reach.trim(), "unreachable", "the air-gapped host must not reach the registry");

    const { stack, cleanup } = await testStack("dockyard-airgap", "images", async () => {
      const engine = offlineEngine("air1-docker", rig, air, pkgs, { compose: true });
      const fromArchive = new Image("web-archive", { engine, ref: ARCHIVE_REF, source: { archive, sha256: archiveSha256 } });
      const copied = new Image("web-copy", {
        engine,
        ref: COPY_REF,
        source: { controller: true, from: `${rig.registry!.local}/library/nginx:airgap`, insecure: true },
      });
      const a = new Container("web-a", { engine, name: "web-a", image: fromArchive, ports: ["80:80"] });
      const c = new Container("web-c", { engine, name: "web-c", image: copied, ports: ["8081:80"] });
      return { archiveId: fromArchive.digest, copyId: copied.digest, a: a.state, c: c.state, composeVersion: engine.composeVersion };
    });
    try {
      const trace1 = path.join(work, "trace1.jsonl");
      (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = trace1;
      const up = await stack.up();
      t.is(await status(80), 200, "nginx from the archive answers on port 80");
      t.is(await status(8081), 200, "nginx copied by the controller answers on port 8081");
      const page = await rig.exec(air, "curl -s -m 5 http://127.0.0.1:8081/");
      t.regex(page, /copied by the controller/, "port 8081 serves the registry's variant");
      // The engine's bundle (a .tgz) is uploaded too; the images are the .tar archives.
      const uploads1 = steps(trace1).filter((w) => w.startsWith("uploading") && w.endsWith(".tar"));
      t.true(
        uploads1.some((w) => w === "uploading web.tar"),
        `the archive was uploaded (${uploads1.join(", ")})`,
      );
      t.is(uploads1.length, 2, `two archives uploaded, the local one and the controller's copy (${uploads1.join(", ")})`);
      t.not(up.outputs.archiveId.value, up.outputs.copyId.value);
      // The offline engine's compose plugin, from the binary beside the bundle: the CLI finds it, the output says so.
      // (Debian's build reports its package revision: 2.26.1-4.)
      t.regex((await rig.exec(air, "docker compose version --short")).trim(), /^v?2\.26\.1(-\d+)?$/);
      t.regex(String(up.outputs.composeVersion.value), /^v?2\.26\.1(-\d+)?$/, "the engine's composeVersion output");

      // The host cannot pull what it was given: the registry is out of its reach.
      const pull = await rig.exec(
        air,
        `docker pull ${rig.registry!.address}/library/nginx:airgap >/dev/null 2>&1 && echo pulled || echo refused`,
      );
      t.is(pull.trim(), "refused", "a pull from the rig registry fails on the air-gapped host");

      // A second up: nothing to do, nothing uploaded.
      const trace2 = path.join(work, "trace2.jsonl");
      (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = trace2;
      const again = await stack.up();
      t.deepEqual(changesOf(again.summary), {}, "a second up changes nothing");
      t.deepEqual(
        steps(trace2).filter((w) => w.startsWith("uploading")),
        [],
        "a second up uploads nothing",
      );

      // Removed by hand: drift that refresh shows, repaired by up from the kept archive.
      const kept = `/var/lib/dockyard/images/image-${archiveSha256}.tar`;
      const mtime = (await rig.exec(air, `stat -c %Y ${kept}`)).trim();
      await rig.exec(air, `docker rmi -f ${ARCHIVE_REF}`);
      const refresh = await stack.refresh();
      t.true((changesOf(refresh.summary).update ?? 0) >= 1, `refresh shows the drift (${JSON.stringify(refresh.summary.resourceChanges)})`);
      const state = JSON.stringify((await stack.exportStack()).deployment);
      t.true(state.includes(`${ARCHIVE_REF} is not on the host`), "the drift names the removed image");
      const trace3 = path.join(work, "trace3.jsonl");
      (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = trace3;
      await stack.up();
      const repaired = steps(trace3);
      t.true(repaired.includes(`loading image ${ARCHIVE_REF}`), `the image was loaded again (${repaired.join(", ")})`);
      t.deepEqual(
        repaired.filter((w) => w.startsWith("uploading")),
        [],
        "the repair uploads nothing: the host kept the archive",
      );
      t.is((await rig.exec(air, `stat -c %Y ${kept}`)).trim(), mtime, "the kept archive is the one from the first up");
      t.regex(await rig.exec(air, `docker image inspect -f '{{.Id}}' ${ARCHIVE_REF}`), /^sha256:/);
      t.is(await status(80), 200);
    } finally {
      await cleanup();
    }
  },
);

test.serial(
  "an archive this machine fetches from a URL (a RemoteAsset), and a copy taken from a directory of archives: both answer; a second up uploads nothing",
  async (t) => {
    // The URL's archive and the directory's two archives, made here from the rig's stand-ins.
    const served = path.join(work, "served");
    const depot = path.join(work, "depot");
    mkdirSync(served, { recursive: true });
    mkdirSync(depot, { recursive: true });
    const saveAs = async (local: string, ref: string, file: string) => {
      await run("docker", ["tag", local, ref]);
      await run("docker", ["save", "-o", file, ref]);
      await run("docker", ["rmi", ref]);
    };
    await saveAs(smallImageTags().nginx, URL_REF, path.join(served, "web-url.tar"));
    await saveAs(smallImageTags().nginx, DIR_REF, path.join(depot, "web-dir.tar"));
    await saveAs(smallImageTags().registry, "airgap/registry:depot", path.join(depot, "registry.tar"));
    const urlSha256 = createHash("sha256")
      .update(readFileSync(path.join(served, "web-url.tar")))
      .digest("hex");
    // An artifact server this machine reaches and the host does not.
    const server = http.createServer((req, res) => {
      const file = path.join(served, path.basename(req.url ?? ""));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { "content-length": statSync(file).size });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.teardown(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/web-url.tar`;
    // The provider inherits this: what it fetches lands in a cache of the test's own.
    const cache = path.join(work, "cache");
    process.env.DOCKYARD_CACHE = cache;

    const { stack, cleanup } = await testStack("dockyard-airgap", "sources", async () => {
      const engine = offlineEngine("air1-docker", rig, air, pkgs);
      const fromUrl = new Image("web-url", {
        engine,
        ref: URL_REF,
        source: { archive: new pulumi.asset.RemoteAsset(url), sha256: urlSha256, insecure: true },
      });
      const fromDir = new Image("web-dir", { engine, ref: DIR_REF, source: { controller: true, directory: depot } });
      new Container("web-url", { engine, name: "web-url", image: fromUrl, ports: ["8082:80"] });
      new Container("web-dir", { engine, name: "web-dir", image: fromDir, ports: ["8083:80"] });
      return {};
    });
    try {
      const trace1 = path.join(work, "sources1.jsonl");
      (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = trace1;
      await stack.up();
      t.is(await status(8082), 200, "nginx from the fetched archive answers on port 8082");
      t.is(await status(8083), 200, "nginx from the directory's archive answers on port 8083");
      t.true(existsSync(path.join(cache, "bundles", `${urlSha256}.tar`)), "this machine fetched the archive into its cache");
      const uploads = steps(trace1).filter((w) => w.startsWith("uploading") && w.endsWith(".tar"));
      t.is(uploads.length, 2, `the fetched archive and the directory's (${uploads.join(", ")})`);
      t.true(
        uploads.includes("uploading web-dir.tar"),
        `the directory's archive naming ${DIR_REF}, not its neighbour (${uploads.join(", ")})`,
      );
      t.is((await rig.exec(air, "docker image ls -q airgap/registry")).trim(), "", "the directory's other archive stayed here");

      const trace2 = path.join(work, "sources2.jsonl");
      (stack.workspace as LocalWorkspace).envVars.DOCKYARD_TRACE = trace2;
      t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");
      t.deepEqual(
        steps(trace2).filter((w) => w.startsWith("uploading")),
        [],
        "and uploads nothing",
      );
    } finally {
      delete process.env.DOCKYARD_CACHE;
      await cleanup();
    }
  },
);
