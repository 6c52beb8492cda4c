// Rolling changes on four rig hosts from a fleet file: docker-ce 24.0.7 -> 25.0.3 in batches of
// two while a poller hits every host's nginx (never more than two down at once; the second batch
// goes down only after the first answers again), no-op runs pass the gates, and a first batch
// that fails leaves the second one untouched on 24.0.7. The cases share the hosts and run in
// order; installs of one batch run in parallel.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { Fleet, parseFleet } from "pulumi-dockyard";
import { startPackageServer } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack, type TestStack } from "./support/engine";
import { changesOf } from "./support/programs";
// The bad fleet file of the last case is refused inside the program, on purpose.
import "../reliability/support/expected-rejections";

let rig: Rig;
let mirror: string;
let keyFingerprint: string;
let ts: TestStack;
const started = Date.now();

interface Wanted {
  version: string;
  rollout?: string;
}
let wanted: Wanted = { version: "24.0.7" };

const fleetYaml = (w: Wanted) => `defaults:
  privateKey: { config: rigKey }
  engine: { method: online, mirror: "${mirror}", mirrorKeyFingerprint: "${keyFingerprint}", allowInsecureHttp: true, version: "${w.version}", allowDowngrade: true }
  daemon: { registryMirrors: ["http://${rig.registry!.address}"] }
hosts:
${rig.hosts.map((h) => `  - { name: ${h.name}, address: ${h.address}, hostKey: "${h.hostKey}" }`).join("\n")}
containers:
  - { name: nginx, image: nginx, on: all, ports: ["80:80"], restartPolicy: unless-stopped }
${w.rollout ? `rollout: ${w.rollout}\n` : ""}`;

test.before(async () => {
  await pulumiEngine();
  rig = await Rig.start({ hosts: 4, registry: true });
  [{ baseUrl: mirror, keyFingerprint }] = await Promise.all([startPackageServer(rig.runId, rig.labels()), rig.pushNginx("latest")]);
  ts = await testStack("dockyard-rollout", "rolling", async () => {
    const fleet = new Fleet("roll", {
      spec: parseFleet(fleetYaml(wanted), "rolling.yaml"),
      config: (k) => (k === "rigKey" ? pulumi.secret(rig.privateKey) : undefined),
    });
    // The stand-in packages carry Debian's engine: the package version is the one that changes.
    return {
      versions: pulumi.all(
        Object.fromEntries(Object.entries(fleet.engines).map(([n, e]) => [n, e.packageVersion.apply((v) => v.replace(/^5:|-1~.*$/g, ""))])),
      ),
    };
  });
});

test.after.always(async () => {
  await ts?.cleanup();
  await rig?.stop();
});

const host = (name: string): RigHost => rig.hosts.find((h) => h.name === name)!;
const dpkgVersion = async (h: RigHost) => (await rig.exec(h, "dpkg-query -W -f='${Version}' docker-ce")).trim();
/** What an untouched host keeps: the package, docker's start time, nginx's id and start time. */
const untouched = (h: RigHost) =>
  rig.exec(
    h,
    "dpkg-query -W -f='${Version}\\n' docker-ce; systemctl show -p ActiveEnterTimestamp docker; docker inspect -f '{{.Id}} {{.State.StartedAt}}' nginx",
  );

/** Polls every host's nginx every ~150 ms until stopped: per tick, which hosts did not answer 200. */
function poll(hosts: RigHost[]): { stop(): Promise<{ at: number; down: string[] }[]> } {
  const ticks: { at: number; down: string[] }[] = [];
  let running = true;
  const answers = async (h: RigHost) => {
    try {
      // A stopped engine refuses at once; the long timeout keeps a slow answer on a loaded machine from counting as down.
      return (await fetch(`http://${h.address}:80/`, { signal: AbortSignal.timeout(5000) })).status === 200;
    } catch {
      return false;
    }
  };
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const ok = await Promise.all(hosts.map(answers));
      ticks.push({ at, down: hosts.filter((_, i) => !ok[i]).map((h) => h.name) });
      await new Promise((r) => setTimeout(r, Math.max(0, 150 - (Date.now() - at))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return ticks;
    },
  };
}

