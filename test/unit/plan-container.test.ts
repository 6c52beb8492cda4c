import test from "ava";
import type Docker from "dockerode";
import {
  type Attachments,
  type ContainerFacts,
  type ContainerNetworkSpec,
  type ContainerRun,
  type ContainerSpec,
  type ContainerUpdatePlan,
  type NetworkJoinStep,
  containerChange,
  containerDrift,
  createOptions,
  planContainerCreate,
  planContainerUpdate,
  planNetworkJoins,
  specHash,
} from "../../src/plan/container";
import { refuse } from "../../src/plan/refusal";

const IMG = `nginx@sha256:${"1".repeat(64)}`;
const IMG2 = `nginx@sha256:${"2".repeat(64)}`;
const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: "web",
  image: IMG,
  ports: [{ containerPort: 80, hostPort: 8080, protocol: "tcp" }],
  volumes: [],
  restartPolicy: "unless-stopped",
  labels: {},
  startTimeoutSeconds: 60,
  ...over,
});
const run = (s: Partial<ContainerSpec> = {}, env: Record<string, string> = { A: "1" }): ContainerRun => ({ spec: spec(s), env });
const olds = (s: Partial<ContainerSpec> = {}, drift: string[] = []) => ({ ...run(s), containerId: "c1", drift });

const changeRows: [string, ReturnType<typeof olds>, ContainerRun, "same" | "update" | "replace", ReturnType<typeof containerChange>][] = [
  ["nothing declared changed: only the host can tell", olds(), run(), "same", "probe"],
  [
    "another machine: replaced, the new one made first",
    olds(),
    run(),
    "replace",
    { changes: true, replaces: ["connection"], deleteBeforeReplace: false },
  ],
  [
    "a new image digest: replaced, the old one removed first",
    olds(),
    run({ image: IMG2 }),
    "same",
    { changes: true, replaces: ["spec"], deleteBeforeReplace: true },
  ],
  ["another port: replaced", olds(), run({ ports: [] }), "same", { changes: true, replaces: ["spec"], deleteBeforeReplace: true }],
  ["another environment: replaced", olds(), run({}, { A: "2" }), "same", { changes: true, replaces: ["env"], deleteBeforeReplace: true }],
  ["restart policy: updated in place", olds(), run({ restartPolicy: "always" }), "same", { changes: true }],
  ["a memory limit: updated in place", olds(), run({ memoryBytes: 1 << 28 }), "same", { changes: true }],
  ["networks: updated in place", olds(), run({ networks: [{ name: "shop", aliases: [] }] }), "same", { changes: true }],
  ["new credentials: an update", olds(), run(), "update", { changes: true }],
  ["drift recorded by refresh: an update", olds({}, ["container web is exited"]), run(), "same", { changes: true }],
];

for (const [label, o, n, connection, want] of changeRows) {
  test(`container diff: ${label}`, (t) => {
    t.deepEqual(containerChange(o, n, connection), want);
  });
}

const facts = (over: Partial<ContainerFacts> = {}): ContainerFacts => ({
  id: "c1",
  running: true,
  status: "running",
  managed: true,
  specHash: specHash(run()),
  ...over,
});

const updateRows: [string, ReturnType<typeof olds>, ContainerRun, ContainerFacts | undefined, ContainerUpdatePlan][] = [
  ["removed by hand: made again", olds(), run(), undefined, { kind: "recreate" }],
  ["replaced outside Dockyard: made again", olds(), run(), facts({ id: "c9" }), { kind: "recreate" }],
  ["made with other settings: made again", olds(), run(), facts({ specHash: "0000000000000000" }), { kind: "recreate" }],
  ["only the connection changed: not touched", olds(), run(), facts(), { kind: "inPlace", start: false }],
  ["stopped by hand: started", olds(), run(), facts({ running: false, status: "exited" }), { kind: "inPlace", start: true }],
  [
    "limits changed: docker update",
    olds(),
    run({ memoryBytes: 1 << 28, cpus: 1.5, restartPolicy: "no" }),
    facts(),
    { kind: "inPlace", update: { RestartPolicy: { Name: "" }, Memory: 1 << 28, MemorySwap: -1, NanoCpus: 1.5e9 }, start: false },
  ],
  [
    "limits removed: set back to none",
    olds({ memoryBytes: 1 << 28, cpus: 2 }),
    run(),
    facts(),
    { kind: "inPlace", update: { RestartPolicy: { Name: "unless-stopped" }, Memory: 0, MemorySwap: 0, NanoCpus: 0 }, start: false },
  ],
];

for (const [label, o, n, f, want] of updateRows) {
  test(`container update: ${label}`, (t) => {
    t.deepEqual(planContainerUpdate(o, n, f), want);
  });
}

test("container create: a leftover of ours is replaced, anyone else's refused", (t) => {
  t.deepEqual(planContainerCreate(spec(), undefined), { removeExisting: false });
  t.deepEqual(planContainerCreate(spec(), facts({ running: false })), { removeExisting: true });
  t.deepEqual(
    planContainerCreate(spec(), facts({ managed: false })),
    refuse(
      "DOCKYARD_NOT_MANAGED",
      "a container named web exists and was not created by Dockyard: remove or rename it, or choose another name. Nothing was changed",
    ),
  );
});

test("container spec hash: what can change in place does not change it", (t) => {
  const h = specHash(run());
  t.is(
    h,
    specHash(run({ restartPolicy: "always", memoryBytes: 1, cpus: 1, startTimeoutSeconds: 5, networks: [{ name: "n", aliases: [] }] })),
  );
  t.not(h, specHash(run({ image: IMG2 })));
  t.not(h, specHash(run({}, { A: "2" })));
  t.regex(h, /^[0-9a-f]{16}$/);
});

