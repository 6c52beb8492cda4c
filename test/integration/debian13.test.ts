import test from "ava";
import { Container, DaemonConfig, DockerEngine, Image } from "pulumi-dockyard";
import { ensureDockerPackages, startPackageServer, TRIXIE_DOCKER_CE_VERSIONS, type DockerPackages } from "../rig/package-server";
import { fetchWithin, Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, fingerprint, offlineEngine, rigHost } from "./support/programs";

// Debian 13 (trixie) rig hosts, built by debootstrap from Debian's packages (host-trixie.sh).
// h1: the guide online from the docker-ce stand-in's dists/trixie at a mirror URL, daemon.json
// with a registry mirror and live-restore, nginx on 80; then the pin moved from a 24.0.7 package
// (Debian 12's docker 20.10.24) to 26.1.5 (Debian 13's real docker.io 26.1.5): `docker version`
// changes, and a setting dockerd 26.1's --validate refuses is refused before anything changes.
// h2: offline from the rig's bundle, then that engine adopted. One host per test; the
// two run side by side.
let rig: Rig;
let pkgs: DockerPackages;
let mirror: string;
let keyFingerprint: string;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 2, registry: true, flavour: "debian13" }), ensureDockerPackages()]);
  ({ baseUrl: mirror, keyFingerprint } = await startPackageServer(rig.runId, rig.labels()));
  await rig.pushNginx("latest");
});

test.after.always(async () => {
  await rig?.stop();
});

const host = (name: string): RigHost => rig.hosts.find((h) => h.name === name)!;
const dpkgVersion = async (h: RigHost, pkg: string) =>
  (await rig.exec(h, `dpkg-query -W -f='\${Version}' ${pkg} 2>/dev/null || true`)).trim();
const serverVersion = async (h: RigHost) => (await rig.exec(h, "docker version --format '{{.Server.Version}}'")).trim();

