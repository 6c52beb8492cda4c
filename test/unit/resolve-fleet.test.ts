// The fleet spec resolved into what each host gets: plain data, no Pulumi runtime, no resource.
import test from "ava";
import { parseFleet } from "../../src/fleet/load-fleet";
import { resolveFleet, type FleetPlan } from "../../src/fleet/resolve-fleet";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const config: Record<string, string> = { sshKey: "PRIVATE", regPassword: "pw" };
const plan = (yaml: string, baseDir?: string): FleetPlan =>
  resolveFleet(parseFleet(yaml, "/srv/fleets/f.yaml"), { fleet: "t", config: (k) => config[k], baseDir });
const hosts = (...names: string[]) =>
  names.map((n, i) => `  - { name: ${n}, address: 10.0.0.${i + 1}, hostKey: ${KEY}, groups: [${i ? "app" : "infra"}] }`).join("\n");
const head = (names: string[]) => `defaults:
  privateKey: { config: sshKey }
hosts:
${hosts(...names)}
`;

test("each host's batch, and a gate per later batch waiting for the hosts of the batch before", (t) => {
  const p = plan(`${head(["a", "b", "c"])}rollout: { batch: 1, pause: 10s }\n`);
  t.deepEqual(
    p.hosts.map((h) => [h.name, h.batch]),
    [
      ["a", 0],
      ["b", 1],
      ["c", 2],
    ],
  );
  t.deepEqual(p.rollout.batches, [["a"], ["b"], ["c"]]);
  t.deepEqual(p.rollout.gates, [
    { name: "rollout-2-of-3", after: ["a"], label: "batch 1 of 3 (a)", pause: "10s", timeout: undefined },
    { name: "rollout-3-of-3", after: ["b"], label: "batch 2 of 3 (b)", pause: "10s", timeout: undefined },
  ]);
  const none = plan(head(["a", "b"]));
  t.deepEqual(none.rollout, { batches: [["a", "b"]], gates: [] }, "without rollout: one batch, no gate");
  t.deepEqual(
    none.hosts.map((h) => h.batch),
    [0, 0],
  );
});

test("on: lists become one entry per host, in fleet order; a host pulls a reference once, with its first entry's settings", (t) => {
  const p = plan(`${head(["reg", "a1", "a2"])}images:
  - { ref: "redis:7", on: [a2, app], pullPolicy: always }
  - { ref: "redis:7", on: all, keepOnDestroy: true }
networks:
  - { name: shop, on: [app] }
volumes:
  - { name: data, on: [a1] }
containers:
  - name: api
    image: "redis:7"
    on: [a1]
    volumes: ["data:/data:ro", "/srv/x:/x"]
    networks: [shop, { network: shop, aliases: [backend] }]
    ports: ["8080:80"]
  - { name: cache, image: "redis:7", on: [reg] }
`);
  t.deepEqual(
    p.images.map((i) => [i.host, i.ref, i.pullPolicy, i.keepOnDestroy]),
    [
      ["a1", "redis:7", "always", undefined],
      ["a2", "redis:7", "always", undefined],
      ["reg", "redis:7", undefined, true],
    ],
  );
  t.deepEqual(
    p.networks.map((n) => [n.host, n.name]),
    [
      ["a1", "shop"],
      ["a2", "shop"],
    ],
  );
  t.deepEqual(
    p.volumes.map((v) => [v.host, v.name, v.args.name]),
    [["a1", "data", "data"]],
  );
  const api = p.containers.find((c) => c.name === "api")!;
  t.is(api.host, "a1");
  t.deepEqual(
    api.volumes,
    [{ volume: "data", target: "/data", readOnly: true }, "/srv/x:/x"],
    "a fleet volume by name; else the bind mount as written",
  );
  t.deepEqual(api.networks, [{ network: "shop" }, { network: "shop", aliases: ["backend"] }]);
  t.deepEqual(api.ports, ["8080:80"]);
  t.deepEqual(p.containers.find((c) => c.name === "cache")!.ports, [], "no ports: an empty list for the endpoints");
});

test("registries: their host, the hosts that trust them, their users' passwords from config", (t) => {
  const p = plan(`${head(["reg", "a1", "a2"])}registries:
  - { name: intranet, host: reg, trustedBy: [app], users: [ { username: ci, password: { config: regPassword } } ] }
  - { name: cache, host: a1 }
`);
  t.deepEqual(
    p.registries.map((r) => [r.name, r.host, r.trustedBy]),
    [
      ["intranet", "reg", ["a1", "a2"]],
      ["cache", "a1", undefined],
    ],
  );
  t.false("trustedBy" in p.registries[1], "no trustedBy: none set");
  t.is(p.registries[0].args.users?.[0].username, "ci");
});

test("swarm: managers then workers as members; node settings only where given; services pulled on the first manager", (t) => {
  const p = plan(`${head(["m", "w1", "w2"])}swarm:
  managers: [m]
  workers: [ w1, { host: w2, labels: { zone: b } } ]
  services:
    - { name: web, image: "nginx:1.25", replicas: 2 }
`);
  t.deepEqual(p.swarm?.members, ["m", "w1", "w2"]);
  t.deepEqual(p.swarm?.managers, [{ host: "m" }]);
  t.deepEqual(p.swarm?.workers, [{ host: "w1" }, { host: "w2", labels: { zone: "b" }, availability: undefined, advertiseAddr: undefined }]);
  t.deepEqual(
    p.swarm?.services.map((s) => [s.name, s.image, s.imageHost, s.args.replicas]),
    [["web", "nginx:1.25", "m", 2]],
  );
  t.is(plan(head(["m"])).swarm, undefined);
});

test("a relative bundle is relative to the fleet file's directory, or to the given baseDir", (t) => {
  const yaml = `${head(["a"])}`.replace(
    "privateKey: { config: sshKey }",
    "privateKey: { config: sshKey }\n  engine: { method: offline, bundle: bundles/docker.tgz, bundleSha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }",
  );
  t.is(plan(yaml).hosts[0].engine.bundle, "/srv/fleets/bundles/docker.tgz");
  t.is(plan(yaml, "/opt/b").hosts[0].engine.bundle, "/opt/b/bundles/docker.tgz");
});

test("image sources: an archive path and a directory are relative to the fleet file; an archive URL stays as written", (t) => {
  const sha = "a".repeat(64);
  const p = plan(`${head(["a"])}images:
  - { ref: "web:1", on: all, source: { archive: ../images/web.tar, sha256: ${sha} } }
  - { ref: "api:2", on: all, source: { archive: "https://depot.example/api.tar", sha256: ${sha} } }
  - { ref: "db:3", on: all, source: { controller: true, directory: depot } }
`);
  t.deepEqual(
    p.images.map((i) => i.source),
    [
      { archive: "/srv/images/web.tar", sha256: sha },
      { archive: "https://depot.example/api.tar", sha256: sha },
      { controller: true, directory: "/srv/fleets/depot" },
    ],
  );
});
