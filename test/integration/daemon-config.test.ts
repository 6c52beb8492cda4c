import test from "ava";
import { DaemonConfig, type DaemonConfigArgs } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

// h1: mirrors, live-restore, hand edits. h2: invalid settings, insecure registry, conflicts.
let rig: Rig;
let pkgs: DockerPackages;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 2, registry: true }), ensureDockerPackages()]);
  await rig.pushNginx("latest");
});

test.after.always(async () => {
  await rig?.stop();
});

/** A program with an offline engine (nothing downloaded) and the daemon config under test. */
function program(h: RigHost, config: () => Omit<DaemonConfigArgs, "engine"> | undefined) {
  return async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    const args = config();
    if (!args) return { version: engine.version };
    const cfg = new DaemonConfig("daemon", { engine, ...args });
    return { mirrors: cfg.effectiveMirrors, drift: cfg.drift };
  };
}

const daemonJson = async (h: RigHost) => {
  const text = (await rig.exec(h, "cat /etc/docker/daemon.json 2>/dev/null || echo ABSENT")).trim();
  return text === "ABSENT" ? undefined : JSON.parse(text);
};
const canPull = (h: RigHost, ref: string) =>
  rig.exec(h, `docker pull ${ref} >/dev/null 2>&1 && echo yes || echo no`).then((s) => s.trim() === "yes");
const configState = async (stack: {
  exportStack(): Promise<{ deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } }>;
}) => (await stack.exportStack()).deployment.resources?.find((r) => r.type === "dockyard:index:DaemonConfig")?.outputs;

