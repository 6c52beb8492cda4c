import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "pulumi-dockyard";
import { formatFingerprint } from "../../src/model/pgp-key";
import { ensureDockerPackages, startPackageServer, type DockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, fingerprint, rigHost } from "./support/programs";

// Hosts: online (docker-ce mirror), distro then adopt, offline, offline as a sudo user. Tests run
// concurrently, one host each.
let rig: Rig;
let pkgs: DockerPackages;
let mirror: string;
let bundleUrl: string;
/** The rig mirror's throwaway signing key; the mirror and the bundle are plain HTTP (opted in). */
let keyFingerprint: string;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 4 }), ensureDockerPackages()]);
  ({ baseUrl: mirror, bundleUrl, keyFingerprint } = await startPackageServer(rig.runId, rig.labels()));
});

test.after.always(async () => {
  await rig?.stop();
});

const engineState = (state: { deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } }) =>
  state.deployment.resources?.find((r) => r.type === "dockyard:index:DockerEngine")?.outputs;
const host = (name: string): RigHost => rig.hosts.find((h) => h.name === name)!;
const dpkgVersion = async (h: RigHost, pkg: string) =>
  (await rig.exec(h, `dpkg-query -W -f='\${Version}' ${pkg} 2>/dev/null || true`)).trim();

