import test, { type ExecutionContext } from "ava";
import { docker } from "../rig/docker-cli";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, type TestStack, testStack } from "../integration/support/engine";
import "./support/expected-rejections";
import { assertNothingLost, daemonJson, errorLines, pinAddresses, removePinned, waitForBoot } from "./support/faults";
import { re, waitFor } from "./support/hosts";
import { changesOf, journey } from "./support/programs";

// Faults on a converged fleet: a and b run the journey (offline engine, daemon.json with a
// mirror, nginx as `web` with restart policy always); d joins later. Each fault: the run fails
// naming the host and no other, the other hosts converge (their steps run beside the faulty
// one), a re-run converges with nothing lost (containers with restart policies there and
// running, the same containers, daemon.json valid JSON) and only what was left is done.
// Runs are plain `pulumi up`; the last test shows what --continue-on-error does instead.
let rig: Rig;
let pkgs: DockerPackages;
let a: RigHost;
let b: RigHost;
let d: RigHost;
let ts: TestStack;
let network = "";
/** Per host name: daemon settings on top of the journey's mirror. */
const daemonSettings: Record<string, Record<string, unknown>> = {};
let withD = false;
const fleet = () => (withD ? [a, b, d] : [a, b]);

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 3, registry: true }), ensureDockerPackages()]);
  // b is restarted mid-run: the hosts are reached on addresses that survive that.
  let pinned: RigHost[];
  ({ hosts: pinned, network } = await pinAddresses(rig, rig.hosts));
  [a, b, d] = pinned;
  await rig.pushNginx("latest");
  ts = await testStack("dockyard-rel-faults", "runtime", async () => {
    for (const h of fleet()) {
      journey(rig, h, pkgs, `http://${rig.registry!.address}`, {
        host: { connectAttempts: 2, connectTimeout: 8 },
        daemon: daemonSettings[h.name] ?? {},
      });
    }
    return {};
  });
  await ts.stack.up();
});

test.after.always(async () => {
  if (d) await docker(["unpause", d.container]).catch(() => undefined);
  await ts?.cleanup();
  await rig?.stop();
  if (network) await removePinned(rig, network);
});

const target = (h: RigHost) => re(`root@${h.address}:22`);

const others = (h: RigHost) => fleet().filter((x) => x !== h);
const setDaemon = (h: RigHost, settings: Record<string, unknown>) => (daemonSettings[h.name] = { ...daemonSettings[h.name], ...settings });

/** The failed run's message names `bad` (with `detail`) and none of the other hosts. */
function namesOnly(t: ExecutionContext, message: string, bad: RigHost, detail: string): void {
  t.log(errorLines(message));
  t.regex(message, new RegExp(`${target(bad)}: ${detail}`));
  for (const h of [a, b, d].filter((x) => x !== bad)) t.notRegex(message, new RegExp(`${target(h)}:`), `${h.name} is named too`);
}

async function settle(t: ExecutionContext): Promise<void> {
  t.deepEqual(changesOf((await ts.stack.up()).summary), {}, "after the re-run, an up changes nothing");
}

const webId = (h: RigHost) => rig.exec(h, "docker inspect -f '{{.Id}}' web").then((s) => s.trim());

test.serial(
  "dockerd fails to start with a new daemon.json: rolled back on that host, the others converge, a re-run converges",
  async (t) => {
    const before = await daemonJson(t, rig, a);
    const ids = await Promise.all(fleet().map(webId));
    setDaemon(a, { storageDriver: "no-such-driver" });
    for (const h of others(a)) setDaemon(h, { liveRestore: true });
    const err = await t.throwsAsync(ts.stack.up());
    namesOnly(
      t,
      err?.message ?? "",
      a,
      "docker did not start with the new daemon\\.json; the previous file was restored and docker is running again[^]*no-such-driver",
    );
    t.deepEqual(await daemonJson(t, rig, a), before, "a: the previous daemon.json is back");
    for (const h of others(a)) {
      t.is((await daemonJson(t, rig, h))?.["live-restore"], true, `${h.name}: daemon.json`);
      t.is((await rig.exec(h, "docker info -f '{{.LiveRestoreEnabled}}'")).trim(), "true", `${h.name}: in effect`);
    }
    await assertNothingLost(t, rig, a, ["web"]);

    daemonSettings[a.name] = { liveRestore: true };
    const rerun = await ts.stack.up();
    t.deepEqual(changesOf(rerun.summary), { update: 1 }, "only a's daemon.json was left to do");
    t.is((await rig.exec(a, "docker info -f '{{.LiveRestoreEnabled}}'")).trim(), "true");
    for (const h of fleet()) await assertNothingLost(t, rig, h, ["web"]);
    t.deepEqual(await Promise.all(fleet().map(webId)), ids, "the same web containers throughout");
    await settle(t);
  },
);

