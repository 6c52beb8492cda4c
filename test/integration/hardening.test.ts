// The hardened profile and a container's security settings on one rig host: applied (daemon.json,
// `docker info`, `docker inspect`), the container still serving, and hand changes shown by refresh
// and repaired by `up`.
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
});

test.after.always(async () => {
  await rig?.stop();
});

type Security = Omit<ContainerArgs, "engine" | "image" | "name">;

/** Engine, the hardened daemon.json (with the rig's mirror), nginx through it, and `web` with `security`. */
function program(h: RigHost, security: Security) {
  return async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [`http://${rig.registry!.address}`], profile: "hardened" });
    const nginx = new Image("nginx", { engine, ref: "nginx:latest" }, { dependsOn: [daemon] });
    const web = new Container("web", { engine, name: "web", image: nginx, ...security }, { dependsOn: [daemon] });
    return { state: web.state, daemonDrift: daemon.drift };
  };
}

async function page(url: string): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetch(url)).status;
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

type State = { deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
const outputsOf = async (stack: { exportStack(): Promise<State> }, type: string) =>
  (await stack.exportStack()).deployment.resources?.find((r) => r.type === type)?.outputs;

test.serial(
  "a hardened host and a locked-down container: each setting applied and read back, the container serves, hand changes are drift that up repairs",
  async (t) => {
    const h = rig.hosts[0];
    const docker = (cmd: string) => rig.exec(h, cmd).then((s) => s.trim());
    // The rig's nginx stand-in is busybox httpd, started as root on port 80 with no setuid of its
    // own: run as nobody on an unprivileged port, it needs no capability at all.
    // AppArmor where the host can load profiles (the kernel has it and apparmor_parser is there), else an SELinux label (kept, unused without SELinux).
    const apparmor =
      (await docker(
        "cat /sys/module/apparmor/parameters/enabled 2>/dev/null; command -v apparmor_parser >/dev/null && echo parser; true",
      )) === "Y\nparser";
    const securityOpt = [apparmor ? "apparmor=docker-default" : "label=level:s0:c100,c200"];
    const security: Security = {
      command: ["httpd", "-f", "-v", "-p", "8080", "-h", "/usr/share/nginx/html"],
      ports: [`${h.address}:8080:8080`],
      user: "65534:65534",
      readOnlyRootFilesystem: true,
      tmpfs: { "/var/cache/nginx": "", "/var/run": "", "/tmp": "rw,noexec,nosuid,size=16m" },
      capDrop: ["ALL"],
      capAdd: ["NET_BIND_SERVICE"],
      noNewPrivileges: true,
      securityOpt,
      pidsLimit: 64,
      ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
    };
    const { stack, cleanup } = await testStack("dockyard-hardening", "hardened", program(h, security));
    try {
      const up = await stack.up();
      t.is(up.outputs.state.value, "running");
      t.is(await page(`http://${h.address}:8080/`), 200, "the locked-down container still serves");

      // The profile, key by key, in daemon.json and in what dockerd reports.
      const json = JSON.parse(await docker("cat /etc/docker/daemon.json")) as Record<string, unknown>;
      t.like(json, {
        icc: false,
        "no-new-privileges": true,
        "live-restore": true,
        "userland-proxy": false,
        "log-driver": "json-file",
        "log-opts": { "max-size": "10m", "max-file": "5" },
      });
      t.is(await docker("docker info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}'"), "true json-file");
      t.is(await docker(`docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.enable_icc"}}'`), "false");
      t.is(
        await docker("cat /proc/[0-9]*/comm 2>/dev/null | grep -cx docker-proxy || true"),
        "0",
        "no userland proxy for the published port",
      );

      // Every container setting, as docker inspect reports it.
      const inspect = JSON.parse(await docker("docker inspect web")) as [
        { Config: { User: string }; HostConfig: Record<string, unknown> & { PortBindings: Record<string, { HostIp: string }[]> } },
      ];
      const hc = inspect[0].HostConfig;
      t.is(inspect[0].Config.User, "65534:65534");
      t.is(hc.ReadonlyRootfs, true);
      // The engine may report capabilities with their CAP_ prefix.
      const caps = (l: unknown) => (l as string[]).map((c) => c.replace(/^CAP_/, ""));
      t.deepEqual(caps(hc.CapDrop), ["ALL"]);
      t.deepEqual(caps(hc.CapAdd), ["NET_BIND_SERVICE"]);
      t.deepEqual(hc.SecurityOpt, [...securityOpt, "no-new-privileges:true"]);
      t.is(hc.PidsLimit, 64);
      t.deepEqual(hc.Tmpfs, security.tmpfs);
      t.deepEqual(hc.Ulimits, [{ Name: "nofile", Soft: 1024, Hard: 2048 }]);
      t.is(hc.Privileged, false);
      t.is(hc.PortBindings["8080/tcp"][0].HostIp, h.address, "published on the one address");
      t.regex(
        await docker("docker exec -u 0 web sh -c 'echo x > /x' 2>&1 || true"),
        /Read-only file system/,
        "even root cannot write the root filesystem",
      );
      t.regex(await docker("docker exec web cat /proc/1/status"), /NoNewPrivs:\s+1/);
      t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");

      // A limit lifted in place (same container, same settings label): only the read-back tells.
      const id = await docker("docker inspect -f '{{.Id}}' web");
      await docker("docker update --pids-limit 1000 web >/dev/null");
      t.deepEqual(changesOf((await stack.refresh()).summary), { update: 1 });
      t.deepEqual((await outputsOf(stack, "dockyard:index:Container"))?.drift, [
        "container web: pidsLimit is 1000 on the host, declared 64",
      ]);
      await stack.up();
      t.is(await docker("docker inspect -f '{{.HostConfig.PidsLimit}}' web"), "64");
      t.not(await docker("docker inspect -f '{{.Id}}' web"), id, "made again");
      t.is(await page(`http://${h.address}:8080/`), 200);

      // Recreated by hand without --read-only and on every address, its labels copied.
      const image = await docker("docker inspect -f '{{.Config.Image}}' web");
      const hash = await docker(`docker inspect -f '{{index .Config.Labels "dockyard.spec"}}' web`);
      await docker(
        [
          "docker rm -f web >/dev/null && docker run -d --name web",
          `--label dockyard.managed=true --label dockyard.spec=${hash}`,
          "--user 65534:65534 --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges:true",
          `--security-opt ${securityOpt[0]} --pids-limit 64 --ulimit nofile=1024:2048`,
          "--tmpfs /var/cache/nginx --tmpfs /var/run --tmpfs /tmp:rw,noexec,nosuid,size=16m",
          `-p 8080:8080 ${image} httpd -f -v -p 8080 -h /usr/share/nginx/html >/dev/null`,
        ].join(" "),
      );
      await stack.refresh();
      const drift = (await outputsOf(stack, "dockyard:index:Container"))?.drift as string[];
      t.true(drift.includes("container web: readOnlyRootFilesystem is false on the host, declared true"), JSON.stringify(drift));
      t.true(
        drift.includes(`container web: port 8080/tcp is published on every address on the host, declared ${h.address}`),
        JSON.stringify(drift),
      );
      await stack.up();
      t.is(await docker("docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' web"), "true");
      t.is(await docker(`docker inspect -f '{{(index (index .HostConfig.PortBindings "8080/tcp") 0).HostIp}}' web`), h.address);

      // daemon.json's icc edited by hand: drift of the DaemonConfig, put back by up.
      await docker(`sed -i -E 's/"icc": *false/"icc": true/' /etc/docker/daemon.json`);
      t.is((JSON.parse(await docker("cat /etc/docker/daemon.json")) as { icc: boolean }).icc, true);
      await stack.refresh();
      t.deepEqual((await outputsOf(stack, "dockyard:index:DaemonConfig"))?.drift, ["icc is true, not false"]);
      await stack.up();
      t.is((JSON.parse(await docker("cat /etc/docker/daemon.json")) as { icc: boolean }).icc, false);
      t.is(await docker(`docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.enable_icc"}}'`), "false");
      t.is(await page(`http://${h.address}:8080/`), 200);
      t.deepEqual(changesOf((await stack.up()).summary), {}, "and settles");
    } finally {
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);
