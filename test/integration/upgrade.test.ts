// Upgrading loses nothing: a stack made by the previous release (0.3.0, every resource a dynamic
// one) in a project of its own is upgraded to this package, which serves its resources from the
// plugin. The first `pulumi up` after the upgrade changes no resource and runs nothing on the host
// but the read every up makes;
// then preview --expect-no-changes, refresh and destroy work on the moved resources.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { PulumiCli } from "../../scripts/pulumi-cli";
import { PREVIOUS_RELEASE, previousReleaseTarball } from "../rig/previous-release";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, SANDBOX_PASSPHRASE } from "./support/engine";
import { writeUserProject } from "./support/user-project";

const REPO = path.resolve(__dirname, "..", "..");
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-upgrade-"));
let rig: Rig;
let previous: string;
let current: string;

test.before(async () => {
  await pulumiEngine();
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: REPO, encoding: "utf8" }),
  );
  current = path.join(work, packed[0].filename as string);
  [previous, rig] = await Promise.all([previousReleaseTarball(), Rig.start({ hosts: 1, registry: true })]);
  await rig.pushNginx();
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

// The program both releases run unchanged: an engine, its daemon settings, an image pulled through
// the registry mirror, a network, a volume and a container using them.
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { Container, DaemonConfig, DockerEngine, Host, Image, Network, Volume } from "pulumi-dockyard";