test("online from a signed docker-ce mirror: pin, upgrade, refused and allowed downgrade, drift repaired, uninstall on delete", async (t) => {
  const h = host("h1");
  let version = "24.0.7";
  let allowDowngrade = false;
  // First Docker's own key (the default pin), which the rig's mirror does not have; then the rig's.
  let mirrorKeyFingerprint: string | undefined;
  const { stack, cleanup } = await testStack("dockyard-engine", "online", async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      mirror,
      mirrorKeyFingerprint,
      allowInsecureHttp: true,
      version,
      allowDowngrade,
      uninstallOnDelete: true,
    });
    return { version: engine.version, apiVersion: engine.apiVersion, packageVersion: engine.packageVersion, drift: engine.drift };
  });
  try {
    // A key that is not the pinned one: refused, naming both fingerprints; the host unchanged.
    const snapshot = () =>
      rig.exec(
        h,
        "ls -la /etc/apt/sources.list.d /etc/apt/keyrings /var/lib/dockyard 2>&1; md5sum /etc/apt/sources.list.d/* /etc/apt/keyrings/* 2>&1; dpkg-query -W -f='${Package} ${Version}\\n' | md5sum",
      );
    const before = await snapshot();
    const wrong = await t.throwsAsync(stack.up());
    t.regex(wrong!.message, /DOCKYARD_SIGNING_KEY_MISMATCH/);
    t.regex(wrong!.message, new RegExp(`root@${h.address}:22`), "names the host");
    t.true(wrong!.message.includes(formatFingerprint(keyFingerprint)), `names the fingerprint found: ${wrong!.message}`);
    t.true(wrong!.message.includes("9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88"), "names the pinned one");
    t.is(await snapshot(), before, "repository files, keyrings and installed packages unchanged; no staged key left");
    t.is((await rig.exec(h, "test -e /etc/apt/sources.list.d/docker.list && echo there || echo absent")).trim(), "absent");

    mirrorKeyFingerprint = keyFingerprint;
    const accepted = async () => Number((await rig.exec(h, "journalctl -u ssh --no-pager | grep -c 'Accepted publickey' || true")).trim());
    const connectionsBefore = await accepted();
    const up = await stack.up();
    t.is(await accepted(), connectionsBefore + 1, "one SSH connection per host for the whole run");
    t.is(up.outputs.packageVersion.value, "5:24.0.7-1~debian.12~bookworm");
    t.is(await dpkgVersion(h, "docker-ce"), "5:24.0.7-1~debian.12~bookworm");
    // The packages came from the mirror, by the apt line Dockyard wrote.
    t.regex(
      await rig.exec(h, "cat /etc/apt/sources.list.d/docker.list"),
      new RegExp(`^deb \\[arch=amd64 signed-by=/etc/apt/keyrings/docker.asc\\] ${mirror}/linux/debian bookworm stable`),
    );
    t.regex(await rig.exec(h, "apt-mark showhold"), /docker-ce\n/);
    const server = (await rig.exec(h, "docker version --format '{{.Server.Version}} {{.Server.APIVersion}}'")).trim();
    t.is(`${up.outputs.version.value} ${up.outputs.apiVersion.value}`, server);
    t.is((await rig.exec(h, "systemctl is-enabled docker; systemctl is-active docker")).trim(), "enabled\nactive");

    t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");

    version = "25.0.3";
    const upgraded = await stack.up();
    t.deepEqual(changesOf(upgraded.summary), { update: 1 });
    t.is(await dpkgVersion(h, "docker-ce"), "5:25.0.3-1~debian.12~bookworm");

    version = "24.0.7";
    const refused = await t.throwsAsync(stack.up());
    t.regex(
      refused!.message,
      /25\.0\.3-1~debian\.12~bookworm is installed and the pin '24\.0\.7' resolves to the older .* set allowDowngrade/,
    );
    t.regex(refused!.message, new RegExp(`root@${h.address}:22`));
    t.is(await dpkgVersion(h, "docker-ce"), "5:25.0.3-1~debian.12~bookworm", "nothing changed");

    allowDowngrade = true;
    await stack.up();
    t.is(await dpkgVersion(h, "docker-ce"), "5:24.0.7-1~debian.12~bookworm");

    // Drift: the engine removed by hand.
    await rig.exec(
      h,
      "apt-mark unhold docker-ce >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq docker-ce >/dev/null 2>&1",
    );
    const refresh = await stack.refresh();
    t.deepEqual(changesOf(refresh.summary), { update: 1 }, "refresh shows the removed engine");
    // Stack outputs keep the program's last values; the refreshed resource state holds the drift.
    const drift = engineState(await stack.exportStack())?.drift as string[] | undefined;
    t.truthy(
      drift?.some((d) => /not installed|not running/.test(d)),
      `drift: ${JSON.stringify(drift)}`,
    );
    const repair = await stack.up();
    t.deepEqual(changesOf(repair.summary), { update: 1 });
    t.is(await dpkgVersion(h, "docker-ce"), "5:24.0.7-1~debian.12~bookworm");
    t.is((await rig.exec(h, "docker version --format '{{.Server.Version}}' >/dev/null && echo up")).trim(), "up");

    // Drift: the engine's program deleted by hand, its package still installed.
    await rig.exec(h, "systemctl stop docker docker.socket; rm /usr/bin/dockerd");
    const broken = await stack.refresh();
    t.deepEqual(changesOf(broken.summary), { update: 1 }, "refresh shows the deleted program");
    const brokenDrift = engineState(await stack.exportStack())?.drift as string[] | undefined;
    t.truthy(
      brokenDrift?.some((d) => d.includes("files of the installed packages are missing: /usr/bin/dockerd")),
      `drift: ${JSON.stringify(brokenDrift)}`,
    );
    t.deepEqual(changesOf((await stack.up()).summary), { update: 1 }, "one up reinstalls it");
    t.is(
      (await rig.exec(h, "test -x /usr/bin/dockerd && docker version --format '{{.Server.Version}}' >/dev/null && echo up")).trim(),
      "up",
    );
    t.is(await dpkgVersion(h, "docker-ce"), "5:24.0.7-1~debian.12~bookworm", "the same version");
    t.regex(await rig.exec(h, "apt-mark showhold"), /docker-ce\n/, "and held again");
    t.deepEqual(changesOf((await stack.refresh()).summary), {}, "then no drift");

    await stack.destroy();
    t.is(await dpkgVersion(h, "docker-ce"), "", "uninstallOnDelete removed docker-ce");
    t.is((await rig.exec(h, "ls /etc/apt/sources.list.d/")).trim(), "", "and its repository");
  } finally {
    await cleanup();
  }
});

test("distro packages, then the same engine adopted: checked and reported, not changed", async (t) => {
  const h = host("h2");
  const distro = await testStack("dockyard-engine", "distro", async () => {
    const engine = new DockerEngine("docker", { host: rigHost(rig, h), source: "distro" });
    return { version: engine.version, packageVersion: engine.packageVersion };
  });
  const adopt = await testStack("dockyard-engine", "adopt", async () => {
    const engine = new DockerEngine("docker", { host: rigHost(rig, h), method: "adopt" });
    return { version: engine.version };
  });
  try {
    const up = await distro.stack.up();
    t.regex(up.outputs.packageVersion.value, /^20\.10\./);
    t.is(await dpkgVersion(h, "docker.io"), up.outputs.packageVersion.value);
    t.is((await rig.exec(h, "systemctl is-enabled docker")).trim(), "enabled");

    const before = await fingerprint(rig, h);
    const adopted = await adopt.stack.up();
    t.is(adopted.outputs.version.value, (await rig.exec(h, "docker version --format '{{.Server.Version}}'")).trim());
    t.is(await fingerprint(rig, h), before, "adopt changed nothing on the host");
    await adopt.stack.destroy();
    t.is(await fingerprint(rig, h), before, "destroying an adopted engine changes nothing");
    const destroyed = await distro.stack.destroy();
    t.not(await dpkgVersion(h, "docker.io"), "", "the engine stays after destroy by default");
    t.regex(destroyed.stdout, /the Docker engine was left in place \(uninstallOnDelete is not set\)/, "and destroy says so");
  } finally {
    for (const s of [distro, adopt]) {
      await s.cleanup();
    }
  }
});

