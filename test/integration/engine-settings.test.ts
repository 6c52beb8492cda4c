import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { DaemonConfig, type DaemonConfigArgs, DockerUsers, Fleet, type FleetSpec } from "pulumi-dockyard";
import { type Kind, tokenOf } from "../../src/providers/kinds";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

// Engine settings, on one shared rig host: the proxy drop-in (one restart with
// daemon.json, drift, repair, rollback, removal), bad input refused before the host changes.
let rig: Rig;
let pkgs: DockerPackages;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1 }), ensureDockerPackages()]);
});

test.after.always(async () => {
  await rig?.stop();
});

const DROP_IN = "/etc/systemd/system/docker.service.d/http-proxy.conf";
const ENV_FILE = "/etc/docker/dockyard-proxy.env";
const SECRET = "pr0xy-s3cret";

function program(h: RigHost, config: () => Omit<DaemonConfigArgs, "engine"> | undefined) {
  return async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    const args = config();
    if (!args) return { version: engine.version };
    const cfg = new DaemonConfig("daemon", { engine, ...args });
    return { drift: cfg.drift };
  };
}

const dropIn = async (h: RigHost) => {
  const text = await rig.exec(h, `cat ${DROP_IN} 2>/dev/null || echo ABSENT`);
  return text.trim() === "ABSENT" ? undefined : text;
};
const envFile = async (h: RigHost) => {
  const text = await rig.exec(h, `cat ${ENV_FILE} 2>/dev/null || echo ABSENT`);
  return text.trim() === "ABSENT" ? undefined : text;
};
const proxyInfo = async (h: RigHost) => (await rig.exec(h, "docker info --format '{{.HTTPProxy}}|{{.HTTPSProxy}}|{{.NoProxy}}'")).trim();
const dockerPid = async (h: RigHost) => (await rig.exec(h, "systemctl show docker -p MainPID --value")).trim();
/** dockerd starts since a journal timestamp: one per restart. */
const startsSince = async (h: RigHost, since: string) =>
  Number(
    (
      await rig.exec(
        h,
        `journalctl -u docker.service --since '${since}' -o cat --no-pager | grep -c 'Daemon has completed initialization' || true`,
      )
    ).trim(),
  );
