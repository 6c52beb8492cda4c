import test from "ava";
import { type DesiredNode, type ObservedSwarm, swarmDrift, swarmRefusal } from "../../src/plan/swarm";

const node = (key: string, role: "manager" | "worker" = "worker"): DesiredNode => ({
  key,
  name: `node-${key}`,
  role,
  labels: {},
  availability: "active",
});
const active = (nodeId: string, clusterId = "c1") => ({ state: "active", nodeId, clusterId });
const desired = [node("m1", "manager"), node("w1")];
const swarm = (local: ObservedSwarm["local"], clusterId = "c1"): ObservedSwarm => ({
  local,
  clusterId,
  nodes: [
    { id: "n1", hostname: "m1", role: "manager", labels: {}, availability: "active", status: "ready" },
    { id: "n2", hostname: "w1", role: "worker", labels: {}, availability: "active", status: "ready" },
  ],
});

const refusalRows: [string, ObservedSwarm, ReturnType<typeof swarmRefusal>][] = [
  ["all in our swarm: none", swarm({ m1: active("n1"), w1: active("n2") }), undefined],
  ["a node in no swarm yet: none (it joins)", swarm({ m1: active("n1"), w1: { state: "inactive", nodeId: "", clusterId: "" } }), undefined],
  [
    "a node in another swarm: refused on it",
    swarm({ m1: active("n1"), w1: active("x9", "c2") }),
    {
      key: "w1",
      code: "DOCKYARD_SWARM_FOREIGN",
      message: "is already in another swarm (cluster c2): run `docker swarm leave` on it first. Nothing was changed on it",
    },
  ],
  [
    "a worker of another swarm (no cluster id): refused on it",
    swarm({ m1: active("n1"), w1: active("x9", "") }),
    {
      key: "w1",
      code: "DOCKYARD_SWARM_FOREIGN",
      message: "is already in another swarm: run `docker swarm leave` on it first. Nothing was changed on it",
    },
  ],
  ["the first manager in another swarm: not a refusal (it re-inits)", swarm({ m1: active("n1", "c2"), w1: active("n2") }), undefined],
  [
    "a locked swarm: refused",
    swarm({ m1: { state: "locked", nodeId: "n1", clusterId: "c1" }, w1: active("n2") }),
    { key: "m1", code: "DOCKYARD_SWARM_LOCKED", message: "its swarm is locked (autolock): unlock it with `docker swarm unlock` first" },
  ],
];

for (const [label, observed, want] of refusalRows) {
  test(`swarm refusal: ${label}`, (t) => {
    t.deepEqual(swarmRefusal(desired, observed), want);
  });
}

const driftRows: [string, ObservedSwarm, string, string[]][] = [
  ["as declared", swarm({ m1: active("n1"), w1: active("n2") }), "c1", []],
  [
    "a node not reached",
    swarm({ m1: active("n1"), w1: { state: "unreachable", nodeId: "", clusterId: "" } }),
    "c1",
    ["node-w1 could not be reached", "node-w1 is not in the swarm (joins as worker)"],
  ],
  [
    "the first manager in another swarm",
    swarm({ m1: active("n1", "c2"), w1: active("n2") }, "c2"),
    "c1",
    ["the first manager is in another swarm (c2, was c1)", "node-w1 is not in the swarm (joins as worker)"],
  ],
];

for (const [label, observed, recorded, want] of driftRows) {
  test(`swarm drift: ${label}`, (t) => {
    t.deepEqual(swarmDrift(desired, observed, recorded), want);
  });
}
