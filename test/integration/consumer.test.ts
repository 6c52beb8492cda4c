// The door of a team that imports Dockyard from npm: the packed tarball installed into a Pulumi
// project of its own, beside its own @pulumi/pulumi (the newest tested and the lowest supported),
// driven by the `pulumi` CLI on that project's directory: up, preview --expect-no-changes,
// refresh, destroy. Each project installs one host online from the repository mirror and one
// offline from the bundle, sets the registry mirror, pulls nginx through it and runs it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { PulumiCli } from "../../scripts/pulumi-cli";
import { ensureDockerPackages, startPackageServer, type DockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, SANDBOX_PASSPHRASE } from "./support/engine";
import { writeUserProject } from "./support/user-project";

const REPO = path.resolve(__dirname, "..", "..");
/** The range package.json's peerDependencies give, at both ends. */
const SDK_VERSIONS = { lowest: "3.259.0", newest: "3.276.0" } as const;

let rig: Rig;
let pkgs: DockerPackages;
let repoMirror: string;
let repoKeyFingerprint: string;
let tarball: string;
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-consumer-"));

test.before(async () => {
  await pulumiEngine();
  // --ignore-scripts: pack the build scripts/setup made; prepack's clean rebuild would pull dist/
  // out from under the tests running beside this one.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: REPO, encoding: "utf8" }),
  );
  tarball = path.join(work, packed[0].filename as string);
  rig = await Rig.start({ hosts: 4, registry: true });
  let server: { baseUrl: string; keyFingerprint: string };
  [server, pkgs] = await Promise.all([startPackageServer(rig.runId, rig.labels()), ensureDockerPackages(), rig.pushNginx()]);
  repoMirror = server.baseUrl;
  repoKeyFingerprint = server.keyFingerprint;
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A user's program: nothing of this repository but the package. */
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { Container, DaemonConfig, DockerEngine, Host, Image } from "pulumi-dockyard";

const cfg = new pulumi.Config();
const privateKey = cfg.requireSecret("sshPrivateKey");
const host = (name: string) =>
  new Host(name, { address: cfg.require(name + "Address"), hostKey: cfg.require(name + "HostKey"), privateKey });

const engines = [
  new DockerEngine("online-docker", {
    host: host("online"),
    mirror: cfg.require("repoMirror"),
    mirrorKeyFingerprint: cfg.require("repoKeyFingerprint"),
    allowInsecureHttp: true,
    version: "25.0.3",
    uninstallOnDelete: true,
  }),
  new DockerEngine("offline-docker", {
    host: host("offline"),
    method: "offline",
    bundle: new pulumi.asset.FileAsset(cfg.require("bundle")),
    bundleSha256: cfg.require("bundleSha256"),
    uninstallOnDelete: true,
  }),
];

export const hosts = engines.map((engine, i) => {
  const daemon = new DaemonConfig("daemon-" + i, { engine, registryMirrors: [cfg.require("registryMirror")] });
  const image = new Image("nginx-" + i, { engine, ref: "nginx" }, { dependsOn: [daemon] });
  const web = new Container("web-" + i, { engine, name: "nginx-container", image, ports: ["80:80"] });
  return { docker: engine.version, mirrors: daemon.effectiveMirrors, digest: image.digest, state: web.state };
});
`;

/** Writes the project and installs it as a user would: the tarball beside its own SDK. */
function makeProject(name: string, sdk: string): string {
  const dir = path.join(work, name);
  writeUserProject(dir, { name, tarball, sdk, program: PROGRAM, withPlugin: true });
  return dir;
}

/** Every copy of @pulumi/pulumi in a project's node_modules, nested ones included. */
function sdkCopies(dir: string): string[] {
  const found: string[] = [];
  const walk = (nm: string) => {
    let entries: string[];
    try {
      entries = readdirSync(nm);
    } catch {
      return;
    }
    for (const e of entries) {
      const scoped = e.startsWith("@") ? readdirSync(path.join(nm, e)).map((s) => `${e}/${s}`) : [e];
      for (const pkg of scoped) {
        const at = path.join(nm, pkg);
        if (pkg === "@pulumi/pulumi") found.push(path.relative(dir, at));
        walk(path.join(at, "node_modules"));
      }
    }
  };
  walk(path.join(dir, "node_modules"));
  return found;
}

async function answers(h: RigHost): Promise<number> {
  const res = await fetch(`http://${h.address}:80/`);
  await res.text();
  return res.status;
}

