import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { type ClusterNode, type DesiredNode, type ObservedSwarm, describeSteps, planSwarm } from "../../src/plan/swarm";
import { parseServicePort, renderServiceSpec, type ServiceSpec, serviceSpecDrift } from "../../src/model/service-spec";
import { type Registered, setUnitMocks, valueOf } from "./support/mocks";

let pulumi: typeof pulumiType;
let Host: typeof import("../../src/host/host").Host;
let DockerEngine: typeof import("../../src/engine/docker-engine").DockerEngine;
let Swarm: typeof import("../../src/swarm/swarm").Swarm;
let Service: typeof import("../../src/swarm/service").Service;
let created: Registered[] = [];
const key = keyPair();
const hostKey = keyPair().public;

test.before(async () => {
  ({ pulumi, created } = await setUnitMocks({
    version: "20.10.24",
    drift: [],
    members: [
      { name: "10.0.0.1", nodeId: "n1", hostname: "m1", address: "10.0.0.1", role: "manager" },
      { name: "10.0.0.2", nodeId: "n2", hostname: "w1", address: "10.0.0.2", role: "worker" },
    ],
    joinTokens: { worker: "SWMTKN-1-worker", manager: "SWMTKN-1-manager" },
    repoDigest: `nginx@sha256:${"a".repeat(64)}`,
    runningTasks: 3,
  }));
  ({ Host } = require("../../src/host/host"));
  ({ DockerEngine } = require("../../src/engine/docker-engine"));
  ({ Swarm } = require("../../src/swarm/swarm"));
  ({ Service } = require("../../src/swarm/service"));
});

let n = 0;
const engine = (address = `10.0.0.${++n}`) =>
  new DockerEngine(`e${++n}`, { host: new Host(`h${n}`, { address, privateKey: key.private, hostKey }), method: "adopt" });

const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { path: (e as { propertyPath?: string }).propertyPath, message: (e as Error).message };
  }
  return undefined;
};

const node = (key: string, role: "manager" | "worker", extra: Partial<DesiredNode> = {}): DesiredNode => ({
  key,
  name: key,
  role,
  labels: {},
  availability: "active",
  ...extra,
});
const active = (nodeId: string, clusterId = "c1") => ({ state: "active", nodeId, clusterId });
const inactive = { state: "inactive", nodeId: "", clusterId: "" };

test("plan: a new swarm inits on the first manager, then the others join with their role", (t) => {
  const desired = [node("m1", "manager"), node("m2", "manager"), node("w1", "worker", { labels: { zone: "a" } })];
  const observed: ObservedSwarm = { local: { m1: inactive, m2: inactive, w1: inactive }, clusterId: "", nodes: [] };
  t.deepEqual(planSwarm(desired, observed, []), [
    { kind: "init", key: "m1" },
    { kind: "join", key: "m2", role: "manager" },
    { kind: "join", key: "w1", role: "worker" },
    { kind: "updateNode", key: "w1", nodeId: "", role: "worker", labels: { zone: "a" }, availability: "active", why: ["new node"] },
  ]);
});

