import { execFileSync } from "node:child_process";
import test from "ava";
import { type Distro, detectDistro } from "../../src/model/distro";
import { composePluginPathOnHost, renderOfflineInstall, renderOfflineUninstall } from "../../src/scripts/engine-offline";
import {
  renderDropSigningKey,
  renderFetchSigningKey,
  renderListVersions,
  renderOnlineInstall,
  renderOnlinePrepare,
  renderOnlineUninstall,
  renderPluginInstall,
  renderRepositoryCommit,
  renderRepositoryRestore,
} from "../../src/scripts/engine-online";
import { PACKAGE_MANAGERS } from "../../src/scripts/package-managers";
import { renderAdoptCheck, renderEngineProbe, renderServiceStart } from "../../src/scripts/engine-service";
import { DISTROS, SNAPSHOT_DISTROS } from "./fixtures/os-release";
import { shellcheck } from "./shellcheck";

const MIRROR = { mirror: "https://mirrors.example.cn/docker-ce", channel: "stable", keySha256: "5e".repeat(32) };

function distro(name: keyof typeof DISTROS): Distro {
  const d = detectDistro(DISTROS[name]);
  if (typeof d === "string") throw new Error(d);
  return d;
}

function scriptsFor(d: Distro): Record<string, string> {
  const pin = d.family === "debian" ? "5:24.0.7-1~debian.12~bookworm" : "3:24.0.7-1.el9";
  return {
    "fetch the signing key into staging": renderFetchSigningKey(d, MIRROR.mirror).script,
    "drop a refused signing key": renderDropSigningKey(),
    "prepare docker-ce from a mirror": renderOnlinePrepare(d, "docker-ce", MIRROR),
    "prepare docker-ce from a mirror with credentials": renderOnlinePrepare(d, "docker-ce", {
      ...MIRROR,
      mirror: "https://user:s3cret@mirrors.example.cn/docker-ce",
    }),
    "prepare distro packages": renderOnlinePrepare(d, "distro", MIRROR),
    "restore the repository after a refusal": renderRepositoryRestore(d, "docker-ce"),
    "drop the repository backup": renderRepositoryCommit(),
    "list docker-ce versions": renderListVersions(d, "docker-ce"),
    "install docker-ce pinned": renderOnlineInstall(d, { source: "docker-ce", version: pin, downgrade: false, hold: true }),
    "install docker-ce newest, not held": renderOnlineInstall(d, { source: "docker-ce", downgrade: false, hold: false }),
    "downgrade docker-ce": renderOnlineInstall(d, { source: "docker-ce", version: pin, downgrade: true, hold: true }),
    "install distro engine, newest": renderOnlineInstall(d, { source: "distro", downgrade: false, hold: false }),
    "install docker-ce pinned with its CLI plugins": renderOnlineInstall(d, {
      source: "docker-ce",
      version: pin,
      downgrade: false,
      hold: true,
      plugins: ["docker-compose-plugin", "docker-buildx-plugin"],
    }),
    "install the CLI plugins beside the engine": renderPluginInstall(d, ["docker-compose-plugin", "docker-buildx-plugin"]),
    "uninstall docker-ce": renderOnlineUninstall(d, "docker-ce"),
    "engine probe": renderEngineProbe(d),
  };
}

for (const name of SNAPSHOT_DISTROS) {
  test(`online scripts for ${name}: snapshot and shellcheck`, (t) => {
    const scripts = scriptsFor(distro(name));
    for (const [step, body] of Object.entries(scripts)) {
      t.is(shellcheck(body), "", `${name}: ${step} fails shellcheck`);
      t.snapshot(body, `${name}: ${step}`);
    }
  });
}