for (const [which, sdk] of Object.entries(SDK_VERSIONS)) {
  test(`the packed package in a project of its own with @pulumi/pulumi ${sdk} (${which}): one SDK in the tree; up, preview --expect-no-changes, refresh and destroy through the CLI`, async (t) => {
    const [online, offline] = which === "lowest" ? rig.hosts.slice(0, 2) : rig.hosts.slice(2, 4);
    const dir = makeProject(`consumer-${which}`, sdk);
    t.deepEqual(sdkCopies(dir), ["node_modules/@pulumi/pulumi"], "exactly one @pulumi/pulumi, the project's own");

    const backend = path.join(work, `state-${which}`);
    mkdirSync(backend);
    const cli = new PulumiCli({ cwd: dir, stack: "dev", backendUrl: `file://${backend}`, passphrase: SANDBOX_PASSPHRASE });
    await cli.selectOrCreate();
    await cli.setConfig({
      sshPrivateKey: { value: rig.privateKey, secret: true },
      onlineAddress: { value: online.address },
      onlineHostKey: { value: online.hostKey },
      offlineAddress: { value: offline.address },
      offlineHostKey: { value: offline.hostKey },
      repoMirror: { value: repoMirror },
      repoKeyFingerprint: { value: repoKeyFingerprint },
      bundle: { value: pkgs.bundle },
      bundleSha256: { value: pkgs.bundleSha256 },
      registryMirror: { value: `http://${rig.registry!.address}` },
    });

    const up = await cli.run(["up", "--yes"]);
    t.is(up.code, 0, `pulumi up:\n${up.stdout.slice(-3000)}\n${up.stderr}`);
    const hosts = (await cli.outputs()).hosts as { docker: string; mirrors: string[]; digest: string; state: string }[];
    t.is(hosts.length, 2);
    for (const h of hosts) {
      t.deepEqual(h.mirrors, [`http://${rig.registry!.address}/`], "docker info shows the mirror");
      t.regex(h.digest, /^sha256:[0-9a-f]{64}$/);
      t.is(h.state, "running");
    }
    t.regex(await rig.exec(online, "dpkg-query -W -f='${Version}' docker-ce"), /^5:25\.0\.3-1/, "online: docker-ce 25.0.3 from the mirror");
    for (const h of [online, offline]) t.is(await answers(h), 200, `${h.name} answers on port 80`);
    t.false(up.stdout.includes(rig.privateKey.split("\n")[1]), "the SSH key is not in the output of up");

    const preview = await cli.run(["preview", "--expect-no-changes"]);
    t.is(preview.code, 0, `preview after up found changes:\n${preview.stdout.slice(-3000)}\n${preview.stderr}`);
    const refresh = await cli.run(["refresh", "--yes", "--expect-no-changes"]);
    t.is(refresh.code, 0, `refresh after up found drift:\n${refresh.stdout.slice(-3000)}\n${refresh.stderr}`);

    const destroy = await cli.run(["destroy", "--yes"]);
    t.is(destroy.code, 0, `pulumi destroy:\n${destroy.stdout.slice(-3000)}\n${destroy.stderr}`);
    for (const h of [online, offline]) {
      t.is((await rig.exec(h, "command -v dockerd || true")).trim(), "", `${h.name}: the engine is removed (uninstallOnDelete)`);
    }
  });
}
