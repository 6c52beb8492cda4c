import { keyPair } from "../rig/keys";
import test from "ava";
import { cidrProblem, cidrsOverlap, gatewayProblem, parseCidr } from "../../src/model/cidr";
import { networkDrift } from "../../src/plan/network";
import { volumeDrift } from "../../src/plan/volume";
import { type Registered, registeredSince, setUnitMocks, valueOf } from "./support/mocks";

let Host: typeof import("../../src/host/host").Host;
let DockerEngine: typeof import("../../src/engine/docker-engine").DockerEngine;
let Network: typeof import("../../src/workload/network").Network;
let Volume: typeof import("../../src/workload/volume").Volume;
let Container: typeof import("../../src/workload/container").Container;
let created: Registered[] = [];
const key = keyPair();
const hostKey = keyPair().public;

test.before(async () => {
  ({ created } = await setUnitMocks({
    version: "20.10.24",
    drift: [],
    networkId: "net-id-1",
    mountpoint: "/var/lib/docker/volumes/x/_data",
    state: "running",
  }));
  ({ Host } = require("../../src/host/host"));
  ({ DockerEngine } = require("../../src/engine/docker-engine"));
  ({ Network } = require("../../src/workload/network"));
  ({ Volume } = require("../../src/workload/volume"));
  ({ Container } = require("../../src/workload/container"));
});

let n = 0;
const engine = () =>
  new DockerEngine(`e${++n}`, { host: new Host(`h${n}`, { address: `10.0.0.${n}`, privateKey: key.private, hostKey }), method: "adopt" });

const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { path: (e as { propertyPath?: string }).propertyPath, message: (e as Error).message };
  }
  return undefined;
};

test("CIDRs: syntax, host bits, containment and overlap", (t) => {
  t.is(cidrProblem("172.30.0.0/24"), "");
  t.regex(cidrProblem("172.30.0.0"), /must be an IPv4 CIDR/);
  t.regex(cidrProblem("300.1.0.0/16"), /must be an IPv4 CIDR/);
  t.regex(cidrProblem("10.0.0.0/33"), /must be an IPv4 CIDR/);
  t.regex(cidrProblem("fd00::/64"), /IPv6 subnets are not supported yet/);
  t.regex(cidrProblem("172.30.0.5/24"), /host bits set.*did you mean "172\.30\.0\.0\/24"/);
  t.true(cidrsOverlap(parseCidr("10.0.0.0/16")!, parseCidr("10.0.5.0/24")!));
  t.false(cidrsOverlap(parseCidr("10.0.0.0/24")!, parseCidr("10.0.1.0/24")!));
  t.is(gatewayProblem("172.30.0.0/24", "172.30.0.1"), "");
  t.is(gatewayProblem("172.30.0.0/24", "172.31.0.1"), "172.31.0.1 is outside the subnet 172.30.0.0/24");
  t.regex(gatewayProblem("172.30.0.0/24", "172.30.0.255"), /broadcast address/);
  t.regex(gatewayProblem("172.30.0.0/24", "gw"), /must be an IPv4 address/);
});

test.serial(
  "Network: bad subnet, gateway outside the subnet, gateway without subnet and bad names are refused naming the field, before anything is registered",
  async (t) => {
    const e = engine();
    const before = created.length;
    t.deepEqual(
      thrown(() => new Network("bad1", { engine: e, name: "shop", subnet: "172.30.0.0/33" })),
      {
        path: "subnet",
        message: '[DOCKYARD_INVALID_ARGUMENT] Network bad1: subnet must be an IPv4 CIDR like "172.30.0.0/24" (got "172.30.0.0/33")',
      },
    );
    t.deepEqual(
      thrown(() => new Network("bad2", { engine: e, name: "shop", subnet: "172.30.0.0/24", gateway: "172.31.0.1" })),
      {
        path: "gateway",
        message: "[DOCKYARD_INVALID_ARGUMENT] Network bad2: gateway 172.31.0.1 is outside the subnet 172.30.0.0/24",
      },
    );
    t.is(thrown(() => new Network("bad3", { engine: e, name: "shop", gateway: "172.30.0.1" }))?.path, "gateway");
    t.is(thrown(() => new Network("bad4", { engine: e, name: "-shop" }))?.path, "name");
    const since = await registeredSince(created, before);
    t.deepEqual(
      since.filter((r) => r.name.endsWith("-network")),
      [],
      "no network is made on the host",
    );
  },
);

test.serial("Network: a bridge by default, spec as declared, type token and outputs", async (t) => {
  const e = engine();
  const before = created.length;
  const net = new Network("shop", {
    engine: e,
    name: "shop",
    subnet: "172.30.0.0/24",
    gateway: "172.30.0.1",
    labels: { team: "shop" },
    internal: true,
  });
  t.is(net.networkName, "shop");
  t.is(await valueOf(net.networkId), "net-id-1");
  const since = await registeredSince(created, before);
  t.truthy(since.find((r) => r.type === "dockyard:workload:Network" && r.name === "shop"));
  const res = since.find((r) => r.name === "shop-network")!;
  t.deepEqual(res.inputs.spec, {
    name: "shop",
    driver: "bridge",
    subnet: "172.30.0.0/24",
    gateway: "172.30.0.1",
    internal: true,
    labels: { team: "shop" },
  });
  const plain = since.find((r) => r.name === "plain-network");
  t.is(plain, undefined);
  new Network("plain", { engine: e, name: "plain" });
  const p = (await registeredSince(created, before)).find((r) => r.name === "plain-network")!;
  t.deepEqual(p.inputs.spec, { name: "plain", driver: "bridge", internal: false, labels: {} });
});

