import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { DaemonConfig, type DaemonConfigArgs } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

// The proxy's credentials on a live host: in a root-only environment file, never in what
// systemd shows local users, in a process list or in the state file.
let rig: Rig;
let pkgs: DockerPackages;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1 }), ensureDockerPackages()]);
});

test.after.always(async () => {
  await rig?.stop();
});

const PASSWORD = "S3cretPass";
const PROXY = `http://user:${PASSWORD}@proxy.example:3128`;
const DROP_IN = "/etc/systemd/system/docker.service.d/http-proxy.conf";
const ENV_FILE = "/etc/docker/dockyard-proxy.env";

function program(h: RigHost, config: () => Omit<DaemonConfigArgs, "engine"> | undefined) {
  return async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    const args = config();
    if (!args) return { version: engine.version };
    const cfg = new DaemonConfig("daemon", { engine, ...args });
    return { drift: cfg.drift };
  };
}

/** Every file of a local backend: what a stolen state directory shows. */
const stateOnDisk = (dir: string): string =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), "utf8"))
    .join("\n");

test.serial(
  "proxy credentials: absent from systemctl show, ps and the state file; in a 0600 root file dockerd reads; an old Environment= drop-in replaced",
  async (t) => {
    const h = rig.hosts[0];
    let config: Omit<DaemonConfigArgs, "engine"> | undefined;
    const { stack, cleanup, backendDir } = await testStack(
      "dockyard-proxy",
      "secrets",
      program(h, () => config),
    );
    const logs: string[] = [];
    const onOutput = (s: string) => logs.push(s);
    try {
      await stack.up({ onOutput }); // the engine alone

      // A host as an older Dockyard left it: the proxy in Environment= lines of the drop-in.
      await rig.exec(
        h,
        `mkdir -p $(dirname ${DROP_IN}) && printf '[Service]\\nEnvironment="HTTP_PROXY=${PROXY}"\\n' > ${DROP_IN} && systemctl daemon-reload && systemctl restart docker`,
      );
      t.true((await rig.exec(h, "systemctl show docker -p Environment")).includes(PASSWORD), "the old layout shows it to everyone");

      // Every process list on the host while up runs.
      await rig.exec(
        h,
        "rm -f /tmp/ps.log /tmp/ps.stop; nohup sh -c 'while [ ! -e /tmp/ps.stop ]; do ps -eo args >> /tmp/ps.log; sleep 0.05; done' >/dev/null 2>&1 &",
      );
      config = { proxy: { http: PROXY, https: PROXY, noProxy: ["localhost", ".corp"] } };
      await stack.up({ onOutput });
      await rig.exec(h, "touch /tmp/ps.stop; sleep 0.3");
      const ps = await rig.exec(h, "cat /tmp/ps.log");
      t.true(ps.split("\n").length > 50, "the process lists were taken during the run");
      t.regex(ps, /sh -c|bash -c|sudo/, "and saw Dockyard's commands run");
      t.false(ps.includes(PASSWORD), "no process list during the run shows the password");

      t.false((await rig.exec(h, "systemctl show docker -p Environment")).includes(PASSWORD), "systemctl show -p Environment");
      t.false((await rig.exec(h, "systemctl show docker")).includes(PASSWORD), "systemctl show, every property");
      t.false((await rig.exec(h, `cat ${DROP_IN}`)).includes(PASSWORD), "the drop-in holds no value");
      t.regex(await rig.exec(h, `cat ${DROP_IN}`), new RegExp(`^EnvironmentFile=${ENV_FILE}$`, "m"));
      t.is((await rig.exec(h, `stat -c '%a %U %G' ${ENV_FILE}`)).trim(), "600 root root");
      t.false(
        (await rig.exec(h, `su nobody -s /bin/sh -c 'cat ${ENV_FILE}' 2>&1 || true`)).includes(PASSWORD),
        "another user cannot read it",
      );
      const pid = (await rig.exec(h, "systemctl show docker -p MainPID --value")).trim();
      const environ = (await rig.exec(h, `tr '\\0' '\\n' < /proc/${pid}/environ`)).split("\n");
      t.true(environ.includes(`HTTP_PROXY=${PROXY}`), "dockerd runs with the proxy");
      t.true(environ.includes("NO_PROXY=localhost,.corp"));
      t.is(
        (await rig.exec(h, "docker info --format '{{.HTTPProxy}}'")).trim(),
        "http://xxxxx:xxxxx@proxy.example:3128",
        "docker info shows it, masked",
      );
      t.false(stateOnDisk(backendDir).includes(PASSWORD), "the state file holds no plain copy");
      t.false(logs.join("").includes(PASSWORD), "nor does any output");

      // Converged: nothing to do. The file made readable by hand: drift, repaired.
      t.deepEqual(changesOf((await stack.up({ onOutput })).summary), {});
      await rig.exec(h, `chmod 0644 ${ENV_FILE}`);
      await stack.refresh({ onOutput });
      await stack.up({ onOutput });
      t.is((await rig.exec(h, `stat -c '%a' ${ENV_FILE}`)).trim(), "600", "repaired");

      // The argument dropped: both files go.
      config = {};
      await stack.up({ onOutput });
      t.is((await rig.exec(h, `ls ${DROP_IN} ${ENV_FILE} 2>/dev/null || true`)).trim(), "");
      t.is((await rig.exec(h, "docker info --format '{{.HTTPProxy}}'")).trim(), "");
      t.false(logs.join("").includes(PASSWORD));
    } finally {
      await rig.exec(h, "touch /tmp/ps.stop").catch(() => undefined);
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);
