import test from "ava";
import {
  type NetworkInfo,
  type NetworkPlan,
  type NetworkSpec,
  networkChange,
  networkCreateOptions,
  planNetworkCreate,
  planNetworkRemoval,
  planNetworkUpdate,
} from "../../src/plan/network";
import { type Refusal, refuse } from "../../src/plan/refusal";

const spec = (over: Partial<NetworkSpec> = {}): NetworkSpec => ({ name: "shop", driver: "bridge", internal: false, labels: {}, ...over });
const info = (over: Partial<NetworkInfo> = {}): NetworkInfo => ({
  Id: "n1",
  Name: "shop",
  Driver: "bridge",
  Internal: false,
  Labels: { "dockyard.managed": "true" },
  IPAM: { Config: [{ Subnet: "172.18.0.0/16", Gateway: "172.18.0.1" }] },
  Containers: {},
  ...over,
});
const foreign = refuse(
  "DOCKYARD_NOT_MANAGED",
  "a network named shop exists and was not created by Dockyard: remove or rename it, or choose another name. Nothing was changed",
);

const createRows: [string, NetworkSpec, NetworkInfo | undefined, NetworkPlan | Refusal][] = [
  ["none there: made", spec(), undefined, { kind: "create" }],
  ["ours and as declared (an interrupted run): taken", spec(), info(), { kind: "keep", networkId: "n1" }],
  ["ours with other settings: removed, made again", spec({ internal: true }), info(), { kind: "create", remove: info() }],
  ["another subnet than declared: made again", spec({ subnet: "10.5.0.0/24" }), info(), { kind: "create", remove: info() }],
  ["not ours: refused", spec(), info({ Labels: {} }), foreign],
];

for (const [label, s, existing, want] of createRows) {
  test(`network create: ${label}`, (t) => {
    t.deepEqual(planNetworkCreate(s, existing), want);
  });
}

const updateRows: [string, NetworkSpec, string, NetworkInfo | undefined, NetworkPlan | Refusal][] = [
  ["only the connection changed: not touched", spec(), "n1", info(), { kind: "keep", networkId: "n1" }],
  ["removed by hand: made again", spec(), "n1", undefined, { kind: "create" }],
  ["made again by hand, as declared: taken", spec(), "n0", info(), { kind: "keep", networkId: "n1" }],
  ["changed by hand: made again", spec(), "n1", info({ Driver: "macvlan" }), { kind: "create", remove: info({ Driver: "macvlan" }) }],
  ["replaced by someone else's: refused", spec(), "n1", info({ Id: "n7", Labels: {} }), foreign],
];

for (const [label, s, id, existing, want] of updateRows) {
  test(`network update: ${label}`, (t) => {
    t.deepEqual(planNetworkUpdate(s, id, existing), want);
  });
}

test("network removal: our containers disconnected first, anyone else's refuses it", (t) => {
  t.deepEqual(planNetworkRemoval(info(), []), { disconnect: [] });
  t.deepEqual(
    planNetworkRemoval(info(), [
      { name: "api", managed: true },
      { name: "web", managed: true },
    ]),
    { disconnect: ["api", "web"] },
  );
  t.deepEqual(
    planNetworkRemoval(info(), [
      { name: "api", managed: true },
      { name: "zed", managed: false },
      { name: "adhoc", managed: false },
    ]),
    refuse(
      "DOCKYARD_NETWORK_IN_USE",
      "network shop is used by containers Dockyard does not manage (adhoc, zed): disconnect them (`docker network disconnect shop <container>`) and run again. Nothing was changed",
    ),
  );
});

const changeRows: [string, NetworkSpec, NetworkSpec, string[], "same" | "update" | "replace", ReturnType<typeof networkChange>][] = [
  ["nothing declared changed: only the host can tell", spec(), spec(), [], "same", "probe"],
  ["another machine: replaced", spec(), spec(), [], "replace", { changes: true, replaces: ["connection"], deleteBeforeReplace: true }],
  [
    "any setting: replaced, the old one removed first",
    spec(),
    spec({ labels: { team: "a" } }),
    [],
    "same",
    { changes: true, replaces: ["spec"], deleteBeforeReplace: true },
  ],
  ["new credentials: an update", spec(), spec(), [], "update", { changes: true }],
  ["drift recorded by refresh: an update", spec(), spec(), ["network shop is missing"], "same", { changes: true }],
];

for (const [label, o, n, drift, connection, want] of changeRows) {
  test(`network diff: ${label}`, (t) => {
    t.deepEqual(networkChange({ spec: o, drift }, { spec: n }, connection), want);
  });
}

test("network create options: our label, IPAM only with a subnet", (t) => {
  t.deepEqual(networkCreateOptions(spec({ labels: { team: "a" } })), {
    Name: "shop",
    Driver: "bridge",
    Internal: false,
    CheckDuplicate: true,
    Labels: { team: "a", "dockyard.managed": "true" },
  });
  t.deepEqual(networkCreateOptions(spec({ subnet: "10.5.0.0/24", gateway: "10.5.0.1", internal: true })).IPAM, {
    Driver: "default",
    Config: [{ Subnet: "10.5.0.0/24", Gateway: "10.5.0.1" }],
  });
  t.deepEqual(networkCreateOptions(spec({ subnet: "10.5.0.0/24" })).IPAM, { Driver: "default", Config: [{ Subnet: "10.5.0.0/24" }] });
});
