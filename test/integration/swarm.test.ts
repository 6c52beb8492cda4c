import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { DaemonConfig, Fleet, parseFleet, Service, Swarm } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost, fetchWithin } from "../rig/rig";
import { pulumiEngine, type TestStack, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

// One swarm on three rig hosts (h1 manager, h2 and h3 workers), one stack through every step;
// then the same cluster from a fleet file's `swarm:` section.
// Ports are published in host mode: the ingress routing mesh does not answer inside the rig's
// nested containers, so it is not exercised here.
let rig: Rig;
let pkgs: DockerPackages;
let ts: TestStack;
let declared = { workers: [1, 2], replicas: 3, crash: false };

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 3, registry: true }), ensureDockerPackages()]);
  await rig.pushNginx("latest");
  ts = await testStack("dockyard-swarm", "swarm", async () => {
    const engines = rig.hosts.map((h) => {
      const engine = offlineEngine(`${h.name}-docker`, rig, h, pkgs);
      const daemon = new DaemonConfig(`${h.name}-daemon`, { engine, registryMirrors: [`http://${rig.registry!.address}`] });
      return { engine, daemon };
    });
    const swarm = new Swarm(
      "cluster",
      {
        managers: [{ engine: engines[0].engine }],
        workers: declared.workers.map((i) => ({ engine: engines[i].engine, labels: { slot: `w${i}` } })),
      },
      { dependsOn: engines.map((e) => e.daemon) },
    );
    const web = new Service("web", {
      swarm,
      name: "web",
      image: "nginx:latest",
      replicas: declared.replicas,
      ports: ["8080:80"],
      networks: ["web-net"],
      updateConfig: { parallelism: 1, failureAction: "rollback" },
      convergeTimeoutSeconds: 150,
    });
    if (declared.crash) {
      new Service(
        "crash",
        { swarm, name: "crash", image: "nginx:latest", command: ["sh", "-c", "echo no config; exit 3"], convergeTimeoutSeconds: 20 },
        { dependsOn: [web] },
      );
    }
    return { managers: swarm.managers, workers: swarm.workers, replicas: web.replicas, image: web.image };
  });
});

test.after.always(async () => {
  if (ts) {
    await ts.stack.destroy().catch(() => undefined);
    await ts.cleanup();
  }
  await rig?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const manager = () => rig.hosts[0];
const sh = async (h: RigHost, cmd: string) => (await rig.exec(h, cmd)).trim();

/** Running tasks of service web as the manager lists them: node hostnames. */
const runningOn = async () =>
  (await sh(manager(), "docker service ps web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'"))
    .split("\n")
    .filter((l) => / Running /.test(l))
    .map((l) => l.split(" ")[0])
    .sort();

async function answers(h: RigHost): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetchWithin(`http://${h.address}:8080/`, 3000)).status;
    } catch (e) {
      if (i >= 20) throw e;
      await sleep(500);
    }
  }
}

/** Asserts an `up` changed nothing; the message names what it did change. */
function unchanged(
  t: { deepEqual(a: unknown, b: unknown, m?: string): void },
  up: { summary: { resourceChanges?: Record<string, number> }; stdout: string },
  what: string,
) {
  const changed = up.stdout.split("\n").filter((l) => /^\s*[~+-]\s/.test(l) && !/pulumi:pulumi:Stack/.test(l));
  t.deepEqual(changesOf(up.summary), {}, `${what}: ${changed.join(" | ")}`);
}

/** Every file of the stack's state backend, as text. */
function stateText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out.join("\n");
}