test("plan: a swarm as declared needs nothing; drift in role, labels, availability and membership is each a step", (t) => {
  const desired = [node("m1", "manager"), node("w1", "worker", { labels: { zone: "a" } }), node("w2", "worker")];
  const nodes: ClusterNode[] = [
    { id: "n1", hostname: "m1", role: "manager" as const, labels: {}, availability: "active" as const, status: "ready" },
    { id: "n2", hostname: "w1", role: "worker" as const, labels: { zone: "a" }, availability: "active" as const, status: "ready" },
    { id: "n3", hostname: "w2", role: "worker" as const, labels: {}, availability: "active" as const, status: "ready" },
  ];
  const observed: ObservedSwarm = { local: { m1: active("n1"), w1: active("n2"), w2: active("n3") }, clusterId: "c1", nodes };
  t.deepEqual(planSwarm(desired, observed, []), []);

  const drifted: ObservedSwarm = {
    local: { m1: active("n1"), w1: active("n2"), w2: inactive },
    clusterId: "c1",
    nodes: [nodes[0], { ...nodes[1], role: "manager", labels: { zone: "b" }, availability: "drain" }, { ...nodes[2], status: "down" }],
  };
  const steps = planSwarm(desired, drifted, []);
  t.deepEqual(steps, [
    {
      kind: "updateNode",
      key: "w1",
      nodeId: "n2",
      role: "worker",
      labels: { zone: "a" },
      availability: "active",
      why: ["role is manager, want worker", 'labels are {"zone":"b"}, want {"zone":"a"}', "availability is drain, want active"],
    },
    { kind: "join", key: "w2", role: "worker" },
  ]);
  t.deepEqual(describeSteps(steps, { w1: "10.0.0.2", w2: "10.0.0.3" }), [
    '10.0.0.2: role is manager, want worker; labels are {"zone":"b"}, want {"zone":"a"}; availability is drain, want active',
    "10.0.0.3 is not in the swarm (joins as worker)",
  ]);
});

test("plan: a node taken out of the declaration is removed; one already gone needs nothing", (t) => {
  const desired = [node("m1", "manager")];
  const nodes = [
    { id: "n1", hostname: "m1", role: "manager" as const, labels: {}, availability: "active" as const, status: "ready" },
    { id: "n2", hostname: "w1", role: "worker" as const, labels: {}, availability: "active" as const, status: "ready" },
  ];
  const observed: ObservedSwarm = { local: { m1: active("n1"), w1: active("n2") }, clusterId: "c1", nodes };
  t.deepEqual(planSwarm(desired, observed, [{ key: "w1", name: "w1", nodeId: "n2" }]), [
    { kind: "remove", key: "w1", name: "w1", nodeId: "n2", wasManager: false },
  ]);
  const gone: ObservedSwarm = { local: { m1: active("n1"), w1: inactive }, clusterId: "c1", nodes: [nodes[0]] };
  t.deepEqual(planSwarm(desired, gone, [{ key: "w1", name: "w1", nodeId: "n2" }]), []);
});

test("plan: a node in another swarm is not joined (the provider refuses it); a first manager that left re-inits", (t) => {
  const desired = [node("m1", "manager"), node("w1", "worker")];
  const observed: ObservedSwarm = { local: { m1: inactive, w1: active("n9", "other") }, clusterId: "", nodes: [] };
  t.deepEqual(
    planSwarm(desired, observed, []).map((s) => s.kind),
    ["init", "join"],
  );
});

const spec: ServiceSpec = {
  name: "web",
  image: `nginx@sha256:${"a".repeat(64)}`,
  mode: "replicated",
  replicas: 3,
  ports: [{ targetPort: 80, publishedPort: 8080, protocol: "tcp", publishMode: "host" }],
  constraints: ["node.role == worker"],
  labels: {},
  networks: ["backend"],
  update: { parallelism: 1, delaySeconds: 10, failureAction: "rollback", order: "stop-first", monitorSeconds: 5 },
  rollback: { parallelism: 1, delaySeconds: 0, failureAction: "pause", order: "stop-first", monitorSeconds: 5 },
  convergeTimeoutSeconds: 120,
};

