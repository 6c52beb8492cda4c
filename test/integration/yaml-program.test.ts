// Dockyard from Pulumi YAML, as a YAML user runs it: each program its own project outside the
// repository (`runtime: yaml`, run by the YAML language host scripts/pulumi-engine builds), the
// plugin installed from its tarball into a fresh PULUMI_HOME with `pulumi plugin install --file`,
// automatic plugin acquisition off, a file state backend, the SSH key set as secret config (on
// stdin). Through the `pulumi` CLI:
// - the guide: a Host, docker-ce installed online from the rig's mirror, a DaemonConfig with the
//   registry mirror, nginx pulled through it and run on port 80 (200), Docker installed offline on
//   a second host from the bundle (an asset and its sha256); no changes after; daemon.json edited
//   and the container stopped by hand, shown by refresh and repaired by one up; destroy;
// - a fleet file deployed by the Fleet component from its path, and the same fleet as the file's
//   text (`fn::readFile`) previewing with no change; destroy.
// The two run side by side on their own hosts.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { packPlugin } from "../../scripts/build-plugin";
import { type CliResult, PulumiCli, pulumiBin } from "../../scripts/pulumi-cli";
import { type DockerPackages, ensureDockerPackages, startPackageServer } from "../rig/package-server";
import { fetchWithin, Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, SANDBOX_PASSPHRASE } from "./support/engine";

const REPO = path.resolve(__dirname, "..", "..");
const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
// Outside the repository: a YAML project needs nothing of it but the installed plugin.
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-yaml-"));
const home = path.join(work, "pulumi-home");
let rig: Rig;
let pkgs: DockerPackages;
let repoMirror: string;
let repoKeyFingerprint: string;

test.before(async () => {
  await pulumiEngine();
  const tarball = packPlugin(path.join(REPO, "plugin"), work);
  execFileSync("pulumi", ["plugin", "install", "resource", "dockyard", version, "--file", tarball, "--non-interactive"], {
    env: { ...process.env, PATH: `${pulumiBin()}:${process.env.PATH ?? ""}`, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
    stdio: "pipe",
    timeout: 120_000,
  });
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 3, registry: true }), ensureDockerPackages()]);
  const [packages] = await Promise.all([startPackageServer(rig.runId, rig.labels()), rig.pushNginx("latest")]);
  ({ baseUrl: repoMirror, keyFingerprint: repoKeyFingerprint } = packages);
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A YAML project of its own under `work`, on a backend of its own, with the installed plugin. */
async function project(name: string, files: Record<string, string>): Promise<{ cli: PulumiCli; dir: string; backend: string }> {
  const dir = path.join(work, name);
  const backend = path.join(work, `state-${name}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(backend, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  const cli = new PulumiCli({
    cwd: dir,
    stack: "dev",
    backendUrl: `file://${backend}`,
    passphrase: SANDBOX_PASSPHRASE,
    // The plugin comes from PULUMI_HOME only: no download, no package registry.
    env: { PULUMI_HOME: home, PULUMI_DISABLE_REGISTRY_RESOLVE: "true" },
  });
  await cli.selectOrCreate();
  return { cli, dir, backend };
}

const tail = (r: CliResult) => `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`;

/** Status of the host's port 80, retried while the container comes up (bounded). */
async function status(h: RigHost): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetchWithin(`http://${h.address}:80/`, 5000)).status;
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The key's own lines (the first is a header every unencrypted ed25519 key shares). */
const keyLines = () =>
  rig.privateKey
    .split("\n")
    .filter((l) => l.length > 40)
    .slice(1);

/** Every file under `dir`. */
const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());

type Deployment = { deployment: { resources?: { type: string; urn: string; outputs?: Record<string, unknown> }[] } };
const resourcesOf = async (cli: PulumiCli) =>
  (JSON.parse((await cli.ok(["stack", "export"])).stdout) as Deployment).deployment.resources ?? [];

// The guide's program. Names and values come from config; the key is a secret.
const GUIDE = `name: dockyard-yaml-guide
runtime: yaml
description: Docker from scratch on two machines, in Pulumi YAML
config:
  privateKey:
    type: string
    secret: true
  onlineAddress:
    type: string
  onlineHostKey:
    type: string
  offlineAddress:
    type: string
  offlineHostKey:
    type: string
  repoMirror:
    type: string
  repoKeyFingerprint:
    type: string
  registryMirror:
    type: string
  bundle:
    type: string
  bundleSha256:
    type: string
resources:
  online:
    type: dockyard:host:Host
    properties:
      address: \${onlineAddress}
      privateKey: \${privateKey}
      hostKey: \${onlineHostKey}
  onlineDocker:
    type: dockyard:engine:DockerEngine
    properties:
      host: \${online}
      method: online
      mirror: \${repoMirror}
      mirrorKeyFingerprint: \${repoKeyFingerprint}
      allowInsecureHttp: true
      version: "25.0.3"
  onlineDaemon:
    type: dockyard:engine:DaemonConfig
    properties:
      engine: \${onlineDocker}
      registryMirrors:
        - \${registryMirror}
  nginx:
    type: dockyard:workload:Image
    properties:
      engine: \${onlineDocker}
      ref: nginx:latest
    options:
      dependsOn:
        - \${onlineDaemon}
  web:
    type: dockyard:workload:Container
    properties:
      engine: \${onlineDocker}
      name: web
      image: \${nginx}
      ports:
        - "80:80"
  offline:
    type: dockyard:host:Host
    properties:
      address: \${offlineAddress}
      privateKey: \${privateKey}
      hostKey: \${offlineHostKey}
  offlineDocker:
    type: dockyard:engine:DockerEngine
    properties:
      host: \${offline}
      method: offline
      bundle:
        fn::fileAsset: \${bundle}
      bundleSha256: \${bundleSha256}
outputs:
  address: \${online.connection.host}
  os: \${online.facts.osPrettyName}
  packageVersion: \${onlineDocker.packageVersion}
  mirrors: \${onlineDaemon.effectiveMirrors}
  digest: \${nginx.digest}
  webState: \${web.state}
  offlineVersion: \${offlineDocker.version}
  bundleUploaded: \${offlineDocker.bundleUploaded}
`;