test.serial(
  "a swarm of 1 manager and 2 workers; a 3-replica service converges on every node and answers 200; tokens stay secret; a second up changes nothing",
  async (t) => {
    const up = await ts.stack.up();
    const managers = up.outputs.managers.value as { hostname: string; nodeId: string }[];
    const workers = up.outputs.workers.value as { hostname: string }[];
    t.deepEqual(
      managers.map((m) => m.hostname),
      ["h1"],
    );
    t.deepEqual(workers.map((w) => w.hostname).sort(), ["h2", "h3"]);
    t.is(up.outputs.replicas.value, 3);
    t.regex(up.outputs.image.value, /nginx@sha256:[0-9a-f]{64}$/, "the service runs the digest the manager resolved");
    t.deepEqual(
      (await sh(manager(), "docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'"))
        .split("\n")
        .map((l) => l.trimEnd())
        .sort(),
      ["h1 Ready Leader", "h2 Ready", "h3 Ready"],
    );
    t.is(await sh(manager(), "docker node inspect h2 --format '{{index .Spec.Labels \"slot\"}}'"), "w1", "node labels set");
    t.deepEqual(await runningOn(), ["h1", "h2", "h3"], "one task on each node (host-mode port)");
    t.is(await sh(manager(), "docker network inspect web-net --format '{{.Driver}} {{.Attachable}}'"), "overlay true");
    for (const h of rig.hosts) t.is(await answers(h), 200, `${h.name}:8080`);

    const token = await sh(manager(), "docker swarm join-token -q worker");
    t.regex(token, /^SWMTKN-/);
    t.false(stateText(ts.backendDir).includes(token), "the worker token is not in the state in plain text");
    t.false(stateText(ts.backendDir).includes("SWMTKN-"), "no join token is in the state in plain text");

    unchanged(t, await ts.stack.up(), "a second up changes nothing");
  },
);

test.serial("a task container stopped by hand on a worker is rescheduled and answers again", async (t) => {
  const h2 = rig.hosts[1];
  const before = await sh(h2, "docker ps -q --filter label=com.docker.swarm.service.name=web");
  t.truthy(before);
  await sh(h2, `docker stop ${before} >/dev/null`);
  const deadline = Date.now() + 90_000;
  let now = "";
  while (Date.now() < deadline) {
    now = await sh(h2, "docker ps -q --filter label=com.docker.swarm.service.name=web");
    if (now && now !== before && (await runningOn()).length === 3) break;
    await sleep(1000);
  }
  t.not(now, before, "a new task container runs on h2");
  t.deepEqual(await runningOn(), ["h1", "h2", "h3"]);
  t.is(await answers(h2), 200);
  unchanged(t, await ts.stack.up(), "swarm recovered it; up has nothing to do");
});

test.serial("scaled and relabelled by hand: refresh shows the drift, up puts it back, a second up changes nothing", async (t) => {
  await sh(manager(), "docker service scale --detach web=1 >/dev/null");
  await sh(manager(), "docker node update --label-add slot=hand --label-add extra=1 h2 >/dev/null");
  const refresh = await ts.stack.refresh();
  t.deepEqual(changesOf(refresh.summary), { update: 2 });
  const resources = (await ts.stack.exportStack()).deployment.resources ?? [];
  const svc = resources.find((r: { type: string }) => r.type === "dockyard:index:Service");
  t.true((svc?.outputs?.drift as string[]).includes("service web has 1 replicas, want 3"), JSON.stringify(svc?.outputs?.drift));
  const sw = resources.find((r: { type: string }) => r.type === "dockyard:index:SwarmCluster");
  t.regex((sw?.outputs?.drift as string[]).join("\n"), /labels are .*"slot":"hand".*, want \{"slot":"w1"\}/);
  const up = await ts.stack.up();
  t.deepEqual(changesOf(up.summary), { update: 2 });
  t.is(await sh(manager(), "docker node inspect h2 --format '{{json .Spec.Labels}}'"), '{"slot":"w1"}', "labels put back");
  t.deepEqual(await runningOn(), ["h1", "h2", "h3"]);
  for (const h of rig.hosts) t.is(await answers(h), 200, `${h.name}:8080`);
  unchanged(t, await ts.stack.up(), "and settles");
});

test.serial("a service whose tasks cannot run fails naming the service and the node; nothing is left behind", async (t) => {
  declared = { ...declared, crash: true };
  const err = await t.throwsAsync(ts.stack.up());
  t.regex(err!.message, /service crash did not converge within 20 s: 0 of 1 tasks running; task crash\.\d+ on node h[123] is \w+: .*exit/);
  t.is(await sh(manager(), "docker service ls -q --filter name=crash"), "", "the failed service was removed");
  declared = { ...declared, crash: false };
  const after = await ts.stack.up();
  // Only what the failed service left in the program goes: its component and its image pin (an
  // Image, one resource).
  t.deepEqual(
    changesOf(after.summary),
    { delete: 2 },
    after.stdout
      .split("\n")
      .filter((l) => /^\s*[~+-]\s/.test(l))
      .join(" | "),
  );
  unchanged(t, await ts.stack.up(), "and the rest is untouched");
});