const hostNow = async (h: RigHost) => (await rig.exec(h, "date '+%Y-%m-%d %H:%M:%S'")).trim();
/** Every file of a local backend: what a stolen state directory shows. */
const stateOnDisk = (dir: string): string =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");
/** Pulumi's marker of a secret value (exportStack shows secrets decrypted, marked with it). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
type Exportable = { exportStack(): Promise<{ deployment: { resources?: { type: string; outputs?: Record<string, any> }[] } }> };
const resourceState = async (stack: Exportable, kind: Kind) =>
  (await stack.exportStack()).deployment.resources?.find((r) => r.type === tokenOf(kind))?.outputs;
const daemonState = (stack: Exportable) => resourceState(stack, "DaemonConfig");

test.serial(
  "proxy: a root-only environment file and its drop-in proved in docker info, secret in state, one restart with daemon.json, drift repaired, rolled back, removed",
  async (t) => {
    const h = rig.hosts[0];
    // A rig address: docker only records it here, and nothing is sent through it.
    const proxyUrl = `http://dockyard:${SECRET}@${h.address}:3128`;
    const masked = `http://xxxxx:xxxxx@${h.address}:3128`;
    let config: Omit<DaemonConfigArgs, "engine"> | undefined = {
      proxy: { http: proxyUrl, https: proxyUrl, noProxy: ["localhost", "127.0.0.1", ".rig.internal"] },
    };
    const { stack, cleanup, backendDir } = await testStack(
      "dockyard-settings",
      "proxy",
      program(h, () => config),
    );
    const logs: string[] = [];
    const onOutput = (s: string) => logs.push(s);
    try {
      await stack.up({ onOutput });
      const text = await dropIn(h);
      t.truthy(text, "the drop-in was written");
      t.regex(text!, /^EnvironmentFile=\/etc\/docker\/dockyard-proxy\.env$/m);
      t.false(text!.includes(SECRET), "the drop-in holds no credential");
      t.regex((await envFile(h))!, new RegExp(`^HTTPS_PROXY=http://dockyard:${SECRET}@`, "m"));
      t.is(await proxyInfo(h), `${masked}|${masked}|localhost,127.0.0.1,.rig.internal`, "docker info shows the proxy, credentials masked");
      t.is((await rig.exec(h, `stat -c %a ${ENV_FILE}`)).trim(), "600");
      t.false(stateOnDisk(backendDir).includes(SECRET), "the proxy is encrypted in the state file");
      t.truthy((await daemonState(stack))?.proxy?.[SECRET_SIG], "and marked secret");
      t.false(logs.join("").includes(SECRET), "and never in the output");

      // Unchanged: nothing to do, no restart.
      const pid = await dockerPid(h);
      t.deepEqual(changesOf((await stack.up({ onOutput })).summary), {});
      t.is(await dockerPid(h), pid, "no restart when nothing changed");

      // daemon.json and the drop-in both change: one restart.
      const since = await hostNow(h);
      await new Promise((r) => setTimeout(r, 1100));
      config = { liveRestore: true, proxy: { https: proxyUrl, noProxy: ["localhost"] } };
      await stack.up({ onOutput });
      t.is(await proxyInfo(h), `|${masked}|localhost`);
      t.is((await rig.exec(h, "docker info --format '{{.LiveRestoreEnabled}}'")).trim(), "true");
      t.is(await startsSince(h, since), 1, "one restart for both files");

      // Edited by hand, then deleted by hand: drift on refresh (never quoting the file), repaired by up.
      await rig.exec(h, `sed -i 's/localhost/example.org/' ${ENV_FILE}`);
      t.deepEqual(changesOf((await stack.refresh({ onOutput })).summary), { update: 1 });
      t.deepEqual((await daemonState(stack))?.drift, [`the proxy environment file ${ENV_FILE} was changed`]);
      await stack.up({ onOutput });
      t.regex((await envFile(h))!, /^NO_PROXY=localhost$/m);
      await rig.exec(h, `rm ${DROP_IN} && systemctl daemon-reload && systemctl restart docker`);
      await stack.refresh({ onOutput });
      t.deepEqual((await daemonState(stack))?.drift, [`the proxy drop-in ${DROP_IN} is missing`]);
      await stack.up({ onOutput });
      t.is(await proxyInfo(h), `|${masked}|localhost`, "repaired and in effect");

      // docker does not come back (a bad storage driver): both files go back.
      const before = await envFile(h);
      config = { liveRestore: true, storageDriver: "no-such-driver", proxy: { http: proxyUrl } };
      const err = await t.throwsAsync(stack.up({ onOutput }));
      t.regex(
        err!.message,
        /docker did not start with the new daemon\.json and proxy settings; the previous files were restored and docker is running again/,
      );
      t.false(err!.message.includes(SECRET));
      t.is(await envFile(h), before, "the previous proxy settings are back");
      t.is(await proxyInfo(h), `|${masked}|localhost`);

      // The argument dropped: the drop-in goes, docker runs without a proxy.
      config = { liveRestore: true };
      await stack.up({ onOutput });
      t.is(await dropIn(h), undefined);
      t.is(await envFile(h), undefined);
      t.is(await proxyInfo(h), "||");

      // Destroy removes it too.
      config = { proxy: { https: proxyUrl } };
      await stack.up({ onOutput });
      t.truthy(await dropIn(h));
      await stack.destroy({ onOutput });
      t.is(await dropIn(h), undefined, "destroy removed the drop-in");
      t.is(await envFile(h), undefined, "and the environment file");
      t.is(await proxyInfo(h), "||");
      t.false(logs.join("").includes(SECRET), "no output of any run shows the credential");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);

test.serial("refused before the host changes: a proxy URL that is not http(s), a bad no-proxy entry", async (t) => {
  const h = rig.hosts[0];
  const cases: [Omit<DaemonConfigArgs, "engine">, RegExp][] = [
    [
      { proxy: { https: `socks5://dockyard:${SECRET}@10.0.0.1:1080` } },
      /proxy\.https must be an http:\/\/ or https:\/\/ URL \(got "socks5:\/\/xxxxx:xxxxx@10\.0\.0\.1:1080"\)/,
    ],
    [{ proxy: { http: "http://10.0.0.1:3128", noProxy: ["a b"] } }, /proxy\.noProxy\[0\] must be a host name/],
  ];
  for (const [i, [config, message]] of cases.entries()) {
    const { stack, cleanup } = await testStack(
      "dockyard-settings",
      `refused-${i}`,
      program(h, () => config),
    );
    try {
      const err = await t.throwsAsync(stack.up());
      t.regex(err!.message, message);
      t.false(err!.message.includes(SECRET), "the credential is not in the message");
      t.is(await dropIn(h), undefined, "no drop-in was written");
    } finally {
      await cleanup();
    }
  }
});

test.serial("fleet files rotate logs by default, never over a host's own log settings silently, and turn it off", async (t) => {
  const h = rig.hosts[0];
  let daemon: FleetSpec["hosts"][number]["daemon"];
  const spec = (): FleetSpec => ({
    defaults: {
      privateKey: { config: "sshPrivateKey" },
      engine: { method: "offline", bundle: pkgs.bundle, bundleSha256: pkgs.bundleSha256 },
    },
    hosts: [{ name: "h1", address: h.address, hostKey: h.hostKey, ...(daemon ? { daemon } : {}) }],
  });
  const config = (key: string, secret: boolean) => (key === "sshPrivateKey" && secret ? pulumi.secret(rig.privateKey) : undefined);
  const { stack, cleanup } = await testStack("dockyard-settings", "rotation", async () => {
    const fleet = new Fleet("f", { spec: spec(), config });
    return { hosts: fleet.outputs };
  });
  const daemonJson = async () => JSON.parse((await rig.exec(h, "cat /etc/docker/daemon.json 2>/dev/null || echo null")).trim());
  try {
    // A host whose own daemon.json picks journald: the default does not replace it, and says so.
    await rig.exec(h, `printf '{"log-driver": "journald"}' > /etc/docker/daemon.json`);
    const err = await t.throwsAsync(stack.up());
    t.regex(
      err!.message,
      /daemon\.json already sets log-driver "journald" \(the default is "json-file"\), not written by Dockyard: a default does not replace it\. Keep the host's own with daemon\.logRotation: false/,
    );
    t.deepEqual(await daemonJson(), { "log-driver": "journald" }, "nothing was changed");

    // Without it: json-file 50m x 5, in docker info and on a new container.
    await rig.exec(h, "rm /etc/docker/daemon.json && systemctl restart docker");
    await stack.up();
    t.like(await daemonJson(), { "log-driver": "json-file", "log-opts": { "max-size": "50m", "max-file": "5" } });
    t.is((await rig.exec(h, "docker info --format '{{.LoggingDriver}}'")).trim(), "json-file");

    // Off: our log keys go.
    daemon = { logRotation: false };
    await stack.up();
    const after = await daemonJson();
    t.false(after !== null && "log-opts" in after, "logRotation: false removes the rotation");
  } finally {
    await stack.destroy().catch(() => undefined);
    await cleanup();
  }
});

test.serial(
  "dockerUsers: a missing user refused by name before any change; added, drift repaired, only ours taken out on destroy",
  async (t) => {
    const h = rig.hosts[0];
    await rig.exec(
      h,
      "for u in alice carol; do id -u $u >/dev/null 2>&1 || useradd -m $u; done; getent group docker >/dev/null || groupadd --system docker; gpasswd -a carol docker >/dev/null; gpasswd -d alice docker >/dev/null 2>&1 || true",
    );
    const inGroup = async (u: string) => (await rig.exec(h, `id -nG ${u}`)).split(/\s+/).includes("docker");
    let users: string[] = ["alice", "bob"];
    const { stack, cleanup } = await testStack("dockyard-settings", "users", async () => {
      const engine = offlineEngine("docker", rig, h, pkgs);
      const members = new DockerUsers("users", { engine, users });
      return { added: members.added, drift: members.drift };
    });
    try {
      const err = await t.throwsAsync(stack.up());
      t.regex(
        err!.message,
        /dockerUsers: user "bob" does not exist on this host; create it first, or take it out of dockerUsers\. Nothing was changed/,
      );
      t.false(await inGroup("alice"), "alice was not added: nothing changed");

      users = ["alice", "carol"];
      const up = await stack.up();
      t.true(await inGroup("alice"));
      t.deepEqual(up.outputs.added.value, ["alice"], "carol was a member already: not ours");

      await rig.exec(h, "gpasswd -d alice docker >/dev/null");
      t.deepEqual(changesOf((await stack.refresh()).summary), { update: 1 });
      t.deepEqual((await resourceState(stack, "DockerUsers"))?.drift, ["alice is not in the docker group"]);
      await stack.up();
      t.true(await inGroup("alice"), "repaired");

      await stack.destroy();
      t.false(await inGroup("alice"), "destroy takes out the user Dockyard added");
      t.true(await inGroup("carol"), "and leaves the one it found there");

      users = ["Bad Name"];
      const bad = await t.throwsAsync(stack.up());
      t.regex(bad!.message, /DockerUsers users: users\[0\] must be a user name/);
      t.false(await inGroup("alice"), "nothing changed");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);

test.serial(
  "data-root: a change is refused while the old root holds data, naming host and paths; taken when it is empty; a relative path refused",
  async (t) => {
    const h = rig.hosts[0];
    let config: Omit<DaemonConfigArgs, "engine"> | undefined;
    const { stack, cleanup } = await testStack(
      "dockyard-settings",
      "data-root",
      program(h, () => config),
    );
    const root = async () => (await rig.exec(h, "docker info --format '{{.DockerRootDir}}'")).trim();
    try {
      await stack.up(); // the engine alone (already there when the file runs whole)
      config = { dataRoot: "docker-data" };
      const relative = await t.throwsAsync(stack.up());
      t.regex(relative!.message, /DaemonConfig daemon: dataRoot must be an absolute path/);

      await rig.exec(h, "rm -rf /srv/docker; docker volume create keep >/dev/null");
      const before = await rig.exec(h, "cat /etc/docker/daemon.json 2>/dev/null || true");
      config = { dataRoot: "/srv/docker" };
      const err = await t.throwsAsync(stack.up());
      t.regex(
        err!.message,
        new RegExp(
          `data-root would change from /var/lib/docker to /srv/docker on root@${h.address.replace(/\./g, "\\.")}:22, but /var/lib/docker holds 0 container\\(s\\), 0 image\\(s\\) and 1 volume\\(s\\)`,
        ),
      );
      t.regex(err!.message, /rsync -aHAX \/var\/lib\/docker\/ \/srv\/docker\/; then run up again.*Nothing was changed/);
      t.is(await rig.exec(h, "cat /etc/docker/daemon.json 2>/dev/null || true"), before, "daemon.json untouched");
      t.is(await root(), "/var/lib/docker");

      await rig.exec(h, "docker volume rm keep >/dev/null");
      await stack.up();
      t.is(await root(), "/srv/docker", "an empty old root: the change is taken");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
    t.is(await root(), "/var/lib/docker", "destroy put the data root back");
  },
);
