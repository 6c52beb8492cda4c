import { keyPair } from "../rig/keys";
import test, { type ExecutionContext } from "ava";
import * as pulumi from "@pulumi/pulumi";
import { Container } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { fetchWithin, Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, type TestStack, testStack } from "../integration/support/engine";
import "./support/expected-rejections";
import { errorLines } from "./support/faults";
import { re, waitFor } from "./support/hosts";
import { changesOf, journey, type StateResource, stateResources } from "./support/programs";

// Repair from any state. Three hosts run the journey (offline engine, daemon.json
// with a mirror, nginx pulled through it, `web` on 8080 with restart policy always). Each case
// breaks hosts by hand, then: `pulumi refresh` succeeds and records the breakage as drift (a
// broken engine marks images and containers "cannot be checked", never an error), `pulumi
// preview` succeeds and plans the repair, one `pulumi up` repairs every host in order (engine,
// daemon.json, image, container) and every host serves again. No output holds a stack trace or
// a raw `socket hang up`. Then: a machine rebuilt at the same address (refused for its new host
// key, installed from scratch once re-pinned), 30 containers on one host (one SSH connection,
// no channel refused), and a login key rotated (every resource's state takes the new key in one
// `up` of updates only; with the old key revoked, refresh and destroy work).
let rig: Rig;
let pkgs: DockerPackages;
let h1: RigHost;
let h2: RigHost;
let h3: RigHost;
let ts: TestStack;
/** Per host name: Host arguments on top of the journey's (a re-pinned host key, a rotated key). */
const hostArgs: Record<string, Record<string, unknown>> = {};
/** Containers added on h1 for the many-containers case. */
let many = 0;
const startedAt = Date.now();

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 3, registry: true }), ensureDockerPackages()]);
  [h1, h2, h3] = rig.hosts;
  await rig.pushNginx("latest");
  ts = await testStack("dockyard-rel-repair", "repair", async () => {
    const mirror = `http://${rig.registry!.address}`;
    for (const h of [h1, h2, h3]) {
      const j = journey(rig, h, pkgs, mirror, { host: { connectAttempts: 2, connectTimeout: 10, ...hostArgs[h.name] } });
      if (h === h1) {
        for (let i = 1; i <= many; i++)
          new Container(`many-${i}`, { engine: j.engine, name: `many-${i}`, image: j.image, restartPolicy: "always" });
      }
    }
    return {};
  });
  const up = await ts.stack.up();
  if (up.summary.result !== "succeeded") throw new Error(`the first up failed:\n${up.stderr}`);
});

test.after.always(async (t) => {
  await ts?.stack.destroy().catch(() => undefined);
  await ts?.cleanup();
  await rig?.stop();
  t.log(`repair.test.ts: ${Math.round((Date.now() - startedAt) / 1000)} s in all`);
});

const hosts = () => [h1, h2, h3];

/** The host answers on 8080 with the nginx page, through its `web` container. */
async function serving(h: RigHost): Promise<boolean> {
  try {
    const res = await fetchWithin(`http://${h.address}:8080/`, 3000);
    return res.ok && (await res.text()).includes("Welcome to nginx");
  } catch {
    return false;
  }
}

async function assertServing(t: ExecutionContext, what: string): Promise<void> {
  for (const h of hosts()) {
    const ok = await waitFor(`${h.name} to serve`, () => serving(h), 30_000, 500).then(
      () => true,
      () => false,
    );
    t.true(ok, `${h.name} does not serve on 8080 ${what}`);
  }
}

/** Output of a Pulumi command that a user reads: no stack trace, no raw socket error. */
function assertPlainOutput(t: ExecutionContext, what: string, text: string): void {
  t.notRegex(text, /socket hang up/i, `${what}: a raw socket error reached the output`);
  t.notRegex(text, /^\s*at \S.*:\d+:\d+\)?\s*$/m, `${what}: a stack trace reached the output`);
  t.notRegex(text, /ECONNRESET|EPIPE|\(HTTP code \d+\)/, `${what}: a raw engine error reached the output`);
}

