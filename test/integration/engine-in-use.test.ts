import test from "ava";
import { DockerEngine } from "pulumi-dockyard";
import { ensureDockerPackages, startPackageServer } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { rigHost } from "./support/programs";

// One Debian host running the distribution's docker.io with a container on it: an online
// docker-ce install is refused and changes nothing; named in replacePackages, the packages are
// replaced, and the pinned engine is held with its containerd.io.
let rig: Rig;
let mirror: string;
let keyFingerprint: string;

test.before(async () => {
  await pulumiEngine();
  [rig] = await Promise.all([Rig.start({ hosts: 1 }), ensureDockerPackages()]);
  ({ baseUrl: mirror, keyFingerprint } = await startPackageServer(rig.runId, rig.labels()));
});

test.after.always(async () => {
  await rig?.stop();
});

const dpkgVersion = async (h: RigHost, pkg: string) =>
  (await rig.exec(h, `dpkg-query -W -f='\${Status} \${Version}' ${pkg} 2>/dev/null | sed -n 's/^[a-z]* ok installed //p' || true`)).trim();

test("docker.io running a container: a docker-ce install is refused and changes nothing; named in replacePackages, it is replaced", async (t) => {
  const h = rig.hosts[0];
  const distro = await testStack("dockyard-engine-in-use", "distro", async () => {
    const engine = new DockerEngine("docker", { host: rigHost(rig, h), source: "distro" });
    return { packageVersion: engine.packageVersion };
  });
  let replacePackages: string[] | undefined;
  const online = await testStack("dockyard-engine-in-use", "online", async () => {
    // The rig's mirror: plain http, signed by its own throwaway key.
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      mirror,
      mirrorKeyFingerprint: keyFingerprint,
      allowInsecureHttp: true,
      version: "24.0.7",
      replacePackages,
    });
    return { packageVersion: engine.packageVersion };
  });
  try {
    await distro.stack.up();
    const debianVersion = await dpkgVersion(h, "docker.io");
    t.regex(debianVersion, /^20\.10\./, "Debian's docker.io from the distribution's repository");
    // A container from an image made here (the host's own sleep and the libraries it needs).
    await rig.exec(
      h,
      "tar -C / -chf - usr/bin/sleep lib64/ld-linux-x86-64.so.2 usr/lib/x86_64-linux-gnu/libc.so.6 | docker import - dockyard-sleeper:1 >/dev/null && " +
        "docker run -d --name keep dockyard-sleeper:1 /usr/bin/sleep infinity >/dev/null",
    );
    const running = async () => (await rig.exec(h, "docker ps -q --filter name=keep --filter status=running")).trim();
    const id = await running();
    t.not(id, "", "the container runs");

    const refused = await t.throwsAsync(online.stack.up());
    t.regex(refused!.message, /DOCKYARD_ENGINE_IN_USE/);
    t.regex(
      refused!.message,
      new RegExp(`root@${h.address}:22: the installed docker\\.io, .* would be removed, but the engine running here has 1 container`),
    );
    t.regex(
      refused!.message,
      /use method "adopt" to keep this engine, or replacePackages: \[.*"docker\.io".*\] to replace it\. Nothing was changed/,
    );
    t.is(await running(), id, "the container still runs");
    t.is(await dpkgVersion(h, "docker.io"), debianVersion, "docker.io is still installed");
    t.is(await dpkgVersion(h, "docker-ce"), "", "docker-ce is not");
    t.is((await rig.exec(h, "ls /etc/apt/sources.list.d/")).trim(), "", "and the docker-ce repository was put back as it was (none)");

    // The packages the refusal named, named back.
    replacePackages = JSON.parse(/replacePackages: (\[[^\]]*\])/.exec(refused!.message)![1]) as string[];
    t.true(replacePackages.includes("docker.io"));
    await online.stack.up();
    t.is(await dpkgVersion(h, "docker-ce"), "5:24.0.7-1~debian.12~bookworm", "replaced by docker-ce");
    t.is(await dpkgVersion(h, "docker.io"), "", "docker.io removed");
    t.regex(await rig.exec(h, "apt-mark showhold"), /^containerd\.io$/m, "containerd.io held with the pinned engine");
    t.regex(await rig.exec(h, "apt-mark showhold"), /^docker-ce$/m);
    t.regex(await rig.exec(h, "docker ps -aq --filter name=keep"), /[0-9a-f]+/, "the container itself is kept (the engine's data stays)");
  } finally {
    for (const s of [online, distro]) await s.cleanup();
  }
});