test("offline, service, probe and adopt scripts: snapshot and shellcheck", (t) => {
  const scripts = {
    "offline install": renderOfflineInstall({
      bundlePath: "/var/lib/dockyard/bundles/docker-0123456789abcdef.tgz",
      sha256: "0123456789abcdef".repeat(4),
      installDir: "/usr/bin",
    }),
    "offline uninstall": renderOfflineUninstall(),
    "service start": renderServiceStart({ restart: false }),
    "service restart": renderServiceStart({ restart: true }),
    "engine probe, distribution unknown": renderEngineProbe(),
    "adopt check": renderAdoptCheck(),
  };
  for (const [step, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${step} fails shellcheck`);
    t.snapshot(body, step);
  }
});

test("offline install with the compose plugin: snapshot and shellcheck; without it the script is unchanged", (t) => {
  const base = {
    bundlePath: "/var/lib/dockyard/bundles/docker-0123456789abcdef.tgz",
    sha256: "0123456789abcdef".repeat(4),
    installDir: "/usr/bin",
  };
  const sha = "fedcba9876543210".repeat(4);
  const body = renderOfflineInstall({ ...base, compose: { path: composePluginPathOnHost(sha), sha256: sha } });
  t.is(shellcheck(body), "");
  t.snapshot(body, "offline install with the compose plugin");
  // Checked on the host before anything is installed, installed root-owned 0755, listed in the record.
  t.true(body.indexOf(`echo '${sha}' "$compose"`) < body.indexOf("tar -xzf"));
  t.regex(body, /plugin='\/usr\/local\/lib\/docker\/cli-plugins\/docker-compose'/);
  t.regex(body, /install -m 0755 -o root -g root "\$compose" "\$plugin\.dockyard-new"/);
  t.regex(body, /"composeSha256":"%s"/);
  t.notRegex(body, /curl|wget|https?:\/\/(?!docs\.docker\.com|containerd\.io)/);
  t.false(renderOfflineInstall(base).includes("compose"));
});

test("a mirror serves the packages themselves: apt line and yum baseurl point at it, not at download.docker.com", (t) => {
  for (const name of SNAPSHOT_DISTROS) {
    const s = renderOnlinePrepare(distro(name), "docker-ce", MIRROR);
    t.false(s.includes("download.docker.com"), name);
    const d = distro(name);
    if (d.family === "debian") {
      t.regex(
        s,
        new RegExp(`signed-by=/etc/apt/keyrings/docker.asc\\] https://mirrors.example.cn/docker-ce/linux/${d.repoOs} ${d.codename} stable`),
      );
    } else {
      t.regex(
        s,
        new RegExp(`baseurl=https://mirrors.example.cn/docker-ce/linux/${d.repoOs}/${d.releasever ?? "\\$releasever"}/\\$basearch/stable`),
      );
      t.regex(s, /'gpgkey=file:\/\/\/etc\/pki\/rpm-gpg\/RPM-GPG-KEY-docker-ce'/, "the key is the checked file, never fetched by yum/dnf");
      t.notRegex(s, /gpgkey=https?:/);
      t.notRegex(s, /--add-repo/, "the origin's .repo file is never fetched");
    }
  }
});

test("offline scripts never reach the network", (t) => {
  const s = renderOfflineInstall({ bundlePath: "/b.tgz", sha256: "0".repeat(64), installDir: "/usr/bin" }) + renderOfflineUninstall();
  t.notRegex(s, /curl|wget|apt-get|yum|dnf|https?:\/\/(?!docs\.docker\.com|containerd\.io)/);
});

test("conflicting packages are removed before docker-ce is installed, per family", (t) => {
  const deb = renderOnlineInstall(distro("debian-12"), { source: "docker-ce", version: "5:24.0.7-1", downgrade: false, hold: true });
  t.true(deb.indexOf("docker.io") < deb.indexOf("install -y"));
  t.regex(deb, /for p in docker\.io docker-doc docker-compose docker-compose-v2 podman-docker containerd runc; do/);
  const el7 = renderOnlineInstall(distro("centos-7"), { source: "docker-ce", version: "3:24.0.7-1.el7", downgrade: false, hold: true });
  t.regex(
    el7,
    /docker docker-client docker-client-latest docker-common docker-latest docker-latest-logrotate docker-logrotate docker-engine;/,
  );
  t.regex(el7, /yum install -y 'docker-ce-24\.0\.7-1\.el7' 'docker-ce-cli-24\.0\.7-1\.el7' containerd\.io/);
  const el9 = renderOnlineInstall(distro("rocky-9"), { source: "docker-ce", version: "3:24.0.7-1.el9", downgrade: true, hold: true });
  t.regex(el9, /podman-docker runc;/);
  t.regex(
    el9,
    /dnf downgrade -y 'docker-ce-24\.0\.7-1\.el9' 'docker-ce-cli-24\.0\.7-1\.el9' --setopt=timeout=\S+\n/,
    "a downgrade names only the pinned packages",
  );
});

test("a pinned engine is held against routine upgrades on every family, and released before it moves", (t) => {
  const cases = [
    { name: "debian-12", hold: /apt-mark hold docker-ce docker-ce-cli/, unhold: /apt-mark unhold docker-ce docker-ce-cli/ },
    {
      name: "centos-7",
      hold: /if ! rpm -q yum-plugin-versionlock >\/dev\/null 2>&1; then yum install -y -q yum-plugin-versionlock --setopt=timeout=\S+; fi\nyum -q versionlock add docker-ce docker-ce-cli/,
      unhold: /yum -q versionlock delete docker-ce docker-ce-cli/,
    },
    {
      name: "rocky-9",
      hold: /if ! rpm -q python3-dnf-plugin-versionlock >\/dev\/null 2>&1; then dnf install -y -q python3-dnf-plugin-versionlock --setopt=timeout=\S+; fi\ndnf -q versionlock add docker-ce docker-ce-cli/,
      unhold: /dnf -q versionlock delete docker-ce docker-ce-cli/,
    },
    {
      name: "amazon-2023",
      hold: /dnf -q versionlock add docker-ce docker-ce-cli/,
      unhold: /dnf -q versionlock delete docker-ce docker-ce-cli/,
    },
  ] as const;
  for (const c of cases) {
    const d = distro(c.name);
    const pinned = renderOnlineInstall(d, { source: "docker-ce", version: "3:24.0.7-1.el9", downgrade: false, hold: true });
    t.regex(pinned, c.hold, c.name);
    t.true(pinned.search(c.unhold) < pinned.search(/install -y/), `${c.name}: the hold is released before the install`);
    t.true(pinned.search(c.hold) > pinned.search(/install -y(?! -q)/), `${c.name}: and set after it`);
    const unpinned = renderOnlineInstall(d, { source: "docker-ce", downgrade: false, hold: false });
    t.notRegex(unpinned, c.hold, `${c.name}: no pin, no hold`);
    t.regex(unpinned, c.unhold, `${c.name}: an earlier hold is released`);
    t.regex(renderOnlineUninstall(d, "docker-ce"), c.unhold, `${c.name}: uninstall releases the hold`);
  }
});