test("the guide as a Pulumi YAML program: online and offline engines, a mirror, nginx on 80; no changes after; hand edits refreshed and repaired; destroy", async (t) => {
  const [h1, h2] = rig.hosts;
  const { cli, backend } = await project("guide", { "Pulumi.yaml": GUIDE });
  const mirror = `http://${rig.registry!.address}`;
  await cli.setConfig({
    privateKey: { value: rig.privateKey, secret: true },
    onlineAddress: { value: h1.address },
    onlineHostKey: { value: h1.hostKey.trim() },
    offlineAddress: { value: h2.address },
    offlineHostKey: { value: h2.hostKey.trim() },
    repoMirror: { value: repoMirror },
    repoKeyFingerprint: { value: repoKeyFingerprint },
    registryMirror: { value: mirror },
    bundle: { value: pkgs.bundle },
    bundleSha256: { value: pkgs.bundleSha256 },
  });

  // The YAML language host answers with the version it was stamped with (the pin beside it, when built here).
  const about = JSON.parse((await cli.ok(["about", "--json"])).stdout) as { plugins?: { name: string; kind: string; version: string }[] };
  const host = about.plugins?.find((p) => p.kind === "language" && p.name === "yaml");
  const pinFile = path.join(pulumiBin(), ".pulumi-language-yaml.version");
  if (existsSync(pinFile)) t.is(host?.version, readFileSync(pinFile, "utf8").trim(), JSON.stringify(about.plugins));
  else t.regex(String(host?.version), /^\d+\.\d+\.\d+/);

  const up = await cli.run(["up", "--yes", "--skip-preview"]);
  t.is(up.code, 0, tail(up));
  const outputs = await cli.outputs();
  t.is(outputs.address, h1.address);
  t.regex(String(outputs.os), /Debian GNU\/Linux 12/);
  t.is(outputs.packageVersion, "5:25.0.3-1~debian.12~bookworm", "docker-ce from the rig's mirror");
  t.deepEqual(outputs.mirrors, [`${mirror}/`]);
  t.regex(String(outputs.digest), /^sha256:[0-9a-f]{64}$/);
  t.is(outputs.webState, "running");
  t.true(String(outputs.offlineVersion).startsWith(pkgs.bundleVersion), `${String(outputs.offlineVersion)} is the bundle's`);
  t.is(outputs.bundleUploaded, true);
  t.is(await status(h1), 200, "nginx answers on port 80");
  t.regex(await rig.exec(h1, "dpkg-query -W -f='${Version}' docker-ce"), /^5:25\.0\.3-1/);
  t.regex((await rig.exec(h2, "head -n1 /etc/systemd/system/docker.service")).trim(), /Managed by Dockyard/, "the offline install's unit");
  const resources = await resourcesOf(cli);
  for (const token of [
    "dockyard:host:Host",
    "dockyard:engine:DockerEngine",
    "dockyard:engine:DaemonConfig",
    "dockyard:workload:Image",
    "dockyard:workload:Container",
    "dockyard:index:DockerEngine",
    "dockyard:index:Container",
  ])
    t.true(
      resources.some((r) => r.type === token),
      `${token} in the state`,
    );
  const secretLines = keyLines();
  t.true(secretLines.length > 0);
  for (const f of [...filesUnder(backend), path.join(work, "guide", "Pulumi.dev.yaml")]) {
    const text = readFileSync(f, "utf8");
    t.false(
      secretLines.some((l) => text.includes(l)),
      `${f} holds the SSH key in plain text`,
    );
  }
  t.false(
    secretLines.some((l) => up.stdout.includes(l) || up.stderr.includes(l)),
    "the key in the output of up",
  );

  const again = await cli.run(["preview", "--expect-no-changes"]);
  t.is(again.code, 0, tail(again));

  // By hand on the online host: our mirror replaced in daemon.json, the container stopped.
  await rig.exec(h1, `printf '{"registry-mirrors": ["http://10.9.9.9:5000"]}' > /etc/docker/daemon.json && docker stop web >/dev/null`);
  const refresh = await cli.run(["refresh", "--yes", "--skip-preview"]);
  t.is(refresh.code, 0, tail(refresh));
  const drift = async (token: string) => (await resourcesOf(cli)).find((r) => r.type === token)?.outputs?.drift;
  t.deepEqual(await drift("dockyard:index:DaemonConfig"), [`registry-mirrors is ["http://10.9.9.9:5000"], not ["${mirror}"]`]);
  t.deepEqual(await drift("dockyard:index:Container"), ["container web is exited"]);
  const repair = await cli.run(["up", "--yes", "--skip-preview"]);
  t.is(repair.code, 0, tail(repair));
  t.deepEqual(await cli.lastChanges(), { update: 2 }, "one up repairs both, replacing nothing");
  t.deepEqual(JSON.parse(await rig.exec(h1, "cat /etc/docker/daemon.json")), { "registry-mirrors": [mirror] });
  t.is((await rig.exec(h1, "docker inspect -f '{{.State.Status}}' web")).trim(), "running");
  t.is(await status(h1), 200, "nginx answers again");

  const destroy = await cli.run(["destroy", "--yes", "--skip-preview"]);
  t.is(destroy.code, 0, tail(destroy));
  t.deepEqual(await resourcesOf(cli), [], "nothing left in the stack");
  t.is((await rig.exec(h1, "docker ps -aq | wc -l")).trim(), "0", "web is gone");
  t.is((await rig.exec(h1, "docker images -q | wc -l")).trim(), "0", "and its image");
  t.is(
    (await rig.exec(h1, "test -e /etc/docker/daemon.json && echo there || echo absent")).trim(),
    "absent",
    "daemon.json as it was: none",
  );
  // Engines stay unless uninstallOnDelete is set.
  for (const h of [h1, h2]) t.is((await rig.exec(h, "systemctl is-active docker")).trim(), "active", `${h.name}: docker left running`);
  await cli.run(["stack", "rm", "--yes", "--force"]);
});

