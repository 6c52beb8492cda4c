import test from "ava";
import { type Distro, detectDistro } from "../../src/host/distro";
import { renderOfflineInstall, renderOfflineUninstall } from "../../src/scripts/engine-offline";
import {
  renderListVersions,
  renderOnlineInstall,
  renderOnlinePrepare,
  renderOnlineUninstall,
  renderRepositoryCommit,
  renderRepositoryRestore,
} from "../../src/scripts/engine-online";
import { renderAdoptCheck, renderEngineProbe, renderServiceStart } from "../../src/scripts/engine-service";
import { DISTROS } from "./fixtures/os-release";
import { shellcheck } from "./shellcheck";

const MIRROR = { mirror: "https://mirrors.example.cn/docker-ce", channel: "stable" };
const SNAPSHOT_DISTROS = ["centos-7", "rocky-9", "amazon-2023", "ubuntu-22.04", "debian-12"] as const;

function distro(name: keyof typeof DISTROS): Distro {
  const d = detectDistro(DISTROS[name]);
  if (typeof d === "string") throw new Error(d);
  return d;
}

function scriptsFor(d: Distro): Record<string, string> {
  const pin = d.family === "debian" ? "5:24.0.7-1~debian.12~bookworm" : "3:24.0.7-1.el9";
  return {
    "prepare docker-ce from a mirror": renderOnlinePrepare(d, "docker-ce", MIRROR),
    "prepare distro packages": renderOnlinePrepare(d, "distro", MIRROR),
    "restore the repository after a refusal": renderRepositoryRestore(d, "docker-ce"),
    "drop the repository backup": renderRepositoryCommit(),
    "list docker-ce versions": renderListVersions(d, "docker-ce"),
    "install docker-ce pinned": renderOnlineInstall(d, { source: "docker-ce", version: pin, downgrade: false, hold: true }),
    "downgrade docker-ce": renderOnlineInstall(d, { source: "docker-ce", version: pin, downgrade: true, hold: true }),
    "install distro engine, newest": renderOnlineInstall(d, { source: "distro", downgrade: false, hold: false }),
    "uninstall docker-ce": renderOnlineUninstall(d, "docker-ce"),
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
    "engine probe": renderEngineProbe(),
    "adopt check": renderAdoptCheck(),
  };
  for (const [step, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${step} fails shellcheck`);
    t.snapshot(body, step);
  }
});

test("a mirror serves the packages themselves: apt line and yum baseurl point at it, not at download.docker.com", (t) => {
  for (const name of SNAPSHOT_DISTROS) {
    const s = renderOnlinePrepare(distro(name), "docker-ce", MIRROR);
    t.false(s.includes("download.docker.com"), name);
    const d = distro(name);
    if (d.family === "debian") {
      t.regex(s, new RegExp(`signed-by=/etc/apt/keyrings/docker.asc\\] https://mirrors.example.cn/docker-ce/linux/${d.repoOs} ${d.codename} stable`));
    } else {
      t.regex(s, new RegExp(`baseurl=https://mirrors.example.cn/docker-ce/linux/${d.repoOs}/${d.releasever ?? "\\$releasever"}/\\$basearch/stable`));
      t.regex(s, /gpgkey=https:\/\/mirrors.example.cn\/docker-ce\/linux\/centos\/gpg/);
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
  t.regex(el7, /docker docker-client docker-client-latest docker-common docker-latest docker-latest-logrotate docker-logrotate docker-engine;/);
  t.regex(el7, /yum install -y 'docker-ce-24\.0\.7-1\.el7' 'docker-ce-cli-24\.0\.7-1\.el7' containerd\.io/);
  const el9 = renderOnlineInstall(distro("rocky-9"), { source: "docker-ce", version: "3:24.0.7-1.el9", downgrade: true, hold: true });
  t.regex(el9, /podman-docker runc;/);
  t.regex(el9, /dnf downgrade -y/);
});