test("yum/dnf: versions are listed past a versionlock, the engine is probed with rpm, no unused plugin is installed", (t) => {
  for (const name of ["centos-7", "rocky-9", "amazon-2023"] as const) {
    const d = distro(name);
    t.regex(
      renderListVersions(d, "docker-ce"),
      new RegExp(`${d.packageManager} list --showduplicates --quiet --disableplugin=versionlock docker-ce`),
    );
    t.regex(renderListVersions(d, "docker-ce"), /awk '\$1 ~ \/\^docker-ce\\.\/ \{print \$2\}'/, "only the package's own lines");
    const probe = renderEngineProbe(d);
    t.regex(probe, /rpm -q --qf/);
    t.notRegex(probe, /dpkg-query/, `${name}: a host with dpkg too is still read with rpm`);
    t.notRegex(
      renderOnlinePrepare(d, "docker-ce", MIRROR),
      /yum-utils|dnf-plugins-core/,
      `${name}: the prepare installs no plugin it does not use`,
    );
  }
  t.regex(renderEngineProbe(distro("debian-12")), /dpkg-query/);
  t.notRegex(renderEngineProbe(distro("debian-12")), /rpm -q/);
});

test("every detected distribution has a package manager record", (t) => {
  for (const [name, facts] of Object.entries(DISTROS)) {
    const d = detectDistro(facts);
    if (typeof d === "string") continue;
    const pm = PACKAGE_MANAGERS[d.packageManager];
    t.truthy(pm, `${name}: ${d.packageManager}`);
    t.true(pm.repositoryFiles.length > 0);
  }
  t.deepEqual(Object.keys(PACKAGE_MANAGERS).sort(), ["apt-get", "dnf", "yum"]);
});

test("engine programs deleted by hand: the probe asks the package database, and the same version is installed again", (t) => {
  const deb = distro("debian-12");
  const probe = renderEngineProbe(deb);
  t.regex(probe, /dpkg-query -L docker-ce docker-ce-cli containerd\.io .*\[ -e "\$f" \] \|\| echo "\$f"/);
  t.regex(renderEngineProbe(distro("rocky-9")), /rpm -ql docker-ce docker-ce-cli containerd\.io .*\[ -e "\$f" \] \|\| echo "\$f"/);
  t.regex(
    renderOnlineInstall(deb, { source: "docker-ce", version: "5:24.0.7-1", downgrade: false, reinstall: true, hold: true }),
    /apt-get .* install -y -qq --allow-change-held-packages --reinstall docker-ce='5:24\.0\.7-1'/,
  );
  t.regex(
    renderOnlineInstall(distro("rocky-9"), {
      source: "docker-ce",
      version: "3:24.0.7-1.el9",
      downgrade: false,
      reinstall: true,
      hold: true,
    }),
    /dnf reinstall -y 'docker-ce-24\.0\.7-1\.el9'/,
  );
  // Only programs count: a minimal image's documentation, left out on purpose, is no drift; a
  // program that is there is no drift either. The probe's pipeline runs on a made-up file list.
  const line = probe.split("\n").find((l) => l.startsWith("dpkg-query -L "))!;
  const listed = [
    "/usr",
    "/usr/bin",
    "/bin/sh",
    "/usr/bin/dockyard-test-not-here",
    "/usr/share/doc/docker-ce/changelog.gz",
    "/etc/default/docker",
  ];
  const pipeline = line.replace(/^dpkg-query -L [^|]*2>\/dev\/null/, `printf '%s\\n' ${listed.join(" ")}`);
  t.not(pipeline, line);
  t.is(execFileSync("sh", ["-c", pipeline], { encoding: "utf8" }), "/usr/bin/dockyard-test-not-here\n");
});

test("online installs take the host's own architecture in the repository line, never a fixed one", (t) => {
  for (const name of SNAPSHOT_DISTROS) {
    const d = distro(name);
    const s = renderOnlinePrepare(d, "docker-ce", MIRROR);
    t.notRegex(s, /amd64|arm64|armhf|x86_64|aarch64/, `${name}: no architecture written in`);
    if (d.family === "debian") {
      t.regex(s, /deb \[arch=ARCH signed-by=/, `${name}: the apt line's arch is a placeholder...`);
      t.regex(s, /sed "s\/ARCH\/\$\(dpkg --print-architecture\)\/"/, `${name}: ...filled in on the host by dpkg`);
    } else {
      t.regex(s, /baseurl=\S+\/\$basearch\//, `${name}: yum/dnf's own $basearch`);
    }
  }
});
