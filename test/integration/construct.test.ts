// The plugin as another language sees it: a plain JavaScript program outside the TypeScript
// component path declares Dockyard's components as remote components (type token, inputs,
// `remote = true`), so every one is built by the plugin's `construct`; the plugin is found
// through the `plugins.providers` path of its Pulumi.yaml, automatic acquisition off. On the same
// stack, `pulumi import` takes over a container and a network made by hand on the host, and the
// program declaring them as imported previews with no change; the engine is imported into a
// second stack. Through the `pulumi` CLI.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { PulumiCli } from "../../scripts/pulumi-cli";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig } from "../rig/rig";
import { pulumiEngine, SANDBOX_PASSPHRASE } from "./support/engine";

const REPO = path.resolve(__dirname, "..", "..");
const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
// Inside the repository, so the program finds @pulumi/pulumi as a user's project would its own.
const work = path.join(REPO, ".pulumi-work", `construct-${process.pid}`);
let rig: Rig;
let pkgs: DockerPackages;

// Only what any language's SDK offers: a remote component by token, a custom resource by token.
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const cfg = new pulumi.Config();
const version = cfg.require("pluginVersion");
const remote = (token, name, inputs, opts = {}) => new pulumi.ComponentResource(token, name, inputs, { version, ...opts }, true);
class Imported extends pulumi.CustomResource {
  constructor(token, name, args) { super(token, name, args, { version }); }
}

const host = remote("dockyard:host:Host", "h1", {
  address: cfg.require("address"),
  privateKey: cfg.requireSecret("privateKey"),
  hostKey: cfg.require("hostKey"),
  facts: undefined,
  connection: undefined,
});
const engine = remote("dockyard:engine:DockerEngine", "docker", {
  host,
  method: "offline",
  bundle: new pulumi.asset.FileAsset(cfg.require("bundle")),
  bundleSha256: cfg.require("bundleSha256"),
  version: undefined,
});
const daemon = remote("dockyard:engine:DaemonConfig", "daemon", { engine, registryMirrors: [cfg.require("mirror")] });
const nginx = remote("dockyard:workload:Image", "nginx", { engine, ref: "nginx:latest", digest: undefined }, { dependsOn: [daemon] });
const web = remote("dockyard:workload:Container", "web", { engine, name: "web", image: nginx, ports: ["80:80"], state: undefined });

if (cfg.get("phase") === "imported") {
  // The container and network made by hand, as \`pulumi import\` recorded them.
  const connection = { host: cfg.require("address"), port: 22, user: "root", hostKey: cfg.require("hostKey") };
  const credentials = cfg.requireSecret("privateKey").apply((privateKey) => ({ privateKey }));
  new Imported("dockyard:index:Container", "hand", {
    connection,
    credentials,
    spec: {
      name: "hand",
      image: "nginx:latest",
      ports: [{ containerPort: 80, hostPort: 8081, protocol: "tcp" }],
      volumes: [],
      restartPolicy: "unless-stopped",
      labels: { owner: "ops" },
      startTimeoutSeconds: 60,
    },
    env: pulumi.secret({ MODE: "hand" }),
  });
  new Imported("dockyard:index:Network", "handnet", {
    connection,
    credentials,
    spec: { name: "handnet", driver: "bridge", subnet: "10.231.0.0/24", gateway: "10.231.0.1", internal: false, labels: {} },
  });
}

