import test from "ava";
import type Docker from "dockerode";
import { type ContainerSpec, containerNetworkDrift } from "../../src/plan/container";
import { joinNetworks } from "../../src/providers/container";

/** A fake Engine API client that records network connects and disconnects. */
function fakeDocker(missing: string[] = []) {
  const calls: string[] = [];
  const docker = {
    getNetwork: (name: string) => ({
      connect: async (o: { Container: string; EndpointConfig: { Aliases?: string[] } }) => {
        if (missing.includes(name)) throw Object.assign(new Error(`network ${name} not found`), { statusCode: 404 });
        calls.push(`connect ${name} ${(o.EndpointConfig.Aliases ?? []).join(",")}`);
      },
      disconnect: async () => {
        calls.push(`disconnect ${name}`);
      },
    }),
  } as unknown as Docker;
  return { docker, calls };
}

const info = (networks: Record<string, { Aliases?: string[]; NetworkID?: string }>) =>
  ({ Id: "c1", Name: "/api", NetworkSettings: { Networks: networks } }) as unknown as Docker.ContainerInspectInfo;

test("joining: unchanged networks are left alone; a new alias reconnects; a network left out is disconnected; networks Dockyard was not told about stay", async (t) => {
  const on = info({ shop: { Aliases: ["backend", "c1"], NetworkID: "n1" }, other: { Aliases: [] } });
  let f = fakeDocker();
  await joinNetworks(
    f.docker,
    on,
    [{ name: "shop", aliases: ["backend"], id: "n1" }],
    [{ name: "shop", aliases: ["backend"], id: "n1" }],
    "t",
  );
  t.deepEqual(f.calls, [], "nothing to do");

  f = fakeDocker();
  await joinNetworks(
    f.docker,
    on,
    [{ name: "shop", aliases: ["backend"], id: "n1" }],
    [{ name: "shop", aliases: ["backend", "api"], id: "n1" }],
    "t",
  );
  t.deepEqual(f.calls, ["disconnect shop", "connect shop backend,api"]);

  f = fakeDocker();
  await joinNetworks(
    f.docker,
    on,
    [
      { name: "shop", aliases: ["backend"] },
      { name: "other", aliases: [] },
    ],
    [{ name: "shop", aliases: ["backend"] }],
    "t",
  );
  t.deepEqual(f.calls, ["disconnect other"], "only a network it declared before");

  f = fakeDocker();
  await joinNetworks(
    f.docker,
    info({}),
    undefined,
    [
      { name: "shop", aliases: ["backend"], id: "n2" },
      { name: "metrics", aliases: [] },
    ],
    "t",
  );
  t.deepEqual(f.calls, ["connect shop backend", "connect metrics "], "a network made again is joined again");

  f = fakeDocker();
  await joinNetworks(f.docker, info({ shop: { Aliases: ["backend"] } }), [{ name: "shop", aliases: ["backend"] }], undefined, "t");
  t.deepEqual(f.calls, ["disconnect shop", "connect bridge "], "no networks any more: back on the default bridge");

  f = fakeDocker(["gone"]);
  const e = await t.throwsAsync(joinNetworks(f.docker, info({}), undefined, [{ name: "gone", aliases: [] }], "root@h:22"));
  t.is(
    e!.message,
    "[DOCKYARD_NETWORK_MISSING] root@h:22: network gone is not on the host, so container api cannot join it: declare a Network for it (or create it) first",
  );
});

test("drift: a container that left a network or lost an alias", (t) => {
  const spec = {
    name: "api",
    networks: [
      { name: "shop", aliases: ["backend"] },
      { name: "metrics", aliases: [] },
    ],
  } as unknown as ContainerSpec;
  t.deepEqual(containerNetworkDrift(spec, info({ shop: { Aliases: ["backend", "c1"] }, metrics: {} })), []);
  t.deepEqual(containerNetworkDrift(spec, info({ shop: { Aliases: ["c1"] } })), [
    "container api on network shop lacks alias backend",
    "container api is not on network metrics",
  ]);
  t.deepEqual(containerNetworkDrift({ name: "plain" } as ContainerSpec, info({ bridge: {} })), [], "no networks declared: none checked");
});
