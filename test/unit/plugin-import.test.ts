import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import type Docker from "dockerode";
import { type Controller, type Controllers, dockyardProvider } from "../../src/plugin/dispatch";
import { IMPORT_ENV, type ImportReads, importConnection, parseImportId } from "../../src/plugin/import";
import { SECRET_SIG, SIG_KEY } from "../../src/plugin/wire";
import {
  type ContainerRun,
  containerDrift,
  containerRunOf,
  createOptions,
  planContainerCreate,
  planContainerUpdate,
} from "../../src/plan/container";
import { MANAGED } from "../../src/model/labels";
import { type NetworkInfo, networkDrift, networkSpecOf, planNetworkCreate } from "../../src/plan/network";
import { KINDS, tokenOf } from "../../src/providers/kinds";

const urnOf = (token: string, name = "r1") => `urn:pulumi:unit::dockyard::${token}::${name}`;
const ENV = { [IMPORT_ENV.privateKey]: "KEY", [IMPORT_ENV.hostKey]: "ssh-ed25519 AAAAC3Nza host" };

test("import IDs: the engine, a container and a network on user@host:port", (t) => {
  t.deepEqual(parseImportId("DockerEngine", "root@10.0.0.5:22/docker"), { user: "root", host: "10.0.0.5", port: 22 });
  t.deepEqual(parseImportId("Container", "deploy@web1.example.com:2222/nginx-web"), {
    user: "deploy",
    host: "web1.example.com",
    port: 2222,
    name: "nginx-web",
  });
  t.deepEqual(parseImportId("Network", "root@10.0.0.5:22/network/app_net"), { user: "root", host: "10.0.0.5", port: 22, name: "app_net" });
});