test.serial(
  "4 hosts on 24.0.7, then 25.0.3 in batches of 2: never more than 2 down, the second batch after the first answers again; the gates in the preview; a no-op run passes them",
  async (t) => {
    const up = await ts.stack.up();
    t.deepEqual(up.outputs.versions.value, { h1: "24.0.7", h2: "24.0.7", h3: "24.0.7", h4: "24.0.7" });

    wanted = { version: "25.0.3", rollout: '{ batch: 2, pause: "2s", timeout: "3m" }' };
    const preview = await ts.stack.preview();
    t.regex(preview.stdout, /roll-rollout-2-of-2/, "the gate shows in the preview by name");
    t.regex(preview.stdout, /rollout in 2 batches: 1\) h1, h2; 2\) h3, h4/, "the Fleet logs the batches");

    const poller = poll(rig.hosts);
    const rolled = await ts.stack.up();
    const ticks = await poller.stop();
    t.deepEqual(rolled.outputs.versions.value, { h1: "25.0.3", h2: "25.0.3", h3: "25.0.3", h4: "25.0.3" });
    for (const h of rig.hosts) t.regex(await dpkgVersion(h), /^5:25\.0\.3-1/, `${h.name} upgraded`);

    const most = Math.max(...ticks.map((k) => k.down.length));
    t.true(most <= 2, `at most 2 hosts down at once (saw ${most}: ${JSON.stringify(ticks.filter((k) => k.down.length > 2).slice(0, 3))})`);
    const downAt = (names: string[]) => ticks.filter((k) => k.down.some((d) => names.includes(d))).map((k) => k.at);
    const first = downAt(["h1", "h2"]);
    const second = downAt(["h3", "h4"]);
    t.true(
      first.length > 0 && second.length > 0,
      `the poller saw both batches go down (${first.length} and ${second.length} ticks of ${ticks.length})`,
    );
    const firstBack = ticks.find((k) => k.at > Math.max(...first) && !k.down.includes("h1") && !k.down.includes("h2"))!.at;
    t.true(Math.min(...second) >= firstBack, "the second batch went down only after the first answered again");
    t.log(
      `${ticks.length} polls; at most ${most} hosts down at once; batch 1 down for ${first.length} polls, batch 2 went down ${Math.round((Math.min(...second) - firstBack) / 100) / 10} s after batch 1 answered again`,
    );

    const again = await ts.stack.preview();
    t.deepEqual(
      changesOf({ resourceChanges: again.changeSummary as Record<string, number> }),
      {},
      "nothing changed: the gate is unchanged and does not wait",
    );
  },
);

test.serial("a first batch that fails stops the rollout: the second batch stays on 24.0.7, untouched", async (t) => {
  // Back to 24.0.7 everywhere at once (no rollout), then 25.0.3 in batches with h1's package manager broken.
  wanted = { version: "24.0.7" };
  await ts.stack.up();
  const before = await Promise.all(["h3", "h4"].map((n) => untouched(host(n))));
  t.regex(before[0], /^5:24\.0\.7-1/);
  const fault = "/etc/apt/apt.conf.d/99-rollout-test-fault";
  await rig.exec(host("h1"), `echo 'DPkg::Pre-Invoke { "echo injected dpkg fault >&2; false"; };' > ${fault}`);
  try {
    wanted = { version: "25.0.3", rollout: '{ batch: 2, timeout: "2m" }' };
    const failed = await t.throwsAsync(ts.stack.up());
    t.regex(failed!.message, new RegExp(`root@${host("h1").address}:22`), "the error names the host that failed");
    t.deepEqual(
      await Promise.all(["h3", "h4"].map((n) => untouched(host(n)))),
      before,
      "h3 and h4: same package, docker not restarted, same nginx",
    );
    t.regex(await dpkgVersion(host("h1")), /^5:24\.0\.7-1/, "h1 kept its engine");
  } finally {
    await rig.exec(host("h1"), `rm -f ${fault}`);
  }

  // Bad rollout values: refused with file:line before any host changes (h1's fault is gone now).
  wanted = { version: "25.0.3", rollout: '{ batch: "0%", pause: soon }' };
  const refused = await t.throwsAsync(ts.stack.up());
  t.regex(refused!.message, /rolling\.yaml:\d+:\d+: rollout\.batch: must be a whole number of hosts/);
  t.regex(refused!.message, /rolling\.yaml:\d+:\d+: rollout\.pause: must be a duration/);
  t.deepEqual(await Promise.all(["h3", "h4"].map((n) => untouched(host(n)))), before, "nothing changed on h3 and h4");
  t.regex(await dpkgVersion(host("h1")), /^5:24\.0\.7-1/, "nor on h1");
  t.log(`wall time of the rollout live test so far: ${Math.round((Date.now() - started) / 1000)} s`);
});