test("a fleet file from a Pulumi YAML program: the Fleet component from the file's path, the same fleet from its text; destroy", async (t) => {
  const h = rig.hosts[2];
  const fleetFile = `hosts:
  - name: edge-1
    address: ${h.address}
    hostKey: ${h.hostKey.trim()}
    privateKey: { config: sshPrivateKey }
    engine:
      method: offline
      bundle: ${pkgs.bundle}
      bundleSha256: ${pkgs.bundleSha256}
    daemon:
      registryMirrors: ["http://${rig.registry!.address}"]
containers:
  - name: nginx
    image: nginx
    on: all
    ports: ["80:80"]
`;
  const program = (fleet: string) => `name: dockyard-yaml-fleet
runtime: yaml
resources:
  edge:
    type: dockyard:fleet:Fleet
    properties:
${fleet}
outputs:
  hosts: \${edge.outputs}
`;
  const { cli, dir } = await project("fleet", {
    "Pulumi.yaml": program("      file: fleet.yaml"),
    "fleet.yaml": fleetFile,
  });
  // Read by the Fleet itself from the stack's config, a secret.
  await cli.setConfig({ sshPrivateKey: { value: rig.privateKey, secret: true } });

  const up = await cli.run(["up", "--yes", "--skip-preview"]);
  t.is(up.code, 0, tail(up));
  const hosts = (await cli.outputs()).hosts as Record<
    string,
    { address: string; mirrors: string[]; containers: Record<string, { state: string; endpoints: string[] }> }
  >;
  t.deepEqual(Object.keys(hosts), ["edge-1"]);
  t.is(hosts["edge-1"].address, h.address);
  t.deepEqual(hosts["edge-1"].mirrors, [`http://${rig.registry!.address}/`]);
  t.is(hosts["edge-1"].containers.nginx.state, "running");
  t.deepEqual(hosts["edge-1"].containers.nginx.endpoints, [`${h.address}:80`]);
  t.is(await status(h), 200, "nginx answers on port 80");
  const exported = (await cli.ok(["stack", "export"])).stdout;
  t.false(
    keyLines().some((l) => exported.includes(l)),
    "the key only encrypted in state",
  );

  const again = await cli.run(["preview", "--expect-no-changes"]);
  t.is(again.code, 0, tail(again));
  // The same fleet given as the file's text.
  writeFileSync(path.join(dir, "Pulumi.yaml"), program("      spec:\n        fn::readFile: fleet.yaml"));
  const asText = await cli.run(["preview", "--expect-no-changes"]);
  t.is(asText.code, 0, tail(asText));

  const destroy = await cli.run(["destroy", "--yes", "--skip-preview"]);
  t.is(destroy.code, 0, tail(destroy));
  t.is((await rig.exec(h, "docker ps -aq | wc -l")).trim(), "0", "the container is gone");
  t.is((await rig.exec(h, "test -e /etc/docker/daemon.json && echo there || echo absent")).trim(), "absent");
  await cli.run(["stack", "rm", "--yes", "--force"]);
});