const cfg = new pulumi.Config();
const host = new Host("web", { address: cfg.require("address"), hostKey: cfg.require("hostKey"), privateKey: cfg.requireSecret("sshPrivateKey") });
const engine = new DockerEngine("docker", { host, source: "distro" });
const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [cfg.require("registryMirror")] });
const image = new Image("nginx", { engine, ref: "nginx" }, { dependsOn: [daemon] });
const network = new Network("front", { engine, name: "front" });
const volume = new Volume("data", { engine, name: "web-data" });
const web = new Container("web", {
  engine,
  name: "web",
  image,
  ports: ["80:80"],
  networks: [{ network }],
  volumes: [{ volume, target: "/data" }],
});
export const state = web.state;
export const version = engine.version;
`;

function writeProject(dir: string, tarball: string, withPlugin: boolean): void {
  writeUserProject(dir, { name: "upgrade", tarball, sdk: "3.259.0", program: PROGRAM, withPlugin });
}

/** What on the host would change if anything ran: the container, dockerd, daemon.json, the network and volume. */
const FINGERPRINT =
  "docker inspect -f '{{.Id}} {{.State.StartedAt}}' web; pidof dockerd; sha256sum /etc/docker/daemon.json; " +
  "docker network inspect -f '{{.Id}}' front; docker volume inspect -f '{{.CreatedAt}}' web-data; docker image ls -q --no-trunc";

const traceEvents = (file: string): { kind: string; what?: string; host: string }[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { kind: string; what?: string; host: string })
    : [];

test(`a stack made by ${PREVIOUS_RELEASE.version} upgrades without replacing or running anything; then preview, refresh and destroy work`, async (t) => {
  const h: RigHost = rig.hosts[0];
  const dir = path.join(work, "project");
  writeProject(dir, previous, false);
  const cli = new PulumiCli({ cwd: dir, stack: "dev", backendUrl: `file://${path.join(work, "state")}`, passphrase: SANDBOX_PASSPHRASE });
  mkdirSync(path.join(work, "state"));
  await cli.selectOrCreate();
  await cli.setConfig({
    sshPrivateKey: { value: rig.privateKey, secret: true },
    address: { value: h.address },
    hostKey: { value: h.hostKey },
    registryMirror: { value: `http://${rig.registry!.address}` },
  });
  const made = await cli.run(["up", "--yes"]);
  t.is(made.code, 0, `up with ${PREVIOUS_RELEASE.version}:\n${made.stdout.slice(-3000)}\n${made.stderr}`);
  const exported = (await cli.ok(["stack", "export"])).stdout;
  t.true(exported.includes("pulumi-nodejs:dynamic/dockyard:Container"), "the old stack holds dynamic resources");
  const before = await rig.exec(h, FINGERPRINT);

  // The upgrade, as the CHANGELOG says: the new package and the plugins line.
  writeProject(dir, current, true);
  const trace = path.join(work, "upgrade-trace.jsonl");
  const upgraded = await cli.run(["up", "--yes"], { env: { DOCKYARD_TRACE: trace } });
  t.is(upgraded.code, 0, `first up after the upgrade:\n${upgraded.stdout.slice(-3000)}\n${upgraded.stderr}`);
  // Host, DaemonConfig, Image and Container are now the resource each managed: their old
  // components leave the state (a component's delete runs nothing); every resource moves by alias.
  t.deepEqual(await cli.lastChanges(), { delete: 4 }, `the first up changed resources:\n${upgraded.stdout.slice(-3000)}`);
  const typesOf = (exportText: string) =>
    (JSON.parse(exportText) as { deployment: { resources: { type: string }[] } }).deployment.resources.map((r) => r.type);
  const wrappers = ["dockyard:host:Host", "dockyard:engine:DaemonConfig", "dockyard:workload:Image", "dockyard:workload:Container"];
  t.deepEqual(
    typesOf(exported)
      .filter((ty) => wrappers.includes(ty))
      .sort(),
    [...wrappers].sort(),
    "the old stack has the four components",
  );
  const afterUp = typesOf((await cli.ok(["stack", "export"])).stdout);
  t.deepEqual(
    afterUp.filter((ty) => wrappers.includes(ty)),
    [],
    "the four components were the deleted ones",
  );
  t.is(
    afterUp.filter((ty) => ty.startsWith("dockyard:index:")).length,
    typesOf(exported).filter((ty) => ty.startsWith("pulumi-nodejs:dynamic/")).length,
    "every resource is kept",
  );
  const events = traceEvents(trace);
  t.true(
    events.some((e) => e.kind === "op" && e.what === "container.diff"),
    "the plugin compared the container (the trace is on)",
  );
  t.deepEqual(
    events.filter((e) => e.kind === "op" && /\.(create|update|delete)$/.test(e.what ?? "")).map((e) => e.what),
    [],
    "no resource was created, updated or deleted",
  );
  // A no-op up reads each host once (facts, engine, daemon: what drift checks compare); nothing else runs.
  const ran = events.filter((e) => e.kind === "exec").map((e) => e.what ?? "");
  t.true(ran.length > 0, "the host was read (the trace sees execs)");
  t.deepEqual(
    ran.filter((what) => !what.startsWith("reading the host")),
    [],
    "nothing but the host read ran on the host",
  );
  t.is(await rig.exec(h, FINGERPRINT), before, "the host is as it was");
  const state = (await cli.ok(["stack", "export"])).stdout;
  t.false(state.includes("pulumi-nodejs:dynamic/"), "every resource moved to the plugin's types");
  t.true(state.includes('"type": "dockyard:index:Container"'));

  const preview = await cli.run(["preview", "--expect-no-changes"]);
  t.is(preview.code, 0, `preview after the upgrade:\n${preview.stdout.slice(-3000)}\n${preview.stderr}`);
  const refresh = await cli.run(["refresh", "--yes", "--expect-no-changes"]);
  t.is(refresh.code, 0, `refresh after the upgrade:\n${refresh.stdout.slice(-3000)}\n${refresh.stderr}`);
  const res = await fetch(`http://${h.address}:80/`);
  t.is(res.status, 200, "nginx still serves");

  const destroy = await cli.run(["destroy", "--yes"]);
  t.is(destroy.code, 0, `destroy after the upgrade:\n${destroy.stdout.slice(-3000)}\n${destroy.stderr}`);
  t.is((await rig.exec(h, "docker ps -aq --filter name=^web$")).trim(), "", "the container is gone");
  t.is((await rig.exec(h, "docker network ls -q --filter name=^front$")).trim(), "", "the network is gone");
});
