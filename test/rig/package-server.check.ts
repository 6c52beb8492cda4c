// Manual check of the docker-ce stand-ins (not an ava test):
//   npx tsx test/rig/package-server.check.ts
// Host h1 installs docker-ce from the served repository the way Docker's guide says, pins
// 24.0.7, upgrades to 25.0.3 and downgrades back; host h2 unpacks the offline bundle.
import { readFileSync } from "node:fs";
import { docker } from "./docker-cli";
import { DOCKER_CE_VERSIONS, ensureDockerPackages, startPackageServer } from "./package-server";
import { Rig, RIG_LABEL, type RigHost } from "./rig";

const [v24, v25] = DOCKER_CE_VERSIONS;
const t0 = Date.now();
let last = t0;
function step(what: string, detail = ""): void {
  const now = Date.now();
  console.log(
    `[${((now - t0) / 1000).toFixed(1).padStart(6)} s | +${((now - last) / 1000).toFixed(1).padStart(5)} s] ${what}${detail ? `\n    ${detail.trim().replace(/\n/g, "\n    ")}` : ""}`,
  );
  last = now;
}
function expect(cond: boolean, what: string, out: string): void {
  if (!cond) throw new Error(`check failed: ${what}\n${out}`);
}
// Names of the .debs apt fetched in this step, from what it printed.
function fetched(out: string): string {
  const names = [...out.matchAll(/^Get:\d+ (\S+) \S+ (?:\S+ )?(\S+) (\S+) (\S+) \[/gm)].map((m) => `${m[2]}=${m[4]} (${m[1]})`);
  return names.length ? `fetched: ${names.join(", ")}` : "fetched: nothing";
}

async function main(): Promise<void> {
  const pkgs = await ensureDockerPackages();
  step("ensureDockerPackages", `${pkgs.dir}\nbundle ${pkgs.bundle} (${pkgs.bundleVersion}, sha256 ${pkgs.bundleSha256})`);
  const rig = await Rig.start({ hosts: 2, log: (s) => console.log(s) });
  try {
    step(`Rig.start (2 hosts, run ${rig.runId})`);
    const [h1, h2] = rig.hosts;
    const labels = ["--label", `${RIG_LABEL}=1`, "--label", `${RIG_LABEL}.run=${rig.runId}`];
    const { container, baseUrl } = await startPackageServer(rig.runId, labels);
    step("startPackageServer", `${container} at ${baseUrl}`);

    await online(rig, h1, baseUrl);
    await offline(rig, h2, pkgs.bundle, pkgs.bundleSha256);
  } finally {
    await rig.stop();
    const left = (await docker(["ps", "-aq", "--filter", `label=${RIG_LABEL}.run=${rig.runId}`])).trim();
    step("rig.stop", left ? `LEFT OVER: ${left}` : "nothing left of the run");
  }
  console.log(`OK in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function online(rig: Rig, h: RigHost, baseUrl: string): Promise<void> {
  const sh = (cmd: string) => rig.exec(h, `export DEBIAN_FRONTEND=noninteractive; set -e; ${cmd} 2>&1`);
  await sh(
    `install -m 0755 -d /etc/apt/keyrings && curl -fsSL ${baseUrl}/linux/debian/gpg -o /etc/apt/keyrings/docker.asc && ` +
      `chmod a+r /etc/apt/keyrings/docker.asc && echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] ` +
      `${baseUrl}/linux/debian $(. /etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/docker.list`,
  );
  let out = await sh("apt-get update");
  expect(/InRelease/.test(out) && !/^(W|E):/m.test(out), "apt-get update without warnings", out);
  step(
    "h1: key + source + apt-get update",
    out
      .split("\n")
      .filter((l) => l.includes(baseUrl))
      .join("\n"),
  );

  out = await sh("apt-cache madison docker-ce docker-ce-cli containerd.io");
  expect(out.includes(v24) && out.includes(v25), "madison lists both versions", out);
  step("h1: apt-cache madison", out);

  out = await sh(`apt-get install -y docker-ce=${v24} docker-ce-cli=${v24} containerd.io`);
  step("h1: apt-get install docker-ce 24.0.7", fetched(out));
  out = await sh(
    "systemctl is-enabled docker.service docker.socket containerd.service || true; systemctl is-active docker || true; getent group docker",
  );
  step("h1: after install (units are not enabled or started by the packages)", out);

  out = await sh(
    "systemctl start docker && docker version --format 'client {{.Client.Version}} server {{.Server.Version}}' && docker info --format 'driver {{.Driver}} cgroup {{.CgroupDriver}} v{{.CgroupVersion}}'",
  );
  expect(/server \S+/.test(out), "docker answers", out);
  step("h1: systemctl start docker; docker version", out);

  const installed = async () => (await sh("dpkg-query -W -f='${Package} ${Version}\\n' docker-ce docker-ce-cli containerd.io")).trim();
  out = await sh(`apt-get install -y docker-ce=${v25} docker-ce-cli=${v25}`);
  const up = await installed();
  expect(up.includes(`docker-ce ${v25}`) && up.includes(`docker-ce-cli ${v25}`), "upgraded to 25.0.3", up + "\n" + out);
  step("h1: upgrade to 25.0.3", `${up}\n${fetched(out)}`);

  out = await sh(`apt-get install -y --allow-downgrades docker-ce=${v24} docker-ce-cli=${v24}`);
  const down = await installed();
  expect(down.includes(`docker-ce ${v24}`) && down.includes(`docker-ce-cli ${v24}`), "downgraded to 24.0.7", down + "\n" + out);
  step("h1: downgrade to 24.0.7 (--allow-downgrades)", `${down}\n${fetched(out)}`);

  out = await sh(
    "systemctl restart docker && docker version --format 'server {{.Server.Version}}' && systemctl is-active docker containerd",
  );
  step("h1: restart after downgrade", out);
}

async function offline(rig: Rig, h: RigHost, bundle: string, sha256: string): Promise<void> {
  const sh = (cmd: string) => rig.exec(h, `export DEBIAN_FRONTEND=noninteractive; set -e; ${cmd} 2>&1`);
  // /root, not /tmp: /tmp is a tmpfs mount there, which `docker cp` does not see.
  await docker(["cp", bundle, `${h.container}:/root/docker.tgz`]);
  const sum = (await sh("sha256sum /root/docker.tgz")).split(" ")[0];
  expect(sum === sha256 && readFileSync(`${bundle}.sha256`, "utf8").trim() === sha256, "bundle checksum", sum);
  step("h2: docker cp bundle, sha256 matches");

  await sh("tar -xzf /root/docker.tgz -C /root && install -m 0755 /root/docker/* /usr/bin/ && rm -rf /root/docker /root/docker.tgz");
  let out = await sh("ldd /usr/bin/dockerd | grep 'not found' || true");
  step("h2: unpacked into /usr/bin; dockerd libraries missing on a fresh host", out || "(none)");
  if (out.trim()) {
    out = await sh("apt-get update -qq && apt-get install -y libdevmapper1.02.1");
    step("h2: apt-get install libdevmapper1.02.1", fetched(out));
  }
  out = await sh(
    "dockerd --version; docker --version; containerd --version; runc --version | head -n1; ctr --version; docker-init --version; docker-proxy --help 2>&1 | head -n1 || true",
  );
  expect(/^Docker version/m.test(out), "dockerd --version", out);
  step("h2: versions", out);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