test.serial("a host is restarted in the middle of a run: the run fails naming it, the others converge, a re-run converges", async (t) => {
  // docker takes 6 s more to start on b, so the restart lands while daemon.json is being applied.
  await rig.exec(
    b,
    "mkdir -p /etc/systemd/system/docker.service.d && printf '[Service]\\nExecStartPre=/bin/sleep 6\\n' > /etc/systemd/system/docker.service.d/slow-start.conf && systemctl daemon-reload",
  );
  const ids = await Promise.all(fleet().map(webId));
  for (const h of fleet()) setDaemon(h, { logOpts: { "max-size": "10m" } });
  let restarted = false;
  const restarter = waitFor(
    "docker to be restarting on b",
    async () => (await rig.exec(b, "systemctl is-active docker || true")).trim() === "activating",
    300_000,
    250,
  ).then(async () => {
    restarted = true;
    await docker(["restart", "-t", "5", b.container]);
  });
  const err = await t.throwsAsync(ts.stack.up());
  await restarter.catch((e) => t.fail(String(e)));
  t.true(restarted, "b was restarted during the run");
  namesOnly(t, err?.message ?? "", b, "");
  for (const h of others(b)) t.deepEqual((await daemonJson(t, rig, h))?.["log-opts"], { "max-size": "10m" }, `${h.name}: daemon.json`);

  await waitForBoot(rig, b, network);
  const rerun = await ts.stack.up();
  t.is(rerun.summary.result, "succeeded");
  t.deepEqual((await daemonJson(t, rig, b))?.["log-opts"], { "max-size": "10m" }, "b: daemon.json");
  t.is(
    (await rig.exec(b, "docker info -f '{{json .RegistryConfig.Mirrors}}'")).trim(),
    `["http://${rig.registry!.address}/"]`,
    "b: mirror in effect",
  );
  for (const h of fleet()) await assertNothingLost(t, rig, h, ["web"]);
  t.deepEqual(await Promise.all(fleet().map(webId)), ids, "the same web containers (b's restarted with its host), none recreated");
  await settle(t);
});

test.serial(
  "a host that never comes up: the run fails naming it after its connect attempts, the others converge, a re-run converges when it is up",
  async (t) => {
    // d joins the fleet frozen: it accepts TCP, but sshd never answers (a stuck VM).
    await docker(["pause", d.container]);
    const ids = await Promise.all(fleet().map(webId));
    withD = true;
    for (const h of [a, b]) setDaemon(h, { maxConcurrentDownloads: 5 });
    const started = Date.now();
    const err = await t.throwsAsync(ts.stack.up());
    namesOnly(t, err?.message ?? "", d, "unreachable");
    t.true(Date.now() - started < 240_000, "gave up after its attempts");
    for (const h of [a, b]) t.is((await daemonJson(t, rig, h))?.["max-concurrent-downloads"], 5, `${h.name}: daemon.json`);

    await docker(["unpause", d.container]);
    const rerun = await ts.stack.up();
    t.deepEqual(
      Object.keys(changesOf(rerun.summary)),
      ["create"],
      `only d's resources are created: ${JSON.stringify(rerun.summary.resourceChanges)}`,
    );
    for (const h of fleet()) await assertNothingLost(t, rig, h, ["web"]);
    t.deepEqual(await Promise.all([a, b].map(webId)), ids, "the same web containers on a and b");
    await settle(t);
  },
);

// Known failure: with --continue-on-error (what makes a fleet run keep going past one host), the
// Node.js SDK cannot register the resources that wait for a failed one (here the image and
// container that wait for a's daemon.json), and the engine then deletes them as if they had left
// the program: a's `web` container is removed by a run that only failed to change daemon.json.
test.serial.failing("known failure: with --continue-on-error, a host whose daemon.json change fails loses its containers", async (t) => {
  const id = await webId(a);
  setDaemon(a, { storageDriver: "no-such-driver" });
  const err = await t.throwsAsync(ts.stack.up({ continueOnError: true }));
  daemonSettings[a.name] = { ...daemonSettings[a.name], storageDriver: undefined };
  namesOnly(t, err?.message ?? "", a, "docker did not start with the new daemon\\.json");
  t.is(await webId(a).catch(() => "gone"), id, "a's web container is still there");
});