test.serial("a worker taken out of the program is drained, leaves and is gone from docker node ls", async (t) => {
  declared = { workers: [1], replicas: 2, crash: false };
  const up = await ts.stack.up();
  t.deepEqual(
    (up.outputs.workers.value as { hostname: string }[]).map((w) => w.hostname),
    ["h2"],
  );
  t.deepEqual((await sh(manager(), "docker node ls --format '{{.Hostname}}'")).split("\n").sort(), ["h1", "h2"]);
  t.is(await sh(rig.hosts[2], "docker info --format '{{.Swarm.LocalNodeState}}'"), "inactive");
  t.deepEqual(await runningOn(), ["h1", "h2"]);
  unchanged(t, await ts.stack.up(), "and settles");
});

test.serial("destroy: every node out of the swarm, every engine still running", async (t) => {
  await ts.stack.destroy();
  for (const h of rig.hosts) {
    t.is(await sh(h, "docker info --format '{{.Swarm.LocalNodeState}}'"), "inactive", `${h.name} left`);
    t.is(await sh(h, "systemctl is-active docker"), "active", `${h.name}'s engine runs`);
  }
});

test.serial(
  "from a fleet file: the swarm: section makes the same three nodes a cluster and runs its service on every node; a second up changes nothing; destroy leaves the engines",
  async (t) => {
    const [h1, h2, h3] = rig.hosts;
    const text = [
      "defaults:",
      "  user: root",
      "  privateKey: { config: sshPrivateKey }",
      `  engine: { method: offline, bundle: ${JSON.stringify(pkgs.bundle)}, bundleSha256: ${pkgs.bundleSha256} }`,
      `  daemon: { registryMirrors: ["http://${rig.registry!.address}"] }`,
      "hosts:",
      ...rig.hosts.map((h) => `  - { name: ${h.name}, address: ${h.address}, hostKey: ${JSON.stringify(h.hostKey)} }`),
      "swarm:",
      "  managers: [h1]",
      "  workers: [h2, { host: h3, labels: { zone: b } }]",
      "  services:",
      "    - name: fleetweb",
      "      image: nginx:latest",
      "      replicas: 3",
      '      ports: ["8081:80"]',
      "",
    ].join("\n");
    const fleetStack = await testStack("dockyard-swarm-fleet", "fleet", async () => {
      const fleet = new Fleet("swarmfleet", { spec: parseFleet(text, "swarm-fleet.yaml") });
      return { hosts: fleet.outputs };
    });
    try {
      await fleetStack.stack.setConfig("sshPrivateKey", { value: rig.privateKey, secret: true });
      await fleetStack.stack.up();
      const nodes = (await sh(h1, "docker node ls --format '{{.Hostname}} {{.ManagerStatus}}' | sort")).split("\n").map((l) => l.trim());
      t.deepEqual(nodes, ["h1 Leader", "h2", "h3"], "h1 leads, h2 and h3 are workers");
      t.is(await sh(h1, "docker node inspect h3 --format '{{.Spec.Labels.zone}}'"), "b");
      t.is(await sh(h1, "docker service ls --filter name=fleetweb --format '{{.Replicas}}'"), "3/3");
      for (const h of [h1, h2, h3]) {
        const res = await fetchWithin(`http://${h.address}:8081/`, 5000);
        await res.text();
        t.is(res.status, 200, `${h.name} answers on 8081`);
      }
      t.deepEqual(changesOf((await fleetStack.stack.up()).summary), {}, "a second up changes nothing");
      await fleetStack.stack.destroy();
      for (const h of rig.hosts) {
        t.is(await sh(h, "docker info --format '{{.Swarm.LocalNodeState}}'"), "inactive", `${h.name} left`);
        t.is(await sh(h, "systemctl is-active docker"), "active", `${h.name}'s engine runs`);
      }
    } finally {
      await fleetStack.cleanup();
    }
  },
);