test("a bad import ID is refused naming the part and the form expected", (t) => {
  const cases: [Parameters<typeof parseImportId>[0], string, RegExp][] = [
    ["Container", "10.0.0.5:22/web", /the user is missing/],
    ["Container", "root@10.0.0.5/web", /the port is missing/],
    ["Container", "root@10.0.0.5:0/web", /the port "0" is not a port/],
    ["Container", "root@10.0.0.5:70000/web", /the port "70000" is not a port/],
    ["Container", "root@10.0.0.5:ssh/web", /the port "ssh" is not a port/],
    ["Container", "root@10.0.0.5:22", /the object is missing/],
    ["Container", "root@$(reboot):22/web", /the host "\$\(reboot\)" is not a host name or IP address/],
    ["Container", "ro ot@10.0.0.5:22/web", /the user "ro ot" is not a login name/],
    ["Container", "root@10.0.0.5:22/web;rm", /the name "web;rm" is not a container name/],
    ["Container", "root@10.0.0.5:22/", /the name "" is not a container name/],
    ["DockerEngine", "root@10.0.0.5:22/engine", /the object must be "docker"/],
    ["Network", "root@10.0.0.5:22/app_net", /the object must start with network\//],
    ["Network", "root@10.0.0.5:22/network/a/b", /the name "a\/b" is not a network name/],
  ];
  for (const [kind, id, expected] of cases) {
    const err = t.throws(() => parseImportId(kind, id), undefined, id);
    t.regex(err!.message, expected, id);
    t.true(err!.message.includes(`import ID ${JSON.stringify(id)}`), err!.message);
    t.regex(err!.message, /is imported as user@host:port\//, id);
  }
});

test("an import's connection: key and host key from the environment, never from the ID; no host key is refused naming the opt-in", (t) => {
  const id = parseImportId("Container", "root@10.0.0.5:22/web");
  t.deepEqual(importConnection(id, ENV), {
    connection: { host: "10.0.0.5", port: 22, user: "root", hostKey: "ssh-ed25519 AAAAC3Nza host" },
    credentials: { privateKey: "KEY" },
  });
  const noPin = t.throws(() => importConnection(id, { [IMPORT_ENV.privateKey]: "KEY" }));
  t.regex(noPin.message, /root@10\.0\.0\.5:22: set DOCKYARD_IMPORT_HOST_KEY .*DOCKYARD_IMPORT_INSECURE_SKIP_HOST_KEY_CHECK=true/);
  t.deepEqual(
    importConnection(id, { [IMPORT_ENV.privateKey]: "KEY", [IMPORT_ENV.insecure]: "true", [IMPORT_ENV.sudo]: "true" }).connection,
    {
      host: "10.0.0.5",
      port: 22,
      user: "root",
      insecureSkipHostKeyCheck: true,
      sudo: true,
    },
  );
  const noKey = t.throws(() => importConnection(id, { [IMPORT_ENV.hostKey]: "SHA256:abc" }));
  t.regex(noKey.message, /set DOCKYARD_IMPORT_PRIVATE_KEY_FILE .*DOCKYARD_IMPORT_PRIVATE_KEY/);
  const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-import-"));
  try {
    writeFileSync(path.join(dir, "id"), "FILEKEY\n");
    const fromFile = importConnection(id, {
      [IMPORT_ENV.privateKeyFile]: path.join(dir, "id"),
      [IMPORT_ENV.hostKey]: "SHA256:abc",
      [IMPORT_ENV.passphrase]: "pw",
    });
    t.deepEqual(fromFile.credentials, { privateKey: "FILEKEY\n", privateKeyPassphrase: "pw" });
    const missing = t.throws(() =>
      importConnection(id, { [IMPORT_ENV.privateKeyFile]: path.join(dir, "nope"), [IMPORT_ENV.hostKey]: "SHA256:abc" }),
    );
    t.regex(missing.message, /DOCKYARD_IMPORT_PRIVATE_KEY_FILE \(.*nope\) cannot be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** What `docker inspect` shows of a container made with these create options (what the engine adds: the image's defaults). */
function inspectOf(
  opts: Docker.ContainerCreateOptions,
  image: { Cmd?: string[]; Env?: string[]; Labels?: Record<string, string> },
  id = "c0ffee00112233445566",
): Docker.ContainerInspectInfo {
  const first = opts.NetworkingConfig?.EndpointsConfig ?? {};
  return {
    Id: id,
    Name: `/${opts.name}`,
    Image: "sha256:img",
    State: { Status: "running", Running: true },
    Config: {
      Image: opts.Image,
      Cmd: opts.Cmd ?? image.Cmd,
      Env: [...(image.Env ?? []), ...(opts.Env ?? [])],
      Labels: { ...image.Labels, ...opts.Labels },
      Healthcheck: opts.Healthcheck,
    },
    HostConfig: { ...opts.HostConfig, RestartPolicy: opts.HostConfig?.RestartPolicy },
    NetworkSettings: {
      Networks: Object.keys(first).length
        ? Object.fromEntries(
            Object.entries(first).map(([n, e]) => [n, { Aliases: [...((e as { Aliases?: string[] }).Aliases ?? []), id.slice(0, 12)] }]),
          )
        : { bridge: { Aliases: null } },
    },
  } as unknown as Docker.ContainerInspectInfo;
}

const NGINX_IMAGE = {
  Cmd: ["nginx", "-g", "daemon off;"],
  Env: ["PATH=/usr/sbin:/usr/bin", "NGINX_VERSION=1.27"],
  Labels: { maintainer: "NGINX" },
};

const RUN: ContainerRun = {
  spec: {
    name: "web",
    image: "nginx:1.27",
    ports: [
      { containerPort: 80, hostPort: 8080, protocol: "tcp" },
      { containerPort: 53, hostPort: 53, hostIp: "127.0.0.1", protocol: "udp" },
    ],
    volumes: [
      { source: "/srv/www", target: "/usr/share/nginx/html", readOnly: true },
      { source: "data", target: "/data" },
    ],
    networks: [{ name: "app", aliases: ["web"] }],
    restartPolicy: "unless-stopped",
    labels: { tier: "front" },
    healthcheck: { test: ["CMD", "true"], intervalSeconds: 10, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
    memoryBytes: 256 * 1024 * 1024,
    cpus: 0.5,
    startTimeoutSeconds: 60,
  },
  env: { MODE: "prod", EMPTY: "" },
};

test("a container read back for an import is the spec that would make it again, without what its image gives", (t) => {
  const back = containerRunOf(inspectOf(createOptions(RUN), NGINX_IMAGE), NGINX_IMAGE, 60);
  // Ports come back in a fixed order (by container port), Dockyard's labels are left out.
  t.deepEqual(back, { ...RUN, spec: { ...RUN.spec, ports: [RUN.spec.ports[1], RUN.spec.ports[0]] } });
  const plain: ContainerRun = {
    spec: { name: "hand", image: "nginx:1.27", ports: [], volumes: [], restartPolicy: "no", labels: {}, startTimeoutSeconds: 60 },
    env: {},
  };
  const opts = createOptions(plain);
  delete opts.Cmd;
  t.deepEqual(containerRunOf(inspectOf(opts, NGINX_IMAGE), NGINX_IMAGE, 60), plain, "a plain `docker run` reads back as the plainest spec");
});

test("an imported container (no Dockyard label) is compared by its settings: no drift as read, drift when another is declared; a change makes it again", (t) => {
  const opts = createOptions(RUN);
  opts.Labels = { tier: "front" }; // made by hand: no Dockyard labels
  const info = inspectOf(opts, NGINX_IMAGE);
  const adopted = containerRunOf(info, NGINX_IMAGE, 60);
  t.deepEqual(containerDrift(adopted, info.Id, info, adopted), []);
  // Key order does not count, as it may not survive the wire.
  const reordered: ContainerRun = {
    env: { EMPTY: "", MODE: "prod" },
    spec: Object.fromEntries(Object.entries(adopted.spec).reverse()) as ContainerRun["spec"],
  };
  t.deepEqual(containerDrift(reordered, info.Id, info, adopted), []);
  t.deepEqual(containerDrift({ ...adopted, env: { MODE: "dev" } }, info.Id, info, adopted), ["container web runs other settings"]);
  t.deepEqual(containerDrift(adopted, "other-id", info, adopted), [
    "container web was replaced outside Dockyard",
    "container web runs other settings",
  ]);
  const facts = { id: info.Id, running: true, status: "running", managed: false };
  // Only a rotated key: kept in place; another image: made again, replacing the imported one.
  t.is(planContainerUpdate({ ...adopted, containerId: info.Id }, adopted, facts, adopted).kind, "inPlace");
  t.is(
    planContainerUpdate(
      { ...adopted, containerId: info.Id },
      { ...adopted, spec: { ...adopted.spec, image: "nginx:1.28" } },
      facts,
      adopted,
    ).kind,
    "recreate",
  );
  t.deepEqual(planContainerCreate(adopted.spec, facts, info.Id), { removeExisting: true });
  t.like(planContainerCreate(adopted.spec, facts), { code: "DOCKYARD_NOT_MANAGED" }, "one the state does not hold is still refused");
});

const HAND_NETWORK: NetworkInfo = {
  Id: "net1",
  Name: "appnet",
  Driver: "bridge",
  Internal: false,
  Labels: { team: "web" },
  IPAM: { Config: [{ Subnet: "172.30.0.0/24", Gateway: "172.30.0.1" }] },
};

test("an imported network: its settings as the spec, no drift while the state holds its ID; another network of the name is still refused", (t) => {
  const spec = networkSpecOf(HAND_NETWORK);
  t.deepEqual(spec, {
    name: "appnet",
    driver: "bridge",
    subnet: "172.30.0.0/24",
    gateway: "172.30.0.1",
    internal: false,
    labels: { team: "web" },
  });
  t.deepEqual(networkSpecOf({ ...HAND_NETWORK, Labels: { [MANAGED]: "true" }, IPAM: { Config: [] } }).labels, {});
  t.deepEqual(networkDrift(spec, "net1", HAND_NETWORK), []);
  t.deepEqual(networkDrift(spec, undefined, HAND_NETWORK), ["network appnet was not created by Dockyard"]);
  t.like(planNetworkCreate(spec, { ...HAND_NETWORK, Driver: "macvlan" }), { code: "DOCKYARD_NOT_MANAGED" });
  t.deepEqual(planNetworkCreate(spec, { ...HAND_NETWORK, Driver: "macvlan" }, "net1"), {
    kind: "create",
    remove: { ...HAND_NETWORK, Driver: "macvlan" },
  });
});

/** Controllers whose read echoes what it is given. */
function echoing(): { controllers: Controllers; reads: unknown[] } {
  const reads: unknown[] = [];
  const c: Controller = { read: async (id, props) => (reads.push(props), { id, props: { ...props, version: "25.0.3" } }) };
  return { controllers: Object.fromEntries(Object.values(KINDS).map((k) => [k.provider, c])) as Controllers, reads };
}

const fakeReads = (info: Docker.ContainerInspectInfo): ImportReads => ({
  facts: async () => ({ osId: "debian" }),
  container: async (_c, name) => (name === "web" ? { info, image: NGINX_IMAGE } : undefined),
  network: async (_c, name) => (name === "appnet" ? HAND_NETWORK : undefined),
});

test("read with only an ID imports: inputs a program declares, the key and the environment as secrets, the object's ID kept", async (t) => {
  const saved = { ...process.env };
  Object.assign(process.env, ENV);
  try {
    const info = inspectOf(createOptions(RUN), NGINX_IMAGE);
    const { controllers } = echoing();
    const p = dockyardProvider(controllers, fakeReads(info));
    const res = await p.read!("root@10.0.0.5:22/web", urnOf(tokenOf("Container")), {});
    const inputs = res.inputs as Record<string, unknown>;
    t.deepEqual(Object.keys(inputs).sort(), ["connection", "credentials", "env", "spec"]);
    t.deepEqual(inputs.credentials, { [SIG_KEY]: SECRET_SIG, value: { privateKey: "KEY" } });
    t.deepEqual(inputs.env, { [SIG_KEY]: SECRET_SIG, value: RUN.env });
    t.deepEqual(inputs.connection, { host: "10.0.0.5", port: 22, user: "root", hostKey: "ssh-ed25519 AAAAC3Nza host" });
    t.is((res.props as Record<string, unknown>).containerId, info.Id);
    t.is(res.id, "root@10.0.0.5:22/web");

    const net = await p.read!("root@10.0.0.5:22/network/appnet", urnOf(tokenOf("Network")), {});
    t.like(net.inputs, { spec: { name: "appnet", subnet: "172.30.0.0/24" } });
    t.is((net.props as Record<string, unknown>).networkId, "net1");

    const engine = await p.read!("root@10.0.0.5:22/docker", urnOf(tokenOf("DockerEngine")), {});
    t.like(engine.inputs, { spec: { method: "adopt" }, facts: { osId: "debian" } });

    const missing = await t.throwsAsync(p.read!("root@10.0.0.5:22/db", urnOf(tokenOf("Container")), {}));
    t.regex(missing.message, /root@10\.0\.0\.5:22: there is no container named db to import/);
    const other = await t.throwsAsync(p.read!("root@10.0.0.5:22/x", urnOf(tokenOf("Volume")), {}));
    t.regex(other.message, /dockyard:index:Volume cannot be imported/);
    // No engine answering: nothing to import.
    const silent = dockyardProvider(
      Object.fromEntries(
        Object.values(KINDS).map((k) => [k.provider, { read: async (id: string, props: Record<string, unknown>) => ({ id, props }) }]),
      ) as Controllers,
      fakeReads(info),
    );
    const none = await t.throwsAsync(silent.read!("root@10.0.0.5:22/docker", urnOf(tokenOf("DockerEngine")), {}));
    t.regex(none.message, /no Docker engine answers/);
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  }
});

test("a Read request without properties (an import) reads as empty properties, one with them as they are", (t) => {
  const { ReadRequest } = require("@pulumi/pulumi/proto/provider_pb") as {
    ReadRequest: new () => { getProperties(): { toJavaScript(): unknown } | undefined; setProperties(s: unknown): void };
  };
  const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as typeof import("google-protobuf/google/protobuf/struct_pb");
  const { acceptReadWithoutProperties } = require("../../src/plugin/read-request") as typeof import("../../src/plugin/read-request");
  t.is(new ReadRequest().getProperties(), undefined, "what the server of @pulumi/pulumi trips on");
  acceptReadWithoutProperties();
  t.deepEqual(new ReadRequest().getProperties()?.toJavaScript(), {});
  const given = new ReadRequest();
  given.setProperties(Struct.fromJavaScript({ a: 1 }));
  t.deepEqual(given.getProperties()?.toJavaScript(), { a: 1 });
});