test.serial(
  "engine and daemon.json in one run start dockerd once; a mirror is proved by a pull; a mirror change is a reload that keeps dockerd and its containers running (no live-restore needed); hand edits are drift, repaired, foreign keys kept",
  async (t) => {
    const h = rig.hosts[0];
    const mirror = `http://${rig.registry!.address}`;
    let config: Omit<DaemonConfigArgs, "engine"> | undefined;
    const { stack, cleanup } = await testStack(
      "dockyard-daemon",
      "mirrors",
      program(h, () => config),
    );
    try {
      // The engine and its daemon.json made in one run: dockerd starts once (the settings are
      // taken by a reload, not a restart).
      config = { insecureRegistries: ["10.0.0.99:5000"] };
      await stack.up();
      t.is((await rig.exec(h, "journalctl -u docker.service --no-pager -o cat | grep -c '^Started '")).trim(), "1", "dockerd started once");
      t.is((await rig.exec(h, "docker info --format '{{json .RegistryConfig.IndexConfigs}}'")).includes("10.0.0.99:5000"), true);
      // Docker Hub cannot be reached from the rig: without a mirror the pull fails.
      t.false(await canPull(h, "nginx:latest"), "pull without a mirror must fail");

      config = { registryMirrors: [mirror] };
      const up = await stack.up();
      t.deepEqual(up.outputs.mirrors.value, [`${mirror}/`]);
      t.deepEqual(await daemonJson(h), { "registry-mirrors": [mirror] });
      t.true(await canPull(h, "nginx:latest"), "the same pull succeeds through the mirror");
      t.deepEqual(changesOf((await stack.up()).summary), {}, "an unchanged config changes nothing, restarts nothing");

      // A running container survives a mirror change: dockerd reloads (SIGHUP), it is not restarted,
      // so even without live-restore (off until this change turns it on) nothing stops.
      await rig.exec(h, "docker run -d --name keep --restart=always nginx:latest >/dev/null");
      const started = (await rig.exec(h, "docker inspect -f '{{.State.StartedAt}}' keep")).trim();
      const dockerdPid = (await rig.exec(h, "systemctl show docker -p MainPID --value")).trim();
      config = { registryMirrors: [mirror, "http://10.255.255.1:5000"], liveRestore: true };
      const changed = await stack.up();
      t.deepEqual(changed.outputs.mirrors.value, [`${mirror}/`, "http://10.255.255.1:5000/"]);
      t.is((await rig.exec(h, "systemctl show docker -p MainPID --value")).trim(), dockerdPid, "dockerd was reloaded, not restarted");
      t.is((await rig.exec(h, "docker info --format '{{.LiveRestoreEnabled}}'")).trim(), "true", "live-restore taken on reload");
      t.is((await rig.exec(h, "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' keep")).trim(), `true ${started}`);

      // Hand edit: our mirror changed, a foreign key added.
      await rig.exec(
        h,
        `printf '{"registry-mirrors": ["http://10.9.9.9:5000"], "live-restore": true, "debug": true}' > /etc/docker/daemon.json`,
      );
      const refresh = await stack.refresh();
      t.deepEqual(changesOf(refresh.summary), { update: 1 });
      t.deepEqual((await configState(stack))?.drift, [
        `registry-mirrors is ["http://10.9.9.9:5000"], not ${JSON.stringify([mirror, "http://10.255.255.1:5000"])}`,
      ]);
      await stack.up();
      t.deepEqual(
        await daemonJson(h),
        { debug: true, "live-restore": true, "registry-mirrors": [mirror, "http://10.255.255.1:5000"] },
        "ours restored, foreign key kept",
      );

      // Destroy under merge takes out only our keys.
      config = undefined;
      await stack.up();
      t.deepEqual(await daemonJson(h), { debug: true });
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);

test.serial(
  "an invalid setting leaves docker running on the old config and shows dockerd's error; an insecure registry becomes pullable",
  async (t) => {
    const h = rig.hosts[1];
    const registry = rig.registry!.address;
    let config: Omit<DaemonConfigArgs, "engine"> | undefined;
    const { stack, cleanup } = await testStack(
      "dockyard-daemon",
      "invalid",
      program(h, () => config),
    );
    try {
      await stack.up();
      const pid = (await rig.exec(h, "systemctl show docker -p MainPID --value")).trim();

      config = { storageDriver: "no-such-driver" };
      const err = await t.throwsAsync(stack.up());
      t.regex(
        err!.message,
        new RegExp(
          `root@${h.address.replace(/\./g, "\\.")}:22: docker did not start with the new daemon.json; the previous file was restored and docker is running again`,
        ),
      );
      t.regex(err!.message, /no-such-driver|graphdriver|driver not supported/i, "dockerd's own words");
      t.is(await daemonJson(h), undefined, "the host had no daemon.json and has none now");
      t.is((await rig.exec(h, "docker info --format '{{.Driver}}'")).trim(), "overlay2");
      t.not((await rig.exec(h, "systemctl show docker -p MainPID --value")).trim(), "0");
      t.truthy(pid);

      t.false(await canPull(h, `${registry}/library/nginx:latest`), "plain-http registry refused before");
      config = { insecureRegistries: [registry] };
      await stack.up();
      t.true(await canPull(h, `${registry}/library/nginx:latest`), "and pullable after");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);

test.serial("refused before anything changes: a mirror that is not http(s), and 'hosts' against the unit's -H", async (t) => {
  const h = rig.hosts[1];
  const before = await daemonJson(h);
  const cases: [Omit<DaemonConfigArgs, "engine">, RegExp][] = [
    [{ registryMirrors: ["ftp://mirror.example"] }, /registryMirrors\[0\].*must be an http\(s\) URL/],
    [
      { settings: { hosts: ["unix:///var/run/docker.sock"] } },
      /daemon\.json sets 'hosts' while docker\.service starts dockerd with -H .*override\.conf/,
    ],
  ];
  for (const [config, message] of cases) {
    const { stack, cleanup } = await testStack(
      "dockyard-daemon",
      `refused-${config.registryMirrors ? "mirror" : "hosts"}`,
      program(h, () => config),
    );
    try {
      const err = await t.throwsAsync(stack.up());
      t.regex(err!.message, message);
      t.deepEqual(await daemonJson(h), before);
    } finally {
      await cleanup();
    }
  }
});