/** The plugin's resources: `dockyard:index:<Kind>`. */
const PLUGIN = "dockyard:index:";
const outputsOf = (rs: StateResource[], type: string, name: string) =>
  rs.find((r) => r.type === `${PLUGIN}${type}` && r.urn.endsWith(`::${name}`))?.outputs as Record<string, any> | undefined;

/** Drift of each of a host's resources as refresh recorded it. */
async function driftOf(h: RigHost): Promise<Record<string, string[]>> {
  const rs = await stateResources(ts.stack);
  return {
    engine: outputsOf(rs, "DockerEngine", `${h.name}-docker-engine`)?.drift ?? ["(no state)"],
    daemon: outputsOf(rs, "DaemonConfig", `${h.name}-daemon`)?.drift ?? ["(no state)"],
    image: outputsOf(rs, "Image", `${h.name}-nginx`)?.drift ?? ["(no state)"],
    container: outputsOf(rs, "Container", `${h.name}-web`)?.drift ?? ["(no state)"],
  };
}

const some = (list: string[], pattern: RegExp) => list.some((l) => pattern.test(l));

/**
 * Breaks hosts, then refresh (drift recorded, checked by `expect`), preview (plans the repair)
 * and one up (every host serves again). Ends by checking that nothing is left to do.
 */
async function breakAndRepair(
  t: ExecutionContext,
  faults: [RigHost, string][],
  expect: (drift: Record<string, Record<string, string[]>>) => void,
): Promise<void> {
  for (const [h, fault] of faults) await rig.exec(h, fault);
  const refresh = await ts.stack.refresh();
  t.is(refresh.summary.result, "succeeded");
  assertPlainOutput(t, "refresh", refresh.stdout + refresh.stderr);
  const drift: Record<string, Record<string, string[]>> = {};
  for (const h of hosts()) drift[h.name] = await driftOf(h);
  t.log(JSON.stringify(drift));
  expect(drift);

  const preview = await ts.stack.preview();
  assertPlainOutput(t, "preview", preview.stdout + preview.stderr);
  t.true((preview.changeSummary.update ?? 0) > 0, `the preview plans the repair: ${JSON.stringify(preview.changeSummary)}`);
  t.is(preview.changeSummary.replace ?? 0, 0, "nothing is replaced");

  const up = await ts.stack.up();
  t.is(up.summary.result, "succeeded");
  assertPlainOutput(t, "up", up.stdout + up.stderr);
  t.deepEqual(Object.keys(changesOf(up.summary)), ["update"], `one up of updates: ${JSON.stringify(up.summary.resourceChanges)}`);
  await assertServing(t, "after one up");
  const again = await ts.stack.preview();
  t.deepEqual({ ...again.changeSummary, same: undefined }, { same: undefined }, "and nothing is left to do");
}