test("service spec: the Engine API body; the same spec read back is no drift; a hand scale, image or env change is", (t) => {
  const body = renderServiceSpec(spec, { B: "2", A: "secret-value" }, { backend: "net123" }) as Record<string, any>;
  t.deepEqual(body.Mode, { Replicated: { Replicas: 3 } });
  t.deepEqual(body.EndpointSpec.Ports, [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }]);
  t.deepEqual(body.TaskTemplate.ContainerSpec.Env, ["A=secret-value", "B=2"]);
  t.deepEqual(body.TaskTemplate.Networks, [{ Target: "net123" }]);
  t.is(body.UpdateConfig.Delay, 10e9);
  t.is(body.UpdateConfig.FailureAction, "rollback");
  t.is(body.Labels["dockyard.managed"], "true");
  const env = { B: "2", A: "secret-value" };
  t.deepEqual(serviceSpecDrift(spec, env, { backend: "net123" }, body), []);
  // As the state hands it back: every key sorted.
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sortKeys(x)]),
          )
        : v;
  t.deepEqual(serviceSpecDrift(sortKeys(spec) as ServiceSpec, env, { backend: "net123" }, body), [], "key order is no drift");
  const scaled = { ...body, Mode: { Replicated: { Replicas: 1 } } };
  t.deepEqual(serviceSpecDrift(spec, env, { backend: "net123" }, scaled), ["service web has 1 replicas, want 3"]);
  const changed = { ...body, TaskTemplate: { ...body.TaskTemplate, ContainerSpec: { Image: "nginx:other", Env: ["A=changed", "B=2"] } } };
  const drift = serviceSpecDrift(spec, env, { backend: "net123" }, changed);
  t.deepEqual(drift, [`service web runs nginx:other, want ${spec.image}`, "service web has other environment variables"]);
  t.false(drift.join(" ").includes("secret-value"), "env values are never quoted");
});

test("service ports: host mode by default, bad ones named", (t) => {
  t.deepEqual(parseServicePort("8080:80"), { targetPort: 80, publishedPort: 8080, protocol: "tcp", publishMode: "host" });
  t.deepEqual(parseServicePort("53:53/udp"), { targetPort: 53, publishedPort: 53, protocol: "udp", publishMode: "host" });
  t.deepEqual(parseServicePort({ targetPort: 80, publishMode: "ingress" }), {
    targetPort: 80,
    publishedPort: 80,
    protocol: "tcp",
    publishMode: "ingress",
  });
  t.regex(parseServicePort("80") as string, /must look like "8080:80"/);
  t.regex(parseServicePort("99999:80") as string, /1-65535/);
});

test.serial(
  "Swarm: nodes reach the provider managers first with labels and availability; credentials and join tokens are secrets",
  async (t) => {
    const m = engine("10.0.0.1");
    const w = engine("10.0.0.2");
    const swarm = new Swarm("s1", { managers: [{ engine: m }], workers: [{ engine: w, labels: { zone: "a" }, availability: "pause" }] });
    t.deepEqual(
      (await valueOf(swarm.managers)).map((x) => x.hostname),
      ["m1"],
    );
    t.deepEqual(
      (await valueOf(swarm.workers)).map((x) => x.hostname),
      ["w1"],
    );
    t.true(await (swarm.joinTokens as unknown as { isSecret: Promise<boolean> }).isSecret, "joinTokens is a secret output");
    const res = created.find((r) => r.name === "s1-swarm")!;
    t.is(res.type, "dockyard:index:SwarmCluster");
    const nodes = res.inputs.nodes as { role: string; labels: object; availability: string; connection: { host: string } }[];
    t.deepEqual(
      nodes.map((x) => [x.connection.host, x.role, x.labels, x.availability]),
      [
        ["10.0.0.1", "manager", {}, "active"],
        ["10.0.0.2", "worker", { zone: "a" }, "pause"],
      ],
    );
  },
);

