import test from "ava";
import { Container, type ContainerArgs, DaemonConfig, Image } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

let rig: Rig;
let pkgs: DockerPackages;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1, registry: true }), ensureDockerPackages()]);
  await rig.pushNginx("latest");
  await rig.pushNginxVariant("1.26", "variant 1.26");
});

test.after.always(async () => {
  await rig?.stop();
});

interface Workload {
  ref: string;
  extra?: { name: string; args: Omit<ContainerArgs, "engine" | "image"> }[];
}

/** The journey of every Docker guide: engine, a registry mirror, nginx pulled through it, run on 80. */
function program(h: RigHost, w: () => Workload) {
  return async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [`http://${rig.registry!.address}`] });
    const { ref, extra } = w();
    const nginx = new Image("nginx", { engine, ref }, { dependsOn: [daemon] });
    const web = new Container("web", { engine, name: "nginx-container", image: nginx, ports: ["80:80"] });
    for (const e of extra ?? []) new Container(e.name, { engine, image: nginx, ...e.args }, { dependsOn: [web] });
    return { digest: nginx.digest, state: web.state };
  };
}

async function page(h: RigHost): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${h.address}:80/`);
      return { status: res.status, body: await res.text() };
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const containerState = async (
  stack: { exportStack(): Promise<{ deployment: { resources?: { type: string; urn: string; outputs?: Record<string, unknown> }[] } }> },
  name: string,
) =>
  (await stack.exportStack()).deployment.resources?.find((r) => r.type === "dockyard:index:Container" && r.urn.endsWith(`::${name}`))
    ?.outputs;

test.serial(
  "nginx through the mirror, run as nginx-container on 80:80, answers 200; a second up changes nothing; drift and tag changes are handled",
  async (t) => {
    const h = rig.hosts[0];
    let workload: Workload = { ref: "nginx:latest" };
    const { stack, cleanup } = await testStack(
      "dockyard-workload",
      "nginx",
      program(h, () => workload),
    );
    try {
      const up = await stack.up();
      t.regex(up.outputs.digest.value, /^sha256:[0-9a-f]{64}$/);
      t.is(up.outputs.state.value, "running");
      const first = await page(h);
      t.is(first.status, 200);
      t.regex(first.body, /Welcome to nginx!/);
      t.regex(
        await rig.exec(h, "docker inspect -f '{{.Config.Image}}' nginx-container"),
        new RegExp(`nginx@${up.outputs.digest.value}`),
        "runs the digest, not the tag",
      );

      const again = await stack.up();
      t.deepEqual(changesOf(again.summary), {}, "a second up changes nothing");

      // Stopped by hand: refresh shows it, up starts it again.
      const id = (await rig.exec(h, "docker inspect -f '{{.Id}}' nginx-container")).trim();
      await rig.exec(h, "docker stop nginx-container >/dev/null");
      const refresh = await stack.refresh();
      t.deepEqual(changesOf(refresh.summary), { update: 1 });
      t.deepEqual((await containerState(stack, "web"))?.drift, ["container nginx-container is exited"]);
      const repaired = await stack.up();
      t.deepEqual(changesOf(repaired.summary), { update: 1 });
      t.is(
        (await rig.exec(h, "docker inspect -f '{{.Id}} {{.State.Running}}' nginx-container")).trim(),
        `${id} true`,
        "the same container, started again",
      );
      t.is((await page(h)).status, 200);

      // Removed by hand: recreated.
      await rig.exec(h, "docker rm -f nginx-container >/dev/null");
      await stack.up();
      t.is((await rig.exec(h, "docker inspect -f '{{.State.Running}}' nginx-container")).trim(), "true");

      // A new tag with another digest replaces the container.
      workload = { ref: "nginx:1.26" };
      const moved = await stack.up();
      t.is(moved.summary.resourceChanges?.replace, 1, JSON.stringify(moved.summary.resourceChanges));
      t.regex((await page(h)).body, /variant 1\.26/);
      t.deepEqual(changesOf((await stack.up()).summary), {}, "and settles");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
    t.is((await rig.exec(h, "docker ps -aq --filter name=nginx-container")).trim(), "", "destroy removed the container");
  },
);

test.serial(
  "a host port already taken fails naming host and port; a container that exits at once fails with its last log lines",
  async (t) => {
    const h = rig.hosts[0];
    let extra: Workload["extra"] = [{ name: "clash", args: { name: "clash", ports: ["80:80"] } }];
    const { stack, cleanup } = await testStack(
      "dockyard-workload",
      "faults",
      program(h, () => ({ ref: "nginx:latest", extra })),
    );
    try {
      const err = await t.throwsAsync(stack.up());
      t.regex(
        err!.message,
        new RegExp(`host port 80 is already in use on ${h.address.replace(/\./g, "\\.")}, so container clash cannot publish it`),
      );
      t.is((await rig.exec(h, "docker ps -aq --filter name=^/clash$")).trim(), "", "nothing left behind");

      extra = [
        { name: "crash", args: { name: "crash", command: ["sh", "-c", "echo boom: no config found; exit 3"], restartPolicy: "no" } },
      ];
      const crash = await t.throwsAsync(stack.up());
      t.regex(crash!.message, /container crash exited with code 3 right after it started\. Last log lines:\s+boom: no config found/);
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);