async function page(h: RigHost): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetchWithin(`http://${h.address}:80/`, 5000)).status;
    } catch (e) {
      if (i >= 40) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

test("the hosts are Debian 13 (trixie) with systemd", async (t) => {
  for (const h of rig.hosts) {
    t.regex(await rig.exec(h, "cat /etc/os-release"), /^VERSION_CODENAME=trixie$/m);
    t.regex(await rig.exec(h, "cat /etc/debian_version"), /^13\./);
    t.regex((await rig.exec(h, "systemctl is-system-running --wait || true")).trim(), /^(running|degraded)$/);
  }
});

test("Debian 13 online from the docker-ce mirror's trixie suite: daemon.json mirror, nginx on 80; pinning 26.1.5 after 24.0.7 changes the engine docker version reports; its dockerd --validate refuses a bad setting before anything changes", async (t) => {
  const h = host("h1");
  const registryMirror = `http://${rig.registry!.address}`;
  let version = "24.0.7";
  let settings: Record<string, unknown> | undefined;
  const { stack, cleanup } = await testStack("dockyard-debian13", "online", async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      mirror,
      mirrorKeyFingerprint: keyFingerprint,
      allowInsecureHttp: true,
      version,
    });
    const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [registryMirror], liveRestore: true, settings });
    const nginx = new Image("nginx", { engine, ref: "nginx:latest" }, { dependsOn: [daemon] });
    const web = new Container("web", { engine, name: "nginx-container", image: nginx, ports: ["80:80"] });
    return { version: engine.version, packageVersion: engine.packageVersion, mirrors: daemon.effectiveMirrors, state: web.state };
  });
  try {
    const up = await stack.up();
    t.is(up.outputs.packageVersion.value, "5:24.0.7-1~debian.13~trixie");
    t.is(await dpkgVersion(h, "docker-ce"), "5:24.0.7-1~debian.13~trixie");
    // The apt line Dockyard renders for trixie, answered by the stand-in's dists/trixie.
    t.regex(
      await rig.exec(h, "cat /etc/apt/sources.list.d/docker.list"),
      new RegExp(`^deb \\[arch=amd64 signed-by=/etc/apt/keyrings/docker.asc\\] ${mirror}/linux/debian trixie stable`),
    );
    const engineOf = (v: keyof typeof TRIXIE_DOCKER_CE_VERSIONS) => new RegExp(`^${TRIXIE_DOCKER_CE_VERSIONS[v].replace(/\./g, "\\.")}\\b`);
    t.regex(await serverVersion(h), engineOf("5:24.0.7-1~debian.13~trixie"), "a 24.0.7 package of Debian 12's docker 20.10.24");
    t.is(up.outputs.version.value, await serverVersion(h));
    t.deepEqual(up.outputs.mirrors.value, [`${registryMirror}/`]);
    t.regex(
      await rig.exec(h, "docker info --format '{{json .RegistryConfig.Mirrors}}'"),
      new RegExp(`"${registryMirror}/"`),
      "docker info shows the mirror",
    );
    t.is((await rig.exec(h, "docker info --format '{{.LiveRestoreEnabled}}'")).trim(), "true");
    t.is(up.outputs.state.value, "running");
    t.is(await page(h), 200, "nginx answers on port 80");
    t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");

    // Containers started by hand beside Dockyard's own: one with a restart policy, one without.
    await rig.exec(
      h,
      "docker run -d --name keep --restart=always nginx:latest >/dev/null && docker run -d --name plain nginx:latest >/dev/null",
    );
    const names = ["nginx-container", "keep", "plain"];
    const states = async () =>
      (await rig.exec(h, `docker inspect -f '{{.Name}} {{.State.Running}} {{.State.Pid}} {{.State.StartedAt}}' ${names.join(" ")}`)).trim();
    const before = await states();
    const dockerdPid = (await rig.exec(h, "systemctl show docker -p MainPID --value")).trim();

    version = "26.1.5";
    const upgraded = await stack.up();
    t.deepEqual(changesOf(upgraded.summary), { update: 1 }, "only the engine changes");
    t.is(upgraded.outputs.packageVersion.value, "5:26.1.5-1~debian.13~trixie");
    t.is(await dpkgVersion(h, "docker-ce"), "5:26.1.5-1~debian.13~trixie");
    t.regex(await serverVersion(h), engineOf("5:26.1.5-1~debian.13~trixie"), "Debian 13's dockerd 26.1.5 answers now");
    t.regex(await rig.exec(h, "docker version --format '{{.Client.Version}}'"), /^26\.1\.5\b/, "and its client");
    t.is(upgraded.outputs.version.value, await serverVersion(h));
    t.not((await rig.exec(h, "systemctl show docker -p MainPID --value")).trim(), dockerdPid, "dockerd was restarted on its new binary");
    t.regex(
      await rig.exec(h, "docker info --format '{{json .RegistryConfig.Mirrors}}'"),
      new RegExp(`"${registryMirror}/"`),
      "daemon.json kept",
    );
    // Live-restore across 20.10 -> 26.1, a major upgrade, which docker documents live restore for
    // only across patch releases. What happens here (containerd.io unchanged, so the containers'
    // shims kept running): 26.1.5 restores all three, same process, same start time, the one
    // without a restart policy too. Asserted so a change in that is seen; not a promise.
    t.is(await states(), before, "every container kept running through the restart: same PID, same StartedAt");
    t.is(await page(h), 200, "nginx answers on port 80 after the upgrade");
    t.deepEqual(changesOf((await stack.up()).summary), {}, "then nothing to change");

    // dockerd 26.1 has --validate (20.10 has not: there the apply's restart and rollback guard the
    // file, test/integration/daemon-config.test.ts). A setting our checks pass and dockerd refuses
    // is refused by dockerd --validate before the file is written: dockerd is not restarted.
    const file = await rig.exec(h, "cat /etc/docker/daemon.json");
    const pid = (await rig.exec(h, "systemctl show docker -p MainPID --value")).trim();
    const running = await states();
    settings = { "max-concurrent-uploads": -1 };
    const refused = await t.throwsAsync(stack.up());
    t.regex(
      refused!.message,
      /dockerd --validate refused the new daemon\.json: .*invalid max concurrent uploads: -1.*Nothing was changed/s,
      "dockerd's own words",
    );
    t.is(await rig.exec(h, "cat /etc/docker/daemon.json"), file, "daemon.json as it was");
    t.is((await rig.exec(h, "systemctl show docker -p MainPID --value")).trim(), pid, "dockerd neither restarted nor reloaded onto it");
    t.is(await states(), running, "the containers kept running");
    settings = undefined;
    t.deepEqual(changesOf((await stack.up()).summary), {}, "the refused run changed nothing");
  } finally {
    await stack.destroy().catch(() => undefined);
    await cleanup();
  }
});

test("Debian 13 offline from the rig's bundle, then the same engine adopted: checked and reported, not changed", async (t) => {
  const h = host("h2");
  // The rig bundle's dockerd is Debian's, linked against libdevmapper (not in a minimal trixie).
  await rig.exec(h, "apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdevmapper1.02.1 >/dev/null");
  const offline = await testStack("dockyard-debian13", "offline", async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    return { version: engine.version };
  });
  const adopt = await testStack("dockyard-debian13", "adopt", async () => {
    const engine = new DockerEngine("docker", { host: rigHost(rig, h), method: "adopt" });
    return { version: engine.version };
  });
  try {
    // Nothing on the host may reach a package repository during the install.
    await rig.exec(h, "mv /etc/apt/sources.list /etc/apt/sources.list.off");
    const up = await offline.stack.up();
    t.regex(up.outputs.version.value, new RegExp(`^${pkgs.bundleVersion.replace(/\./g, "\\.")}\\b`));
    t.is(up.outputs.version.value, await serverVersion(h));
    t.is((await rig.exec(h, "systemctl is-enabled docker; systemctl is-active docker")).trim(), "enabled\nactive");

    const before = await fingerprint(rig, h);
    const adopted = await adopt.stack.up();
    t.is(adopted.outputs.version.value, await serverVersion(h));
    t.is(await fingerprint(rig, h), before, "adopt changed nothing on the host");
    await adopt.stack.destroy();
    t.is(await fingerprint(rig, h), before, "destroying an adopted engine changes nothing");
  } finally {
    await rig.exec(h, "mv /etc/apt/sources.list.off /etc/apt/sources.list 2>/dev/null || true");
    for (const s of [adopt, offline]) await s.cleanup();
  }
});