test.serial(
  "engine gone (dockerd removed, docker stopped), daemon.json deleted, docker.socket masked: refresh and preview see drift, one up repairs",
  async (t) => {
    await breakAndRepair(
      t,
      [
        [h1, "systemctl stop docker.socket docker.service && rm /usr/bin/dockerd"],
        [h2, "rm /etc/docker/daemon.json"],
        // What `systemctl mask` does (it refuses when the unit file is in /etc, as an offline install's is).
        [
          h3,
          "systemctl stop docker.socket docker.service && ln -sf /dev/null /etc/systemd/system/docker.socket && systemctl daemon-reload",
        ],
      ],
      (d) => {
        t.true(
          some(d.h1.engine, /^docker is not running/) && some(d.h1.engine, /installed files are missing: .*\/usr\/bin\/dockerd/),
          "h1 engine",
        );
        t.true(
          some(d.h1.image, /nginx:latest cannot be checked: the Docker engine does not answer \(.*dockerd is not installed/),
          "h1 image",
        );
        t.true(some(d.h1.container, /container web cannot be checked: the Docker engine does not answer/), "h1 container");
        t.deepEqual(d.h2.daemon, ["daemon.json is missing"], "h2 daemon.json");
        t.deepEqual([d.h2.engine, d.h2.image, d.h2.container], [[], [], []], "h2: nothing else");
        t.true(some(d.h3.engine, /^docker\.socket is masked$/) && some(d.h3.engine, /^docker is not running/), "h3 engine");
        t.true(some(d.h3.container, /docker\.socket is masked/), "h3 container");
      },
    );
    t.notRegex((await rig.exec(h3, "systemctl is-enabled docker.socket || true")).trim(), /masked/, "h3: the mask is gone");
    t.is(
      (await rig.exec(h3, "systemctl is-active docker.socket docker.service || true")).trim(),
      "active\nactive",
      "h3: docker runs from its socket again",
    );
  },
);

test.serial(
  "/var/lib/docker wiped, containerd stopped: refresh sees images and containers missing, one up pulls and recreates",
  async (t) => {
    await breakAndRepair(
      t,
      [
        [
          h1,
          "systemctl stop docker.socket docker.service && find /var/lib/docker -mindepth 1 -delete && systemctl reset-failed docker.service docker.socket && { systemctl start docker.socket docker.service || { journalctl -u docker.service -n 20 --no-pager; exit 1; }; }",
        ],
        [h2, "systemctl stop containerd.service"],
      ],
      (d) => {
        t.deepEqual(d.h1.image, ["nginx:latest is not on the host"], "h1 image");
        t.deepEqual(d.h1.container, ["container web is missing"], "h1 container");
        t.true(some(d.h2.engine, /^containerd\.service is not running \(inactive\)$/), "h2 engine");
      },
    );
    t.is((await rig.exec(h2, "systemctl is-active containerd.service")).trim(), "active");
  },
);

test.serial(
  "a machine rebuilt at the same address: refused for its new host key with a clear message; once re-pinned, one up installs it from scratch",
  async (t) => {
    const oldKey = h3.hostKey;
    // The rebuild: new host keys, no engine, no daemon.json, no images, no containers.
    await rig.exec(
      h3,
      [
        "systemctl stop docker.socket docker.service containerd.service",
        "for f in $(sed -n 's/.*\"files\":\\[\\(.*\\)\\].*/\\1/p' /var/lib/dockyard/engine-offline.json | tr ',' ' ' | tr -d '\"'); do rm -f \"$f\"; done",
        "rm -rf /var/lib/dockyard /etc/docker && find /var/lib/docker /var/lib/containerd -mindepth 1 -delete 2>/dev/null; systemctl daemon-reload",
        "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh",
      ].join(" && "),
    );
    const newKey = (await rig.exec(h3, "cat /etc/ssh/ssh_host_ed25519_key.pub")).trim();
    t.not(newKey, oldKey);

    const refused = await t.throwsAsync(ts.stack.up());
    const message = refused?.message ?? "";
    t.log(errorLines(message));
    t.regex(
      message,
      new RegExp(
        `${re(`root@${h3.address}:22`)}: host key mismatch: the server presented SHA256:\\S+, which is not the pinned key\\. Nothing was sent to it\\. If the machine was rebuilt, pin its new key`,
      ),
    );
    for (const h of [h1, h2]) t.notRegex(message, new RegExp(`${re(`root@${h.address}:22`)}:`), `${h.name} is named too`);
    assertPlainOutput(t, "refused up", message);

    hostArgs[h3.name] = { hostKey: newKey };
    const preview = await ts.stack.preview();
    assertPlainOutput(t, "preview", preview.stdout + preview.stderr);
    t.is(preview.changeSummary.replace ?? 0, 0, "re-pinning replaces nothing");
    const up = await ts.stack.up();
    t.deepEqual(Object.keys(changesOf(up.summary)), ["update"], `one up of updates: ${JSON.stringify(up.summary.resourceChanges)}`);
    t.regex(await rig.exec(h3, "cat /var/lib/dockyard/engine-offline.json"), /"sha256"/, "the engine is installed again");
    await assertServing(t, "after the rebuild and one up");
  },
);

test.serial("30 containers on one host: one SSH connection, channels within sshd's MaxSessions, none refused", async (t) => {
  const since = (await rig.exec(h1, "date '+%Y-%m-%d %H:%M:%S'")).trim();
  many = 30;
  const up = await ts.stack.up({ parallel: 64 });
  // Each Container is one resource (a component around it until 0.4.0).
  t.deepEqual(changesOf(up.summary), { create: 30 }, JSON.stringify(up.summary.resourceChanges));
  const running = (await rig.exec(h1, "docker ps --filter name=many- --filter status=running -q | wc -l")).trim();
  t.is(running, "30", "all 30 run");
  const journal = await rig.exec(h1, `journalctl -u ssh --since '${since}' --no-pager 2>/dev/null || true`);
  const accepted = journal.split("\n").filter((l) => /Accepted publickey/.test(l)).length;
  t.log(`sshd on h1 during the up: ${accepted} connection(s) accepted`);
  t.is(accepted, 1, "one connection for every resource of the host");
  t.notRegex(journal, /MaxStartups|beginning MaxStartups throttling/i, "no connection was throttled");
  // sshd frees a session only once it has reaped the command's process, so on a loaded machine
  // it may still refuse one now and then; those are retried and never reach the user.
  t.log(`sshd on h1: ${journal.split("\n").filter((l) => /no more sessions/.test(l)).length} session(s) refused and retried`);
  t.notRegex(up.stdout + up.stderr, /channel open failure|no more sessions/i, "no refused channel reached the user");
});

test.serial(
  "a rotated login key reaches every resource's state in one up of updates; with the old key revoked, refresh and destroy work",
  async (t) => {
    const pair = keyPair();
    for (const h of hosts()) await rig.exec(h, `echo '${pair.public}' >> /root/.ssh/authorized_keys`);
    for (const h of hosts()) hostArgs[h.name] = { ...hostArgs[h.name], privateKey: pulumi.secret(pair.private) };

    const up = await ts.stack.up();
    t.deepEqual(
      Object.keys(changesOf(up.summary)),
      ["update"],
      `updates only, nothing replaced: ${JSON.stringify(up.summary.resourceChanges)}`,
    );
    const dynamic = (await stateResources(ts.stack)).filter((r) => r.type.startsWith(PLUGIN) && r.outputs?.credentials);
    t.true(dynamic.length >= 3 * 5 + 30, `every resource with a connection: ${dynamic.length}`);
    // exportStack gives secrets decrypted but still in their envelope: { <sig>, plaintext: "<json>" }.
    const keyOf = (c: Record<string, unknown>) =>
      ((typeof c.plaintext === "string" ? JSON.parse(c.plaintext) : c) as { privateKey?: string }).privateKey;
    const stale = dynamic
      .filter((r) => keyOf(r.outputs!.credentials as Record<string, unknown>) !== pair.private)
      .map((r) => r.urn.split("::").pop());
    t.deepEqual(stale, [], "resources that kept the old key");

    // The old key no longer logs in anywhere.
    const oldPublic = rig.publicKey.split(" ").slice(0, 2).join(" ");
    for (const h of hosts())
      await rig.exec(h, `grep -vF '${oldPublic}' /root/.ssh/authorized_keys > /tmp/ak && cat /tmp/ak > /root/.ssh/authorized_keys`);
    const refresh = await ts.stack.refresh();
    t.is(refresh.summary.result, "succeeded");
    t.deepEqual(changesOf(refresh.summary), {}, "a refresh with the new key sees nothing changed");
    await assertServing(t, "after the rotation");
    const destroy = await ts.stack.destroy();
    t.is(destroy.summary.result, "succeeded");
    assertPlainOutput(t, "destroy", destroy.stdout + destroy.stderr);
    t.is((await rig.exec(h1, "docker ps -aq | wc -l")).trim(), "0", "destroy removed h1's 31 containers");
  },
);