test.serial("Swarm and Service refuse bad input naming the field, before any resource of theirs is registered", (t) => {
  const before = created.length;
  t.deepEqual(
    thrown(() => new Swarm("bad1", { managers: [] })),
    { path: "managers", message: "[DOCKYARD_INVALID_ARGUMENT] Swarm bad1: managers must list at least one manager" },
  );
  const e = engine();
  t.is(thrown(() => new Swarm("bad2", { managers: [{ engine: e, availability: "sleep" as "drain" }] }))?.path, "managers[0].availability");
  t.is(thrown(() => new Swarm("bad3", { managers: [{ engine: e }], workers: [{ engine: e }] }))?.path, "workers[0]");
  const noManagers = { managerEngines: [] } as unknown as InstanceType<typeof Swarm>;
  t.deepEqual(
    thrown(() => new Service("svc1", { swarm: noManagers, name: "web", image: "nginx" })),
    {
      path: "swarm",
      message: "[DOCKYARD_INVALID_ARGUMENT] Service svc1: swarm has no managers: a service is managed through a manager",
    },
  );
  const swarm = { managerEngines: [e] } as unknown as InstanceType<typeof Swarm>;
  t.is(thrown(() => new Service("svc2", { swarm, name: "web", image: "nginx", replicas: -1 }))?.path, "replicas");
  t.deepEqual(
    thrown(() => new Service("svc3", { swarm, name: "web", image: "nginx", ports: ["80"] })),
    {
      path: "ports[0]",
      message: '[DOCKYARD_INVALID_ARGUMENT] Service svc3: ports[0] must look like "8080:80" or "53:53/udp" (got "80")',
    },
  );
  t.is(thrown(() => new Service("svc4", { swarm, name: "web", image: "nginx", constraints: ["role=worker"] }))?.path, "constraints[0]");
  t.is(
    thrown(() => new Service("svc5", { swarm, name: "web", image: "nginx", updateConfig: { failureAction: "explode" as "pause" } }))?.path,
    "updateConfig.failureAction",
  );
  t.is(thrown(() => new Service("svc6", { swarm, name: "web", image: "NGINX" }))?.path, "image");
  const registeredNow = created.slice(before).map((r) => r.type);
  t.false(
    registeredNow.some((ty) => /Swarm$|Service$|Image$/.test(ty)),
    `nothing of theirs registered: ${registeredNow.join(", ")}`,
  );
});

test.serial(
  "Service: the image is resolved on the first manager, the service runs that digest with the declared ports and update policy",
  async (t) => {
    const m = engine("10.0.0.1");
    const swarm = new Swarm("s2", { managers: [{ engine: m }] });
    const svc = new Service("web", {
      swarm,
      name: "web",
      image: "nginx:1.25",
      replicas: 3,
      ports: ["8080:80"],
      env: { PASSWORD: pulumi.secret("hunter2") },
      updateConfig: { parallelism: 2, delaySeconds: 5, failureAction: "rollback" },
    });
    t.is(await valueOf(svc.replicas), 3);
    const img = created.find((r) => r.name === "web-image")!;
    t.is((img.inputs.connection as { host: string }).host, "10.0.0.1", "the image is pulled on the first manager");
    t.is((img.inputs.spec as { ref: string }).ref, "nginx:1.25");
    const res = created.find((r) => r.name === "web-service")!;
    t.regex(res.type, /^dockyard:index:Service$/);
    const s = res.inputs.spec as ServiceSpec;
    t.is(s.image, `nginx@sha256:${"a".repeat(64)}`);
    t.deepEqual(s.update, { parallelism: 2, delaySeconds: 5, failureAction: "rollback", order: "stop-first", monitorSeconds: 5 });
    t.deepEqual(s.ports, [{ targetPort: 80, publishedPort: 8080, protocol: "tcp", publishMode: "host" }]);
  },
);

test("service spec: global mode has no replica count; switching mode is drift", (t) => {
  const global: ServiceSpec = { ...spec, mode: "global", replicas: undefined, networks: [] };
  const body = renderServiceSpec(global, {}, {}) as Record<string, any>;
  t.deepEqual(body.Mode, { Global: {} });
  t.deepEqual(serviceSpecDrift(global, {}, {}, body), []);
  t.deepEqual(serviceSpecDrift(global, {}, {}, { ...body, Mode: { Replicated: { Replicas: 2 } } }), [
    "service web is replicated, want global",
  ]);
});
