import { formatFingerprint } from "../../src/model/pgp-key";
import test, { type ExecutionContext } from "ava";
import { Container, DaemonConfig, DockerEngine, Image } from "pulumi-dockyard";
import { fetchWithin, Rig, type RigHost } from "../rig/rig";
import { startHangingServer } from "../rig/hanging-server";
import {
  addRpmHost,
  installOldPackages,
  OLD_PACKAGES,
  RPM_FLAVOURS,
  type RpmFlavour,
  type RpmPackageServer,
  startRpmPackageServer,
} from "../rig/rpm-hosts";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, rigHost } from "./support/programs";

// The CentOS guide's path on RHEL-family rig hosts. These hosts are dnf 4.14 on a Debian userland
// presenting as CentOS 7 (yum only), Rocky Linux 9, Amazon Linux 2023 and AlmaLinux 9 (see test/rig/host-rpm.sh),
// not the distributions themselves; the docker-ce packages wrap this machine's Debian binaries, so
// every engine reports docker 20.10.24 whatever its package version. One host per test. The tests
// run one at a time: an inline program's run takes every unhandled rejection of the process as its
// own error, so the late gRPC rejections of a refused update (on purpose here) would fail another
// program running beside it.
let rig: Rig;
let server: RpmPackageServer;
const hosts: Partial<Record<RpmFlavour, RigHost>> = {};

test.before(async () => {
  await pulumiEngine();
  rig = await Rig.start({ hosts: 0, registry: true });
  server = await startRpmPackageServer(rig);
  const flavours: RpmFlavour[] = ["centos7", "rocky9", "amzn2023", "alma9"];
  await Promise.all([rig.pushNginx("latest"), ...flavours.map(async (f) => (hosts[f] = await addRpmHost(rig, f, f, server)))]);
});

test.after.always(async () => {
  await rig?.stop();
});

const rpmQ = async (h: RigHost, pkg: string) => (await rig.exec(h, `rpm -q ${pkg} 2>/dev/null || true`)).trim();
const lockList = async (h: RigHost, pm: string) => (await rig.exec(h, `${pm} -q versionlock list 2>/dev/null || true`)).trim();