exports.engineVersion = engine.version;
exports.digest = nginx.digest;
exports.state = web.state;
exports.address = host.connection.apply((c) => c.host);
`;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1, registry: true }), ensureDockerPackages()]);
  await rig.pushNginx("latest");
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function status(url: string): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetch(url)).status;
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const tail = (r: { stdout: string; stderr: string }) => `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`;

test.serial(
  "remote components from a plain JS program through `pulumi`: Host, DockerEngine, DaemonConfig, Image and Container built by construct; nginx answers 200 on 80; no changes after; a hand-made container and network imported with no diff, the engine imported into a stack of its own; destroy removes them all",
  async (t) => {
    const h = rig.hosts[0];
    mkdirSync(work, { recursive: true });
    writeFileSync(
      path.join(work, "Pulumi.yaml"),
      `name: dockyard-construct\nruntime: nodejs\nplugins:\n  providers:\n    - name: dockyard\n      path: ${path.join(REPO, "plugin")}\n`,
    );
    writeFileSync(path.join(work, "package.json"), JSON.stringify({ name: "dockyard-construct", main: "index.js" }));
    writeFileSync(path.join(work, "index.js"), PROGRAM);
    const keyFile = path.join(work, "rig-key");
    writeFileSync(keyFile, rig.privateKey, { mode: 0o600 });
    const backend = path.join(work, "state");
    mkdirSync(backend, { recursive: true });
    const cli = new PulumiCli({ cwd: work, stack: "construct", backendUrl: `file://${backend}`, passphrase: SANDBOX_PASSPHRASE });
    await cli.selectOrCreate();
    await cli.setConfig({
      pluginVersion: { value: version },
      address: { value: h.address },
      hostKey: { value: h.hostKey.trim() },
      privateKey: { value: rig.privateKey, secret: true },
      bundle: { value: pkgs.bundle },
      bundleSha256: { value: pkgs.bundleSha256 },
      mirror: { value: `http://${rig.registry!.address}` },
    });

    const up = await cli.run(["up", "--yes", "--skip-preview"]);
    t.is(up.code, 0, tail(up));
    const outputs = JSON.parse((await cli.ok(["stack", "output", "--json"])).stdout) as Record<string, string>;
    t.is(outputs.state, "running");
    t.is(outputs.address, h.address);
    t.regex(outputs.digest, /^sha256:[0-9a-f]{64}$/);
    t.truthy(outputs.engineVersion);
    t.is(await status(`http://${h.address}:80/`), 200, "nginx answers on port 80");
    const state = (await cli.ok(["stack", "export"])).stdout;
    const types = (JSON.parse(state) as { deployment: { resources: { type: string }[] } }).deployment.resources.map((r) => r.type);
    for (const token of ["dockyard:host:Host", "dockyard:engine:DockerEngine", "dockyard:workload:Container", "dockyard:index:Container"])
      t.true(types.includes(token), `${token} in the state`);
    t.false(state.includes(rig.privateKey.split("\n")[1]), "the SSH key is only encrypted in state");

    const again = await cli.run(["preview", "--expect-no-changes"]);
    t.is(again.code, 0, tail(again));

    // Made by hand, then taken over: the ID names host and object, the key and host key come from the environment.
    await rig.exec(
      h,
      "docker network create --subnet 10.231.0.0/24 --gateway 10.231.0.1 handnet && " +
        "docker run -d --name hand --restart unless-stopped --label owner=ops -e MODE=hand -p 8081:80 nginx:latest",
    );
    const importEnv = { DOCKYARD_IMPORT_PRIVATE_KEY_FILE: keyFile, DOCKYARD_IMPORT_HOST_KEY: h.hostKey.trim() };
    const target = `root@${h.address}:22`;
    for (const [type, name, id] of [
      ["dockyard:index:Container", "hand", `${target}/hand`],
      ["dockyard:index:Network", "handnet", `${target}/network/handnet`],
    ]) {
      const imported = await cli.run(["import", type, name, id, "--yes", "--protect=false", "--generate-code=false"], { env: importEnv });
      t.is(imported.code, 0, `${type} ${id}: ${tail(imported)}`);
    }
    const exported = (await cli.ok(["stack", "export"])).stdout;
    t.false(exported.includes(rig.privateKey.split("\n")[1]), "the imported resources hold the key only encrypted");
    await cli.setConfig({ phase: { value: "imported" } });
    const declared = await cli.run(["preview", "--expect-no-changes", "--diff"]);
    t.is(declared.code, 0, `the program declaring the imported container and network changes nothing:\n${tail(declared)}`);
    t.is(await status(`http://${h.address}:8081/`), 200, "the imported container still serves");

    // The engine too, into a stack of its own (the first keeps managing it): `pulumi import` reads
    // it by the host's ID, and a refresh of what was imported finds it as recorded.
    const adopt = new PulumiCli({ cwd: work, stack: "adopted", backendUrl: `file://${backend}`, passphrase: SANDBOX_PASSPHRASE });
    await adopt.selectOrCreate();
    const engineImport = await adopt.run(
      ["import", "dockyard:index:DockerEngine", "docker", `${target}/docker`, "--yes", "--protect=false", "--generate-code=false"],
      { env: importEnv },
    );
    t.is(engineImport.code, 0, `the engine: ${tail(engineImport)}`);
    const adopted = JSON.parse((await adopt.ok(["stack", "export"])).stdout) as {
      deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] };
    };
    const importedEngine = adopted.deployment.resources.find((r) => r.type === "dockyard:index:DockerEngine");
    t.is(
      importedEngine?.outputs?.version,
      (await rig.exec(h, "docker version --format '{{.Server.Version}}'")).trim(),
      "the imported engine records the server version the host runs",
    );
    t.false(JSON.stringify(adopted).includes(rig.privateKey.split("\n")[1]), "the imported engine holds the key only encrypted");
    const adoptedRefresh = await adopt.run(["refresh", "--yes", "--skip-preview", "--expect-no-changes"]);
    t.is(adoptedRefresh.code, 0, `a refresh of the imported engine changes nothing:\n${tail(adoptedRefresh)}`);
    // Forgotten, not destroyed: the first stack owns the engine.
    await adopt.ok(["stack", "rm", "--yes", "--force"]);

    const destroy = await cli.run(["destroy", "--yes", "--skip-preview"]);
    t.is(destroy.code, 0, tail(destroy));
    t.is(
      (await rig.exec(h, "docker ps -aq --filter name=^/web$ --filter name=^/hand$ | wc -l")).trim(),
      "0",
      "web and the imported hand are gone",
    );
    t.is((await rig.exec(h, "docker network ls -q --filter name=^handnet$ | wc -l")).trim(), "0", "the imported network is gone");
    await cli.run(["stack", "rm", "--yes", "--force"]);
  },
);