test.serial("Volume: kept on destroy unless asked; bad names refused naming the field", async (t) => {
  const e = engine();
  const before = created.length;
  t.is(thrown(() => new Volume("v0", { engine: e, name: "/abs" }))?.path, "name");
  new Volume("data", { engine: e, name: "shop-data", labels: { team: "shop" } });
  new Volume("scratch", { engine: e, name: "scratch", driverOpts: { type: "tmpfs", device: "tmpfs" }, deleteOnDestroy: true });
  const since = await registeredSince(created, before);
  t.truthy(since.find((r) => r.type === "dockyard:workload:Volume" && r.name === "data"));
  const data = since.find((r) => r.name === "data-volume")!;
  t.deepEqual(data.inputs.spec, { name: "shop-data", driver: "local", driverOpts: {}, labels: { team: "shop" } });
  t.is(data.inputs.deleteOnDestroy, false);
  t.is(since.find((r) => r.name === "scratch-volume")!.inputs.deleteOnDestroy, true);
});

test.serial(
  "Container: joins networks with aliases (the Network's id in its spec) and mounts a Volume by name; bad entries refused naming the field",
  async (t) => {
    const e = engine();
    const before = created.length;
    const net = new Network("app", { engine: e, name: "app" });
    const data = new Volume("appdata", { engine: e, name: "app-data" });
    new Container("api", {
      engine: e,
      name: "api",
      image: "nginx:1.25",
      networks: [{ network: net, aliases: ["backend"] }, "monitoring"],
      volumes: [{ volume: data, target: "/data" }],
    });
    new Container("plain", { engine: e, name: "plain", image: "nginx:1.25" });
    const since = await registeredSince(created, before);
    const spec = since.find((r) => r.name === "api")!.inputs.spec as Record<string, unknown>;
    t.deepEqual(spec.networks, [
      { name: "app", aliases: ["backend"], id: "net-id-1" },
      { name: "monitoring", aliases: [] },
    ]);
    t.deepEqual(spec.volumes, [{ source: "app-data", target: "/data" }]);
    t.false(
      "networks" in (since.find((r) => r.name === "plain")!.inputs.spec as object),
      "no networks: the spec is as before networks existed",
    );

    t.is(
      thrown(() => new Container("c1", { engine: e, name: "c1", image: "nginx", networks: [{ network: net, aliases: ["bad alias"] }] }))
        ?.path,
      "networks[0].aliases[0]",
    );
    t.is(thrown(() => new Container("c2", { engine: e, name: "c2", image: "nginx", networks: [net, "app"] }))?.path, "networks[1]");
    t.is(
      thrown(() => new Container("c3", { engine: engine(), name: "c3", image: "nginx", networks: [net] }))?.message,
      "[DOCKYARD_INVALID_ARGUMENT] Container c3: networks[0].network is a network of another engine (app)",
    );
    t.is(
      thrown(() => new Container("c4", { engine: engine(), name: "c4", image: "nginx", volumes: [{ volume: data, target: "/d" }] }))?.path,
      "volumes[0].volume",
    );
    t.is(
      thrown(() => new Container("c5", { engine: e, name: "c5", image: "nginx", volumes: [{ volume: data, target: "rel" }] }))?.path,
      "volumes[0]",
    );
  },
);

test("network drift: missing, replaced, changed by hand; only what the spec fixes is compared", (t) => {
  const spec = { name: "app", driver: "bridge", internal: false, labels: { team: "a" } };
  const info = {
    Id: "n1",
    Name: "app",
    Driver: "bridge",
    Internal: false,
    Labels: { team: "a", "dockyard.managed": "true" },
    IPAM: { Config: [{ Subnet: "172.18.0.0/16", Gateway: "172.18.0.1" }] },
  };
  t.deepEqual(networkDrift(spec, "n1", info), [], "an engine-chosen subnet is not drift");
  t.deepEqual(networkDrift(spec, "n1", undefined), ["network app is missing"]);
  t.deepEqual(networkDrift(spec, "n0", info), ["network app was replaced outside Dockyard"]);
  t.deepEqual(networkDrift({ ...spec, subnet: "172.30.0.0/24", internal: true }, "n1", info), [
    "network app has other settings: not internal, subnet 172.18.0.0/16, not 172.30.0.0/24",
  ]);
  t.deepEqual(networkDrift(spec, undefined, { ...info, Labels: { team: "a" } }), ["network app was not created by Dockyard"]);
});

test("volume drift: missing, other driver options, not ours", (t) => {
  const spec = { name: "data", driver: "local", driverOpts: {}, labels: {} };
  const info = { Name: "data", Driver: "local", Mountpoint: "/m", Labels: { "dockyard.managed": "true" }, Options: null };
  t.deepEqual(volumeDrift(spec, info), []);
  t.deepEqual(volumeDrift(spec, undefined), ["volume data is missing"]);
  t.deepEqual(volumeDrift({ ...spec, driverOpts: { type: "tmpfs" } }, info), [
    'volume data has other settings: driver options {}, not {"type":"tmpfs"}',
  ]);
  t.deepEqual(volumeDrift(spec, { ...info, Labels: {} }), ["volume data has other settings: not created by Dockyard"]);
});