async function page(h: RigHost): Promise<{ status: number; body: string }> {
  for (let i = 0; ; i++) {
    try {
      const res = await fetchWithin(`http://${h.address}:80/`, 5000);
      return { status: res.status, body: await res.text() };
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** What a failed run must leave untouched: packages, repositories, locks, the service. */
const fingerprint = (h: RigHost, pm: string) =>
  rig.exec(
    h,
    [
      "rpm -qa | sort",
      'for f in /etc/yum.repos.d/*; do echo "== $f"; cat "$f"; done',
      `${pm} -q versionlock list 2>/dev/null || true`,
      "systemctl is-active docker 2>/dev/null || true",
      "ls /var/lib/dockyard 2>/dev/null || true",
    ].join("; "),
  );

interface Journey {
  version: string;
  allowDowngrade?: boolean;
  /** The signing key pin; default: the rig mirror's own key (its mirror is plain HTTP, opted in). */
  mirrorKeyFingerprint?: string;
  /** Another docker-ce mirror than the rig's, and the host's download bound. */
  mirror?: string;
  downloadTimeout?: number;
}

/** The guide: engine from the mirror (pinned), daemon.json with the registry mirror, nginx on 80. */
function guide(h: RigHost, j: () => Journey) {
  return async () => {
    const { version, allowDowngrade, mirrorKeyFingerprint = server.keyFingerprint, mirror = server.mirror, downloadTimeout } = j();
    const host = rigHost(rig, h, downloadTimeout === undefined ? {} : { downloadTimeout });
    const engine = new DockerEngine("docker", {
      host,
      mirror,
      mirrorKeyFingerprint,
      allowInsecureHttp: true,
      version,
      allowDowngrade,
      uninstallOnDelete: true,
    });
    const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [`http://${rig.registry!.address}`] });
    const nginx = new Image("nginx", { engine, ref: "nginx:latest" }, { dependsOn: [daemon] });
    const web = new Container("web", { engine, name: "nginx-container", image: nginx, ports: ["80:80"] });
    return {
      os: host.facts.osPrettyName,
      version: engine.version,
      packageVersion: engine.packageVersion,
      composeVersion: engine.composeVersion,
      mirrors: daemon.effectiveMirrors,
      state: web.state,
    };
  };
}

/**
 * Old packages removed, repository at the mirror, exact pin, started and enabled, the mirror in
 * `docker info`, nginx through it on port 80, the pin held against a system upgrade.
 */
async function journey(t: ExecutionContext, flavour: RpmFlavour) {
  const h = hosts[flavour]!;
  const { packageManager: pm, el } = RPM_FLAVOURS[flavour];
  const plugin = pm === "yum" ? "yum-plugin-versionlock" : "python3-dnf-plugin-versionlock";
  const old = (
    pm === "yum" ? ["docker", "docker-client", "docker-common", "docker-engine"] : Object.keys(OLD_PACKAGES)
  ) as (keyof typeof OLD_PACKAGES)[];
  await installOldPackages(rig, h, server, old);
  t.is(await rpmQ(h, plugin), `package ${plugin} is not installed`, "the versionlock plugin is not there before");
  t.is((await rig.exec(h, "command -v dnf || echo none")).trim(), pm === "yum" ? "none" : "/usr/bin/dnf", "yum hosts have no dnf");
  t.is(await rpmQ(h, "gpg-pubkey"), "package gpg-pubkey is not installed", "no signing key is trusted yet");

  const up = await stack(flavour).stack.up();
  t.regex(up.outputs.os.value, flavour === "centos7" ? /^CentOS Linux 7/ : /^Rocky Linux 9/);
  for (const p of old) t.is(await rpmQ(h, p), `package ${p} is not installed`, `old package ${p} was removed`);
  const repo = await rig.exec(h, "cat /etc/yum.repos.d/docker-ce.repo");
  t.true(repo.includes(`baseurl=${server.mirror}/linux/centos/$releasever/$basearch/stable`), repo);
  t.true(repo.includes("gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce"), repo);
  t.false(repo.includes(`gpgkey=${server.mirror}`), "dnf/yum never fetch the key from the mirror");
  t.true(repo.includes("gpgcheck=1"), repo);
  t.is(
    (await rig.exec(h, `curl -fsS ${server.mirror}/linux/centos/gpg | cmp - /etc/pki/rpm-gpg/RPM-GPG-KEY-docker-ce && echo same`)).trim(),
    "same",
  );
  t.regex(await rpmQ(h, "gpg-pubkey"), /^gpg-pubkey-/, "the checked key was imported from its file for the signed packages");
  t.is(up.outputs.packageVersion.value, `3:24.0.7-1.${el}`);
  t.is(await rpmQ(h, "docker-ce"), `docker-ce-24.0.7-1.${el}.x86_64`);
  t.is(await rpmQ(h, "docker-ce-cli"), `docker-ce-cli-24.0.7-1.${el}.x86_64`);
  t.regex(await rpmQ(h, "containerd.io"), /^containerd\.io-1\.6\.20-3\.1\.el[79]\.x86_64$/);
  // The CLI plugins come with docker-ce, as Docker's guide installs them, from the same repository.
  t.is(await rpmQ(h, "docker-compose-plugin"), `docker-compose-plugin-2.26.1-1.${el}.x86_64`);
  t.is(await rpmQ(h, "docker-buildx-plugin"), `docker-buildx-plugin-0.13.1-1.${el}.x86_64`);
  t.regex(up.outputs.composeVersion.value, /^v?2\.26\.1/, "`docker compose version` answers");
  t.regex(await rig.exec(h, "docker buildx version"), /0\.13\.1/);
  t.is((await rig.exec(h, "systemctl is-enabled docker; systemctl is-active docker")).trim(), "enabled\nactive");
  t.is(up.outputs.version.value, (await rig.exec(h, "docker version --format '{{.Server.Version}}'")).trim());
  t.deepEqual(up.outputs.mirrors.value, [`http://${rig.registry!.address}/`]);
  t.regex(
    await rig.exec(h, "docker info --format '{{json .RegistryConfig.Mirrors}}'"),
    new RegExp(rig.registry!.address.replace(/\./g, "\\.")),
  );
  t.is(up.outputs.state.value, "running");
  const served = await page(h);
  t.is(served.status, 200);
  t.regex(served.body, /Welcome to nginx!/);

  // Held: the plugin was installed for it, and a system upgrade leaves the engine where it is
  // although the repository has 25.0.3 (check-update without the plugin proves it is offered).
  t.regex(await rpmQ(h, plugin), new RegExp(`^${plugin}-`));
  const locks = await lockList(h, pm);
  t.true(locks.includes(`docker-ce-3:24.0.7-1.${el}`) && locks.includes(`docker-ce-cli-1:24.0.7-1.${el}`), locks);
  t.is(
    (await rig.exec(h, `${pm} -q check-update --disableplugin=versionlock docker-ce >/dev/null 2>&1; echo $?`)).trim(),
    "100",
    "25.0.3 is offered",
  );
  await rig.exec(h, `${pm} -y -q ${pm === "yum" ? "update" : "upgrade"} >/dev/null 2>&1`);
  t.is(
    await rpmQ(h, "docker-ce"),
    `docker-ce-24.0.7-1.${el}.x86_64`,
    `the pinned engine survived \`${pm} ${pm === "yum" ? "update" : "upgrade"}\``,
  );

  t.deepEqual(changesOf((await stack(flavour).stack.up()).summary), {}, "a second up changes nothing");
  return { h, pm, el };
}

const stacks: Partial<Record<RpmFlavour, Awaited<ReturnType<typeof testStack>>>> = {};
const stack = (f: RpmFlavour) => stacks[f]!;

test.serial(
  "CentOS 7 flavour (yum): the guide from a mirror, held against yum update; upgrade, refused downgrade, uninstall; then the distribution's own docker",
  async (t) => {
    const j = { current: { version: "24.0.7" } as Journey };
    stacks.centos7 = await testStack(
      "dockyard-rpm",
      "centos7",
      guide(hosts.centos7!, () => j.current),
    );
    try {
      const { h, pm, el } = await journey(t, "centos7");

      j.current = { version: "25.0.3" };
      const upgraded = await stack("centos7").stack.up();
      t.true((changesOf(upgraded.summary).update ?? 0) >= 1, JSON.stringify(upgraded.summary.resourceChanges));
      t.is(await rpmQ(h, "docker-ce"), `docker-ce-25.0.3-1.${el}.x86_64`);
      t.true((await lockList(h, pm)).includes(`docker-ce-3:25.0.3-1.${el}`), "the lock moved with the pin");
      t.false((await lockList(h, pm)).includes("24.0.7"), "and the old lock is gone");

      j.current = { version: "24.0.7" };
      const before = await fingerprint(h, pm);
      const refused = await t.throwsAsync(stack("centos7").stack.up());
      t.regex(
        refused!.message,
        new RegExp(
          `docker-ce 3:25\\.0\\.3-1\\.${el} is installed and the pin '24\\.0\\.7' resolves to the older 3:24\\.0\\.7-1\\.${el}: set allowDowngrade`,
        ),
      );
      t.regex(refused!.message, new RegExp(`root@${h.address.replace(/\./g, "\\.")}:22`));
      t.is(await fingerprint(h, pm), before, "a refused downgrade changed nothing");

      await stack("centos7").stack.destroy();
      t.is(await rpmQ(h, "docker-ce"), "package docker-ce is not installed", "uninstallOnDelete removed docker-ce");
      t.is(await rpmQ(h, "containerd.io"), "package containerd.io is not installed");
      t.is((await rig.exec(h, "ls /etc/yum.repos.d/")).trim(), "centos7-base.repo", "and its repository");
      t.is(await lockList(h, pm), "", "and its locks");
    } finally {
      await stacks.centos7?.cleanup();
    }

    // CentOS 7's own docker (1.13.1 in extras), from its distribution repository, unpinned.
    const h = hosts.centos7!;
    const distro = await testStack("dockyard-rpm", "centos7-distro", async () => {
      const engine = new DockerEngine("docker", { host: rigHost(rig, h), source: "distro", uninstallOnDelete: true });
      return { packageVersion: engine.packageVersion };
    });
    try {
      const up = await distro.stack.up();
      t.is(up.outputs.packageVersion.value, "2:1.13.1-210.git7d71120.el7.centos");
      t.is(await rpmQ(h, "docker"), "docker-1.13.1-210.git7d71120.el7.centos.x86_64");
      t.is((await rig.exec(h, "systemctl is-enabled docker; systemctl is-active docker")).trim(), "enabled\nactive");
      t.is(await lockList(h, "yum"), "", "no pin, no lock");
      await distro.stack.destroy();
      t.is(await rpmQ(h, "docker"), "package docker is not installed");
    } finally {
      await distro.cleanup();
    }
  },
);

test.serial(
  "Rocky 9 flavour (dnf): distro packages refused by name; the guide from a mirror, held against dnf upgrade; a missing pin changes nothing; drift repaired; uninstall",
  async (t) => {
    const h = hosts.rocky9!;
    // Rocky 9 has no docker package of its own: refused before the host is touched.
    const distro = await testStack("dockyard-rpm", "rocky9-distro", async () => {
      const engine = new DockerEngine("docker", { host: rigHost(rig, h), source: "distro" });
      return { version: engine.version };
    });
    try {
      const before = await fingerprint(h, "dnf");
      const err = await t.throwsAsync(distro.stack.up());
      t.regex(err!.message, /Rocky Linux 9\.3 \(Blue Onyx\) has no Docker engine package of its own; use source "docker-ce"/);
      t.is(await fingerprint(h, "dnf"), before);
    } finally {
      await distro.cleanup();
    }

    // A pin the mirror's key does not have: refused, naming both fingerprints; the host unchanged.
    const wrongPin = "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567";
    const j = { current: { version: "24.0.7", mirrorKeyFingerprint: wrongPin } as Journey };
    stacks.rocky9 = await testStack(
      "dockyard-rpm",
      "rocky9",
      guide(h, () => j.current),
    );
    try {
      const untouched = await fingerprint(h, "dnf");
      const keyFiles = () => rig.exec(h, "ls /etc/pki/rpm-gpg 2>&1; ls /var/lib/dockyard 2>&1 || true");
      const keysBefore = await keyFiles();
      const wrong = await t.throwsAsync(stack("rocky9").stack.up());
      t.regex(wrong!.message, /DOCKYARD_SIGNING_KEY_MISMATCH/);
      t.regex(wrong!.message, new RegExp(`root@${h.address.replace(/\./g, "\\.")}:22`), "names the host");
      t.true(
        wrong!.message.includes(
          `its fingerprint is ${formatFingerprint(server.keyFingerprint)}, but ${formatFingerprint(wrongPin)} is pinned`,
        ),
        wrong!.message,
      );
      t.is(await fingerprint(h, "dnf"), untouched, "packages, repositories, locks unchanged");
      t.is(await keyFiles(), keysBefore, "no key installed, the staged one removed");

      // A mirror that accepts and never answers: ended at the host's download bound, naming it.
      const hanging = await startHangingServer(rig, h);
      try {
        j.current = { version: "24.0.7", mirror: hanging.url, downloadTimeout: 8 };
        const started = Date.now();
        const hung = await t.throwsAsync(stack("rocky9").stack.up());
        const seconds = (Date.now() - started) / 1000;
        t.regex(
          hung!.message,
          new RegExp(
            `root@${h.address.replace(/\./g, "\\.")}:22: fetching the repository's signing key: the mirror sent nothing within 8 s \\(bound: downloadTimeout\\)`,
          ),
        );
        t.true(seconds < 8 + 45, `the up ended after ${seconds} s`);
        t.is(await fingerprint(h, "dnf"), untouched, "packages, repositories, locks unchanged");
        t.is(await keyFiles(), keysBefore, "nothing staged is left");
      } finally {
        hanging.close();
      }

      j.current = { version: "24.0.7" };
      const { pm, el } = await journey(t, "rocky9");

      j.current = { version: "23.0.6" };
      const before = await fingerprint(h, pm);
      const missing = await t.throwsAsync(stack("rocky9").stack.up());
      t.regex(
        missing!.message,
        /no docker-ce version matches '23\.0\.6' in http:\/\/[0-9.]+\/mirror \(available: 24\.0\.7, 25\.0\.3\)\. Nothing was installed/,
      );
      t.is(await fingerprint(h, pm), before, "a pin that does not exist left the host as it was");

      // Drift: the engine removed by hand (the lock does not stop a removal).
      j.current = { version: "24.0.7" };
      await rig.exec(h, "dnf -y -q remove docker-ce >/dev/null 2>&1");
      const refresh = await stack("rocky9").stack.refresh();
      t.true((changesOf(refresh.summary).update ?? 0) >= 1, "refresh shows the removed engine");
      const engineOut = (await stack("rocky9").stack.exportStack()).deployment.resources?.find(
        (r: { type: string }) => r.type === "dockyard:index:DockerEngine",
      )?.outputs;
      t.truthy(
        (engineOut?.drift as string[] | undefined)?.some((d) => /docker-ce is not installed|not running/.test(d)),
        JSON.stringify(engineOut?.drift),
      );
      await stack("rocky9").stack.up();
      t.is(await rpmQ(h, "docker-ce"), `docker-ce-24.0.7-1.${el}.x86_64`, "up reinstalled the pinned engine");
      t.true((await lockList(h, pm)).includes(`docker-ce-3:24.0.7-1.${el}`), "and held it again");
      t.is((await rig.exec(h, "docker version --format '{{.Server.Version}}' >/dev/null && echo up")).trim(), "up");

      // dockerd stopped (SIGSTOP): refresh ends within the Engine API bound (30 s) naming it. The
      // up that follows restarts docker (systemd signals it TERM, then CONT); where that takes
      // longer than engineStartTimeout (60 s) it ends there, naming the bound. The next up converges.
      await rig.exec(h, "kill -STOP $(pidof dockerd)");
      try {
        let started = Date.now();
        const stalled = await t.throwsAsync(stack("rocky9").stack.refresh());
        t.regex(stalled!.message, /the Docker engine did not answer within 30 s \(bound: engineApiTimeout\)/);
        t.true((Date.now() - started) / 1000 < 30 + 45, `the refresh ended after ${(Date.now() - started) / 1000} s`);
        started = Date.now();
        const repair = await stack("rocky9")
          .stack.up()
          .then(
            () => "repaired",
            (e: Error) => e.message,
          );
        const seconds = (Date.now() - started) / 1000;
        t.log(`up on the stalled engine: ${repair === "repaired" ? "repaired" : "ended at its bound"} after ${seconds} s`);
        if (repair !== "repaired") t.regex(repair, /starting docker: docker did not answer within 60 s \(bound: engineStartTimeout\)/);
        t.true(seconds < 30 + 60 + 60, `the up ended after ${seconds} s`);
      } finally {
        await rig.exec(h, "kill -CONT $(pidof dockerd) 2>/dev/null || true");
      }
      await stack("rocky9").stack.up();
      t.is((await rig.exec(h, "docker inspect -f '{{.State.Running}}' nginx-container")).trim(), "true", "up repaired the engine");
      t.deepEqual(changesOf((await stack("rocky9").stack.up()).summary), {}, "and a second up changes nothing");

      await stack("rocky9").stack.destroy();
      t.is(await rpmQ(h, "docker-ce"), "package docker-ce is not installed");
      t.is(await lockList(h, pm), "");
    } finally {
      await stacks.rocky9?.cleanup();
    }
  },
);

test.serial("Amazon Linux 2023 flavour (dnf): the distribution's own docker package, pinned and held", async (t) => {
  const h = hosts.amzn2023!;
  const { stack: s, cleanup } = await testStack("dockyard-rpm", "amzn2023", async () => {
    const engine = new DockerEngine("docker", { host: rigHost(rig, h), source: "distro", version: "25.0", uninstallOnDelete: true });
    return { packageVersion: engine.packageVersion, version: engine.version };
  });
  try {
    const up = await s.up();
    t.is(up.outputs.packageVersion.value, "25.0.3-1.amzn2023.0.2", "the newest 25.0.x of the distribution repository");
    t.is(await rpmQ(h, "docker"), "docker-25.0.3-1.amzn2023.0.2.x86_64");
    t.is(await rpmQ(h, "docker-ce"), "package docker-ce is not installed");
    t.false((await rig.exec(h, "ls /etc/yum.repos.d/")).includes("docker-ce.repo"), "no docker-ce repository for distro packages");
    t.is((await rig.exec(h, "systemctl is-enabled docker; systemctl is-active docker")).trim(), "enabled\nactive");
    t.true((await lockList(h, "dnf")).includes("docker-0:25.0.3-1.amzn2023.0.2"), await lockList(h, "dnf"));
    t.deepEqual(changesOf((await s.up()).summary), {}, "a second up changes nothing");
    await s.destroy();
    t.is(await rpmQ(h, "docker"), "package docker is not installed");
  } finally {
    await cleanup();
  }
});

test.serial("AlmaLinux 9 flavour: recognised by ID, passes preflight, reports its facts", async (t) => {
  const h = hosts.alma9!;
  const { stack: s, cleanup } = await testStack("dockyard-rpm", "alma9", async () => {
    const host = rigHost(rig, h);
    return { id: host.facts.osId, like: host.facts.osIdLike, pretty: host.facts.osPrettyName };
  });
  try {
    const up = await s.up();
    t.is(up.outputs.id.value, "almalinux");
    t.deepEqual(up.outputs.like.value, ["rhel", "centos", "fedora"]);
    t.is(up.outputs.pretty.value, "AlmaLinux 9.3 (Shamrock Pampas Cat)");
  } finally {
    await cleanup();
  }
});
