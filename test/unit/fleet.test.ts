import { keyPair } from "../rig/keys";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type Registered, registeredSince, setUnitMocks, settle, valueOf } from "./support/mocks";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";

// Mocks must be in place before the code that creates resources is loaded.
let pulumi: typeof pulumiType;
let created: Registered[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");

const REPO = path.resolve(__dirname, "..", "..");
const sshKey = keyPair().private;
const config: Record<string, string> = { sshPrivateKey: sshKey, registryPassword: "s3cret-registry-pw", dbPassword: "s3cret-db-pw" };
const read = (key: string, secret: boolean) => (key in config ? (secret ? pulumi.secret(config[key]) : config[key]) : undefined);
const isSecret = (o: unknown): Promise<boolean> => (o as { isSecret: Promise<boolean> }).isSecret;

test.before(async () => {
  const facts = MOCK_DEBIAN_12;
  ({ pulumi, created } = await setUnitMocks({
    facts,
    version: "24.0.7",
    apiVersion: "1.43",
    effectiveMirrors: [],
    state: "running",
    digest: "sha256:" + "a".repeat(64),
    repoDigest: "x@sha256:" + "a".repeat(64),
  }));
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
});

test.serial("an air-gapped fleet file becomes hosts, offline engines, daemon configs, a registry, images and containers", async (t) => {
  const before = await settle(created);
  const spec = loader.loadFleet(path.join(REPO, "stacks", "airgapped.yaml"));
  const fleet = new fleetModule.Fleet("airgapped", { spec, config: read });
  t.deepEqual(Object.keys(fleet.hosts), ["registry1", "app1", "app2"]);
  t.deepEqual(Object.keys(fleet.daemonConfigs), ["registry1", "app1", "app2"]);
  t.deepEqual(Object.keys(fleet.registries), ["intranet"]);
  t.deepEqual(Object.keys(fleet.containers.app1), ["web", "shop"]);
  t.deepEqual(Object.keys(fleet.containers.registry1), [], "on: [app] leaves the registry host alone");
  t.deepEqual(Object.keys(fleet.images.app2), ["nginx:1.25", "172.16.0.10:5000/shop/web:3.2.1"]);
  t.deepEqual(Object.keys(fleet.images.registry1), [], "the registry's image is its Registry's, not a second Image");

  await valueOf(fleet.outputs);
  const mine = created.slice(before);
  const engine = mine.find((r) => r.name === "app1-docker-engine")!.inputs as Record<string, any>;
  t.is(engine.spec.method, "offline");
  t.is(engine.spec.bundle.path, path.join(REPO, "bundles", "docker-24.0.7.tgz"), "a relative bundle is relative to the fleet file");
  t.is(engine.spec.bundle.sha256, "6a1b8ba8f9d2b4a7e1f3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4");
  const daemon = mine.find((r) => r.name === "app2-daemon")!.inputs as Record<string, any>;
  t.deepEqual(
    daemon.settings,
    { "data-root": "/data/docker", "live-restore": true, "log-driver": "json-file", "log-opts": { "max-size": "50m", "max-file": "5" } },
    "defaults.daemon reaches every host, with the fleet's default log rotation",
  );
  t.deepEqual(daemon.refuseOverwriting, ["log-driver", "log-opts"], "a default: a host's own log settings are not replaced silently");
  // Brought, not pulled: the registry's image from an archive beside the file, nginx copied by the controller.
  const specOf = (ref: string) =>
    mine
      .filter((r) => r.type === "dockyard:index:Image")
      .map((r) => (r.inputs as Record<string, any>).spec)
      .filter((sp) => sp.ref === ref);
  t.deepEqual(specOf("registry:2.8.3")[0].source, {
    kind: "archive",
    path: path.join(REPO, "images", "registry-2.8.3.tar"),
    sha256: "0e2b4c6d8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c",
  });
  t.deepEqual(
    specOf("nginx:1.25").map((sp) => sp.source),
    [{ kind: "controller" }, { kind: "controller" }],
  );
  const host = mine.find((r) => r.name === "app1")!.inputs as Record<string, any>;
  t.is(host.connection.user, "ops");
  t.true(host.connection.sudo);

  // The registry login matched by server; the password and the env secret stay secrets.
  const image = fleet.images.app1["172.16.0.10:5000/shop/web:3.2.1"];
  t.truthy(image);
  const pull = mine.find((r) => r.name === "app1-172.16.0.10-5000-shop-web-3.2.1")!.inputs as Record<string, any>;
  t.is(
    pull.registryAuth["4dabf18193072939515e22adb298388d"],
    "1b47061264138c4ac30d75fd1eb44270",
    "the login reaches the provider as a secret",
  );
  t.deepEqual(pull.registryAuth.value, { serveraddress: "172.16.0.10:5000", username: "ci", password: "s3cret-registry-pw" });
  const shop = mine.find((r) => r.name === "app1-shop")!.inputs as Record<string, any>;
  t.is(shop.env["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "env with a config secret is a secret");
  t.deepEqual(shop.env.value, { TZ: "UTC", DB_PASSWORD: "s3cret-db-pw" });
  const all = JSON.stringify(await valueOf(fleet.outputs));
  t.false(all.includes("s3cret"), "no secret in the fleet's outputs");
  t.true(await isSecret(fleet.hosts.app1.credentials));
});

test.serial("defaults merge key by key; host settings win; on: by group places containers", async (t) => {
  const spec = loader.parseFleet(
    `defaults:
  privateKey: { config: sshPrivateKey }
  port: 2222
  engine: { mirror: "https://mirrors.aliyun.com/docker-ce", version: "24.0.7" }
  daemon: { registryMirrors: [ { config: mirror } ], logDriver: json-file }
hosts:
  - name: a
    address: { config: aAddress }
    hostKey: ${keyPair().public}
    groups: [web]
    engine: { version: "25.0.3" }
  - name: b
    address: 10.0.0.2
    port: 22
    hostKey: ${keyPair().public}
    daemon: { logDriver: local }
containers:
  - { name: nginx-container, image: nginx, on: [web], ports: ["80:80"] }
  - { name: probe, image: busybox, on: all }
`,
    "merge.yaml",
  );
  config.mirror = "https://mirror.example.com";
  config.aAddress = "10.0.0.1";
  const before = await settle(created);
  const fleet = new fleetModule.Fleet("merge", { spec, config: read });
  const out = await valueOf(fleet.outputs);
  const mine = created.slice(before);
  const inputs = (n: string) => mine.find((r) => r.name === n)!.inputs as Record<string, any>;
  t.is(inputs("a-docker-engine").spec.version, "25.0.3");
  t.is(inputs("a-docker-engine").spec.mirror, "https://mirrors.aliyun.com/docker-ce", "the rest of defaults.engine stays");
  t.is(inputs("b-docker-engine").spec.version, "24.0.7");
  t.is(inputs("a").connection.port, 2222);
  t.is(inputs("b").connection.port, 22);
  t.is(inputs("a").connection.host, "10.0.0.1", "a config reference resolves");
  t.deepEqual(inputs("a-daemon").settings, { "registry-mirrors": ["https://mirror.example.com"], "log-driver": "json-file" });
  t.deepEqual(inputs("b-daemon").settings, { "registry-mirrors": ["https://mirror.example.com"], "log-driver": "local" });
  t.deepEqual(Object.keys(fleet.containers.a).sort(), ["nginx-container", "probe"]);
  t.deepEqual(Object.keys(fleet.containers.b), ["probe"]);
  t.deepEqual(out.a.containers["nginx-container"].endpoints, ["10.0.0.1:80"]);
  t.is(out.a.address, "10.0.0.1");
});

test.serial("missing config references are all reported with file:line before any resource exists", async (t) => {
  const spec = loader.loadFleet(path.join(REPO, "stacks", "airgapped.yaml"));
  const before = await settle(created);
  const e = t.throws(
    () => new fleetModule.Fleet("nocfg", { spec, config: (k, s) => (k === "sshPrivateKey" ? read(k, s) : undefined) }),
  ) as InstanceType<typeof loader.FleetFileError>;
  t.regex(
    e.message,
    /stacks\/airgapped\.yaml:50:9: registries\[0\]\.users\[0\]\.password: config "registryPassword" is not set: `pulumi config set --secret registryPassword <value>`/,
  );
  t.regex(e.message, /stacks\/airgapped\.yaml:\d+:\d+: containers\[1\]\.env\.DB_PASSWORD: config "dbPassword" is not set/);
  t.is(e.problems.length, 3);
  t.deepEqual(
    (await registeredSince(created, before)).filter((r) => !r.type.startsWith("dockyard:fleet")).map((r) => r.name),
    [],
    "no host, engine or container was registered",
  );
});

test.serial("references inside registries (TLS key, upstream password) are resolved up front too", (t) => {
  const spec = loader.parseFleet(
    `defaults: { privateKey: { config: sshPrivateKey } }
hosts:
  - { name: a, address: 10.0.0.1, insecureSkipHostKeyCheck: true }
registries:
  - name: hub-mirror
    host: a
    proxy: { remoteUrl: "https://registry-1.docker.io", username: me, password: { config: hubToken } }
  - name: private
    host: a
    port: 5001
    tls: { certificate: { config: tlsCert }, privateKey: { config: tlsKey } }
`,
    "reg.yaml",
  );
  const e = t.throws(() => new fleetModule.Fleet("reg", { spec, config: read })) as InstanceType<typeof loader.FleetFileError>;
  t.deepEqual(
    e.problems.map((p) => `${p.line} ${p.path}`),
    ["7 registries[0].proxy.password", "11 registries[1].tls.certificate", "11 registries[1].tls.privateKey"],
  );
});

test.serial("a spec built in code is checked before anything is created", async (t) => {
  const before = await settle(created);
  const e = t.throws(
    () =>
      new fleetModule.Fleet("bad", {
        spec: {
          hosts: [{ name: "a", address: "10.0.0.1", privateKey: { config: "k" }, insecureSkipHostKeyCheck: true }],
          containers: [{ name: "c", image: "nginx", on: ["b"] }],
        } as never,
      }),
  );
  t.regex(
    e!.message,
    /^\[DOCKYARD_FLEET_FILE_INVALID\] Fleet bad: 1 problem:\n {2}containers\[0\]\.on\[0\]: "b" is not a host or group of this fleet/,
  );
  t.deepEqual(
    (await registeredSince(created, before)).filter((r) => !r.type.startsWith("dockyard:fleet")).map((r) => r.name),
    [],
  );
});