const shop = (aliases: string[], id?: string): ContainerNetworkSpec => ({ name: "shop", aliases, ...(id ? { id } : {}) });
const joinRows: [string, Attachments, ContainerNetworkSpec[] | undefined, ContainerNetworkSpec[] | undefined, NetworkJoinStep[]][] = [
  [
    "unchanged: nothing",
    { shop: { Aliases: ["backend", "c1"], NetworkID: "n1" } },
    [shop(["backend"], "n1")],
    [shop(["backend"], "n1")],
    [],
  ],
  [
    "a new alias: left and joined again",
    { shop: { Aliases: ["backend"], NetworkID: "n1" } },
    [shop(["backend"], "n1")],
    [shop(["backend", "api"], "n1")],
    [
      { kind: "disconnect", network: "shop" },
      { kind: "connect", network: "shop", aliases: ["backend", "api"] },
    ],
  ],
  [
    "an alias lost by hand: joined again",
    { shop: { Aliases: [] } },
    [shop(["backend"])],
    [shop(["backend"])],
    [
      { kind: "disconnect", network: "shop" },
      { kind: "connect", network: "shop", aliases: ["backend"] },
    ],
  ],
  [
    "the network made again: joined again",
    { shop: { Aliases: ["backend"], NetworkID: "n1" } },
    [shop(["backend"], "n1")],
    [shop(["backend"], "n2")],
    [
      { kind: "disconnect", network: "shop" },
      { kind: "connect", network: "shop", aliases: ["backend"] },
    ],
  ],
  [
    "a network left out: left",
    { shop: { Aliases: ["backend"] }, other: {} },
    [shop(["backend"]), { name: "other", aliases: [] }],
    [shop(["backend"])],
    [{ kind: "disconnect", network: "other" }],
  ],
  [
    "a network Dockyard was not told about: stays",
    { shop: { Aliases: ["backend"] }, monitoring: {} },
    [shop(["backend"])],
    [shop(["backend"])],
    [],
  ],
  [
    "none declared any more: back on the default bridge",
    { shop: { Aliases: ["backend"] } },
    [shop(["backend"])],
    undefined,
    [{ kind: "disconnect", network: "shop" }, { kind: "rejoinBridge" }],
  ],
  [
    "a new container: joins all it is not on",
    {},
    undefined,
    [shop(["backend"]), { name: "metrics", aliases: [] }],
    [
      { kind: "connect", network: "shop", aliases: ["backend"] },
      { kind: "connect", network: "metrics", aliases: [] },
    ],
  ],
];

for (const [label, attached, o, n, want] of joinRows) {
  test(`container networks: ${label}`, (t) => {
    t.deepEqual(planNetworkJoins(attached, o, n), want);
  });
}

const inspect = (over: { id?: string; running?: boolean; status?: string; labels?: Record<string, string>; networks?: Attachments } = {}) =>
  ({
    Id: over.id ?? "c1",
    Name: "/web",
    State: { Running: over.running ?? true, Status: over.status ?? "running" },
    Config: { Labels: over.labels ?? { "dockyard.managed": "true", "dockyard.spec": specHash(run()) } },
    // As the engine reports the published port of spec() (read back for its host address).
    HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } },
    NetworkSettings: { Networks: over.networks ?? {} },
  }) as unknown as Docker.ContainerInspectInfo;

const driftRows: [string, ContainerRun, Docker.ContainerInspectInfo | undefined, string[]][] = [
  ["as recorded", run(), inspect(), []],
  ["removed by hand", run(), undefined, ["container web is missing"]],
  [
    "stopped, replaced, other settings",
    run(),
    inspect({ id: "c2", running: false, status: "exited", labels: {} }),
    ["container web was replaced outside Dockyard", "container web is exited", "container web runs other settings"],
  ],
  [
    "off a declared network",
    run({ networks: [shop(["backend"])] }),
    inspect({ labels: { "dockyard.managed": "true", "dockyard.spec": specHash(run({ networks: [shop(["backend"])] })) } }),
    ["container web is not on network shop"],
  ],
];

for (const [label, r, info, want] of driftRows) {
  test(`container drift: ${label}`, (t) => {
    t.deepEqual(containerDrift(r, "c1", info), want);
  });
}

test("container create options: ports, binds, limits, the first network and our labels", (t) => {
  const r = run({
    command: ["nginx", "-g", "daemon off;"],
    volumes: [{ source: "/srv/www", target: "/usr/share/nginx/html", readOnly: true }],
    networks: [shop(["backend"]), { name: "metrics", aliases: [] }],
    memoryBytes: 1 << 28,
    cpus: 0.5,
    labels: { team: "a" },
    healthcheck: { test: ["CMD", "true"], intervalSeconds: 5, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 1 },
  });
  t.deepEqual(createOptions(r), {
    name: "web",
    Image: IMG,
    Cmd: ["nginx", "-g", "daemon off;"],
    Env: ["A=1"],
    Labels: { team: "a", "dockyard.managed": "true", "dockyard.spec": specHash(r) },
    ExposedPorts: { "80/tcp": {} },
    Healthcheck: { Test: ["CMD", "true"], Interval: 5e9, Timeout: 2e9, Retries: 3, StartPeriod: 1e9 },
    HostConfig: {
      PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] },
      Binds: ["/srv/www:/usr/share/nginx/html:ro"],
      RestartPolicy: { Name: "unless-stopped" },
      Memory: 1 << 28,
      NanoCpus: 5e8,
      NetworkMode: "shop",
    },
    NetworkingConfig: { EndpointsConfig: { shop: { Aliases: ["backend"] } } },
  });
});