test("offline from a bundle: installed without a download, uploaded once, drift repaired", async (t) => {
  const h = host("h3");
  // Debian's dockerd (in the test bundle) is dynamically linked, unlike the real static bundle:
  // this host gets its libraries first. The install itself downloads nothing.
  await rig.exec(h, "apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdevmapper1.02.1 >/dev/null");
  const { stack, cleanup } = await testStack("dockyard-engine", "offline", async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      method: "offline",
      bundle: new pulumi.asset.FileAsset(pkgs.bundle),
      bundleSha256: pkgs.bundleSha256,
    });
    return { version: engine.version, uploaded: engine.bundleUploaded };
  });
  try {
    // Nothing on the host may reach a package repository during the install.
    await rig.exec(h, "mv /etc/apt/sources.list /etc/apt/sources.list.off");
    const up = await stack.up();
    t.is(up.outputs.uploaded.value, true);
    t.true(
      String(up.outputs.version.value).startsWith(pkgs.bundleVersion),
      `${up.outputs.version.value} is the bundle's ${pkgs.bundleVersion}`,
    );
    t.regex((await rig.exec(h, "head -n1 /etc/systemd/system/docker.service")).trim(), /Managed by Dockyard/);
    t.is((await rig.exec(h, "systemctl is-enabled docker; systemctl is-active docker")).trim(), "enabled\nactive");

    const again = await stack.up();
    t.deepEqual(changesOf(again.summary), {});
    // Make the next up rerun the engine, and check it uploads nothing: same checksum on the host.
    await rig.exec(h, "rm -f /usr/bin/dockerd");
    const refresh = await stack.refresh();
    t.deepEqual(changesOf(refresh.summary), { update: 1 }, "refresh shows dockerd gone");
    t.deepEqual(engineState(await stack.exportStack())?.drift, ["installed files are missing: /usr/bin/dockerd"]);
    const repair = await stack.up();
    t.deepEqual(changesOf(repair.summary), { update: 1 });
    t.is(repair.outputs.uploaded.value, false, "the bundle was already on the host");
    t.is((await rig.exec(h, "docker version --format '{{.Server.Version}}' >/dev/null && echo up")).trim(), "up");
    await stack.destroy();
  } finally {
    await rig.exec(h, "mv /etc/apt/sources.list.off /etc/apt/sources.list").catch(() => undefined);
    await cleanup();
  }
});

test("a non-root user with passwordless sudo installs an engine from a bundle URL the controller fetches", async (t) => {
  const h = host("h4");
  await rig.exec(
    h,
    "useradd -m -s /bin/sh ops && install -d -m 700 -o ops -g ops /home/ops/.ssh && cp /root/.ssh/authorized_keys /home/ops/.ssh/ && chown ops:ops /home/ops/.ssh/authorized_keys && echo 'ops ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ops",
  );
  const { stack, cleanup } = await testStack("dockyard-engine", "sudo", async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h, { user: "ops", sudo: true }),
      method: "offline",
      // Fetched by this machine (into its cache) and uploaded; the host never downloads it.
      bundle: new pulumi.asset.RemoteAsset(bundleUrl),
      bundleSha256: pkgs.bundleSha256,
      // The rig serves it over plain HTTP.
      allowInsecureHttp: true,
    });
    return { version: engine.version };
  });
  try {
    const up = await stack.up();
    t.true(String(up.outputs.version.value).startsWith(pkgs.bundleVersion));
    t.is((await rig.exec(h, "stat -c %U /var/lib/dockyard/engine-offline.json")).trim(), "root", "written as root through sudo");
    t.regex(await rig.exec(h, "journalctl --no-pager | grep 'sudo' | grep -c 'USER=root' || true"), /^[1-9]/);
  } finally {
    await cleanup();
  }
});
