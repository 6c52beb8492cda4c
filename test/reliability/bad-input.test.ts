import { keyPair } from "../rig/keys";
import test, { type ExecutionContext } from "ava";
import * as pulumi from "@pulumi/pulumi";
import {
  Container,
  type ContainerArgs,
  DaemonConfig,
  type DaemonConfigArgs,
  DockerEngine,
  Host,
  Image,
  type ImageArgs,
  Registry,
  type RegistryArgs,
  isDockyardError,
} from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages, startPackageServer } from "../rig/package-server";
import { Rig, type RigHost, smallImageTags } from "../rig/rig";
import { pulumiEngine, testStack } from "../integration/support/engine";
import { assertUnchanged, fingerprint, fingerprintDiff, HostLock, re } from "./support/hosts";
import { StackPool } from "./support/stacks";
import { hostArgs, journey, type Mutation } from "./support/programs";

// Bad input to the components, each refused with an error that names the resource and argument
// (or the host, user@address:port), and no host changed: a fingerprint of /etc/docker, the apt
// repository files, /usr/bin/docker*, systemd units, packages and containers is the same before
// and after.
//
// h1: a bare host. Every argument case runs the whole journey (engine, daemon.json, image,
//     container) on it with one bad argument, so a check that came too late would install
//     something; the last test runs the journey as it is and sees the fingerprint change.
// h2: a converged host (engine, daemon.json, a private registry with a password, nginx on 8080,
//     a container Dockyard did not create): cases only its machine can refuse.
// h3: a host whose os-release says Gentoo.
// h4: a bare host for the known failure (a bad argument does not stop the components before it).
let rig: Rig;
let pkgs: DockerPackages;
let packageMirror: string;
let packageKey: string;
let h1: RigHost;
let h2: RigHost;
let h3: RigHost;
let h4: RigHost;
const PASSWORD = "Rel-registry-pa55-2f8c";
let pool: StackPool;
const locks = new Map<string, HostLock>();
const lockOf = (h: RigHost) => locks.get(h.name) ?? locks.set(h.name, new HostLock()).get(h.name)!;
const hubMirror = () => `http://${rig.registry!.address}`;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 4, registry: true }), ensureDockerPackages()]);
  [h1, h2, h3, h4] = rig.hosts;
  ({ baseUrl: packageMirror, keyFingerprint: packageKey } = await startPackageServer(rig.runId, rig.labels()));
  await rig.pushNginx("latest");
  await rig.pushNginxVariant("1.26", "variant 1.26");
  await rig.pushImage(smallImageTags().registry, "library/registry:2");
  await rig.exec(h3, `rm -f /etc/os-release && printf 'ID=gentoo\\nPRETTY_NAME="Gentoo Linux"\\nVERSION_ID=2.15\\n' > /etc/os-release`);
  // h2 converged: the journey, plus a registry with a user, plus a container of someone else's.
  const base = await testStack("dockyard-rel-input", "h2-base", async () => {
    journey(rig, h2, pkgs, hubMirror(), {
      daemon: { insecureRegistries: [`${h2.address}:5000`] },
      registry: { users: [{ username: "deploy", password: pulumi.secret(PASSWORD) }] },
    });
    return {};
  });
  await base.stack.up();
  await base.cleanup(); // the state goes; what it made on h2 stays
  await rig.exec(h2, "docker run -d --name intruder --restart=always nginx:latest >/dev/null");
  pool = await StackPool.create("dockyard-rel-input", 3);
});

test.after.always(async () => {
  await pool?.cleanup();
  await rig?.stop();
});

interface Refusal {
  /** Hosts whose fingerprints must not change. */
  hosts: () => RigHost[];
  program: () => void;
  error: () => RegExp;
  /** The case may change a host for a moment (rolls back): it runs with its host to itself. */
  exclusive?: boolean;
  /** Text that must not appear in the error (a secret passed in). */
  notInError?: string;
  /** A known product failure: the test is expected to fail (test.failing), for this reason. */
  knownFailure?: string;
}

/** Every h1 case, so the last test (which changes h1) runs after them. */
const h1Cases: Promise<unknown>[] = [];

function refused(title: string, r: Refusal): void {
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  h1Cases.push(finished);
  (r.knownFailure ? test.failing : test)(r.knownFailure ? `known failure: ${title} (${r.knownFailure})` : title, async (t) => {
    try {
      await refuse(t, r);
    } finally {
      done();
    }
  });
}

async function refuse(t: ExecutionContext, r: Refusal): Promise<void> {
  const hosts = r.hosts();
  const lock = lockOf(hosts[0]);
  await (r.exclusive ? lock.exclusive.bind(lock) : lock.shared.bind(lock))(async () => {
    const before = await Promise.all(hosts.map((h) => fingerprint(rig, h)));
    await pool.run(r.program, async (stack) => {
      const err = await t.throwsAsync(stack.up());
      t.regex(err?.message ?? "", r.error());
      t.true(isDockyardError(err), "the refusal carries a Dockyard error code");
      if (r.notInError) t.false(err?.message.includes(r.notInError), "the error repeats the secret");
    });
    for (const [i, h] of hosts.entries()) await assertUnchanged(t, rig, h, before[i]);
  });
}

/** A journey on bare h1 with one bad argument: refused before anything reaches the host. */
function badArgument(title: string, m: Mutation, error: RegExp | (() => RegExp)): void {
  refused(title, {
    hosts: () => [h1],
    program: () => journey(rig, h1, pkgs, hubMirror(), m),
    error: typeof error === "function" ? error : () => error,
  });
}

const online = (extra: Record<string, unknown>): Mutation => ({
  engine: { method: "online", bundle: undefined, bundleSha256: undefined, ...extra },
});

// --- Host, DockerEngine: the journey on bare h1, refused before anything reaches the host ---
badArgument("Host.port out of range", { host: { port: 70000 } }, /Host h1: port must be an integer 1-65535 \(got 70000\)/);
badArgument("Host.port of the wrong type", { host: { port: "22" } }, /Host h1: port must be an integer 1-65535 \(got "22"\)/);
badArgument("Host.address empty", { host: { address: "" } }, /Host h1: address must be a host name or IP address/);
badArgument("Host.user not a login name", { host: { user: "root; rm -rf /" } }, /Host h1: user must be a login name/);
badArgument(
  "Host.hostKey not a public key",
  { host: { hostKey: "ssh-ed25519 not-a-key" } },
  /Host h1: hostKey must be an OpenSSH public key line/,
);
badArgument("Host.hostKey missing", { host: { hostKey: undefined } }, /Host h1: hostKey is required: pin the machine's host key/);
badArgument(
  "Host.privateKey not a key",
  { host: { privateKey: pulumi.secret("hunter2") } },
  /Host h1: privateKey must be the text of a private key/,
);
badArgument(
  "Host.preflight.minKernel not a version",
  { host: { preflight: { minKernel: "three" } } },
  /Host h1: preflight\.minKernel must be a dotted version/,
);

// --- DockerEngine ---
badArgument(
  "DockerEngine.method unknown",
  { engine: { method: "sideways" } },
  /DockerEngine h1-docker: method must be online, offline or adopt \(got "sideways"\)/,
);
badArgument("DockerEngine.source unknown", online({ source: "snap" }), /DockerEngine h1-docker: source must be docker-ce or distro/);
badArgument("DockerEngine.channel unknown", online({ channel: "nightly" }), /DockerEngine h1-docker: channel must be stable or test/);
badArgument(
  "DockerEngine.mirror with an ftp URL",
  online({ mirror: "ftp://mirror.example/docker-ce" }),
  /DockerEngine h1-docker: mirror must be an http\(s\) URL of letters/,
);
badArgument(
  "DockerEngine.mirror without a scheme",
  online({ mirror: "mirrors.aliyun.com/docker-ce" }),
  /DockerEngine h1-docker: mirror must be an http\(s\) URL/,
);
badArgument(
  "DockerEngine.version not a release",
  online({ version: "24.x" }),
  /DockerEngine h1-docker: version must be a release like "24\.0\.7" or a series like "24\.0" \(got "24\.x"\)/,
);
badArgument(
  "DockerEngine.bundle missing for offline",
  { engine: { bundle: undefined } },
  /DockerEngine h1-docker: bundle is required for method offline/,
);
badArgument(
  "DockerEngine.bundleSha256 not a sha256",
  { engine: { bundleSha256: "abc123" } },
  /DockerEngine h1-docker: bundleSha256 must be 64 hex digits/,
);
badArgument(
  "DockerEngine.bundleSha256 of another file",
  { engine: { bundleSha256: "0".repeat(64) } },
  () => new RegExp(`bundle ${re(pkgs.bundle)} has sha256 ${pkgs.bundleSha256}, not the bundleSha256 given \\(0{64}\\)`),
);
badArgument(
  "DockerEngine.installDir relative",
  { engine: { installDir: "usr/bin" } },
  /DockerEngine h1-docker: installDir must be an absolute path/,
);

// --- DaemonConfig, Image, Container, Registry: on converged h2, after a Host and an adopted engine ---
// (Declared after an engine that installs, they would not stop it: see the known failure below.)
/** The h2 program: the machine's Host and its engine adopted (both only read), then `component`. */
function h2Program(component: (engine: DockerEngine) => void): () => void {
  return () => component(new DockerEngine("h2-docker", { host: new Host("h2", hostArgs(rig, h2)), method: "adopt" }));
}

function badComponentArgument(title: string, component: (engine: DockerEngine) => void, error: RegExp): void {
  refused(title, { hosts: () => [h2], program: h2Program(component), error: () => error });
}

// Each of these, accepted, would change h2: live-restore in daemon.json, a pull, a container.
const daemon = (bad: Record<string, unknown>) => (engine: DockerEngine) =>
  new DaemonConfig("h2-daemon", { engine, registryMirrors: [hubMirror()], liveRestore: true, ...bad } as DaemonConfigArgs);
const image = (bad: Record<string, unknown>) => (engine: DockerEngine) =>
  new Image("h2-nginx", { engine, ref: "nginx:1.26", ...bad } as ImageArgs);
const container = (bad: Record<string, unknown>) => (engine: DockerEngine) =>
  new Container("h2-web2", {
    engine,
    name: "web2",
    image: "nginx:latest",
    ports: ["8082:80"],
    restartPolicy: "always",
    ...bad,
  } as ContainerArgs);
const registry = (bad: Record<string, unknown>) => (engine: DockerEngine) =>
  new Registry("h2-registry2", { engine, name: "registry2", port: 5002, ...bad } as RegistryArgs);

badComponentArgument(
  "DaemonConfig.registryMirrors with an ftp URL",
  daemon({ registryMirrors: ["ftp://mirror.example"] }),
  /DaemonConfig h2-daemon: registryMirrors\[0\] must be an http\(s\) URL/,
);
badComponentArgument(
  "DaemonConfig.insecureRegistries with a scheme",
  daemon({ insecureRegistries: ["http://10.0.0.5:5000"] }),
  /DaemonConfig h2-daemon: insecureRegistries\[0\] must be host\[:port\] or a CIDR, without a scheme/,
);
badComponentArgument(
  "DaemonConfig.settings with an unknown key",
  daemon({ settings: { "registry-mirror": ["https://mirror.example"] } }),
  /DaemonConfig h2-daemon: settings\.registry-mirror not a dockerd setting \(did you mean 'registry-mirrors'\?\)/,
);
badComponentArgument(
  "DaemonConfig.settings of the wrong type",
  daemon({ settings: { debug: "yes" } }),
  /DaemonConfig h2-daemon: settings\.debug must be true or false \(got "yes"\)/,
);
badComponentArgument(
  "DaemonConfig.maxConcurrentDownloads out of range",
  daemon({ maxConcurrentDownloads: 0 }),
  /DaemonConfig h2-daemon: maxConcurrentDownloads must be at least 1/,
);
badComponentArgument(
  "DaemonConfig.policy unknown",
  daemon({ policy: "overwrite" }),
  /DaemonConfig h2-daemon: policy must be merge or replace \(got "overwrite"\)/,
);
badComponentArgument(
  "Image.ref not a reference",
  image({ ref: "Nginx:Latest" }),
  /Image h2-nginx: ref is not an image reference \(got "Nginx:Latest"\)/,
);
badComponentArgument(
  "Image.pullPolicy unknown",
  image({ pullPolicy: "sometimes" }),
  /Image h2-nginx: pullPolicy must be always or ifMissing/,
);
badComponentArgument(
  "Container.ports out of range",
  container({ ports: ["8082:99999"] }),
  /Container h2-web2: ports\[0\]\.containerPort must be an integer 1-65535 \(got 99999\)/,
);
badComponentArgument(
  "Container.ports not a port mapping",
  container({ ports: ["eighty"] }),
  /Container h2-web2: ports\[0\] must look like "80:80"/,
);
badComponentArgument(
  "Container.ports publishing one host port twice",
  container({ ports: ["8082:80", "8082:81"] }),
  /Container h2-web2: ports\[1\] publishes host port 8082\/tcp twice/,
);
badComponentArgument(
  "Container.name not a container name",
  container({ name: "web server" }),
  /Container h2-web2: name must be a container name like nginx-container \(got "web server"\)/,
);
badComponentArgument(
  "Container.restartPolicy unknown",
  container({ restartPolicy: "sometimes" }),
  /Container h2-web2: restartPolicy must be no, always, unless-stopped or on-failure/,
);
badComponentArgument(
  "Container.memory not a size",
  container({ memory: "lots" }),
  /Container h2-web2: memory must be bytes or a size like 512m or 2g \(got "lots"\)/,
);
badComponentArgument(
  "Registry.port out of range",
  registry({ port: 0 }),
  /Registry h2-registry2: port must be an integer 1-65535 \(got 0\)/,
);
badComponentArgument(
  "Registry.users[0].username with a space",
  registry({ users: [{ username: "deploy user", password: pulumi.secret(PASSWORD) }] }),
  /Registry h2-registry2: users\[0\]\.username must be a name of letters, digits and _\.- starting with a letter or digit \(got "deploy user"\)/,
);

// --- What only the machine can say: connection, identity, preflight, package repository ---
const target = (h: RigHost, user = "root", port = 22) => re(`${user}@${h.address}:${port}`);

refused("unreachable host (nothing listens on the port)", {
  hosts: () => [h1],
  program: () =>
    new DockerEngine("docker", { host: new Host("h1", { ...hostArgs(rig, h1), port: 2222, connectAttempts: 2, connectTimeout: 5 }) }),
  error: () => new RegExp(`${target(h1, "root", 2222)}: unreachable`),
});
refused("wrong user", {
  hosts: () => [h1],
  program: () => new DockerEngine("docker", { host: new Host("h1", { ...hostArgs(rig, h1), user: "nobody" }) }),
  error: () => new RegExp(`${target(h1, "nobody")}: authentication failed for user 'nobody': the server refused the key`),
});
refused("wrong private key", {
  hosts: () => [h1],
  program: () =>
    new DockerEngine("docker", {
      host: new Host("h1", { ...hostArgs(rig, h1), privateKey: pulumi.secret(keyPair().private) }),
    }),
  error: () => new RegExp(`${target(h1)}: authentication failed for user 'root': the server refused the key`),
});
refused("wrong host key (another machine's key pinned)", {
  hosts: () => [h1],
  program: () => new DockerEngine("docker", { host: new Host("h1", { ...hostArgs(rig, h1), hostKey: h2.hostKey }) }),
  error: () =>
    new RegExp(`${target(h1)}: host key mismatch: the server presented SHA256:\\S+, which is not the pinned key\\. Nothing was sent to it`),
});
refused("unsupported OS", {
  hosts: () => [h3],
  program: () => journey(rig, h3, pkgs, hubMirror()),
  error: () => new RegExp(`${target(h3)}: preflight failed, nothing was changed: Gentoo Linux is not a supported family`),
});
refused("kernel older than the policy's minimum", {
  hosts: () => [h1],
  program: () => journey(rig, h1, pkgs, hubMirror(), { host: { preflight: { minKernel: "99.0" } } }),
  error: () => new RegExp(`${target(h1)}: preflight failed, nothing was changed: kernel \\S+ is older than the required 99\\.0`),
});
refused("mirror URL where no repository is served", {
  hosts: () => [h1],
  exclusive: true,
  program: () =>
    new DockerEngine("docker", {
      host: new Host("h1", hostArgs(rig, h1)),
      mirror: `${packageMirror}/no-such-tree`,
      mirrorKeyFingerprint: packageKey,
      allowInsecureHttp: true,
    }),
  error: () => new RegExp(`${target(h1)}: fetching the repository's signing key failed`),
});
refused("version pin the repository does not have", {
  hosts: () => [h1],
  exclusive: true,
  program: () =>
    new DockerEngine("docker", {
      host: new Host("h1", hostArgs(rig, h1)),
      mirror: packageMirror,
      mirrorKeyFingerprint: packageKey,
      allowInsecureHttp: true,
      version: "99.0",
    }),
  error: () =>
    new RegExp(
      `${target(h1)}: no docker-ce version matches '99\\.0' in ${re(packageMirror)} \\(available: (24\\.0\\.7, 25\\.0\\.3|25\\.0\\.3, 24\\.0\\.7)\\)\\. Nothing was installed`,
    ),
});

// --- On a converged host (h2): refused by the machine, rolled back or never started ---
function onH2(title: string, component: (engine: DockerEngine) => void, error: () => RegExp, notInError?: string): void {
  refused(title, { hosts: () => [h2], exclusive: true, program: h2Program(component), error, notInError });
}

onH2(
  "invalid daemon setting: dockerd does not start, the old daemon.json comes back",
  (engine) => new DaemonConfig("daemon", { engine, storageDriver: "no-such-driver" }),
  () =>
    new RegExp(
      `${target(h2)}: docker did not start with the new daemon\\.json; the previous file was restored and docker is running again[^]*no-such-driver`,
    ),
);
onH2(
  "daemon setting that the unit already passes as a flag",
  (engine) => new DaemonConfig("daemon", { engine, settings: { hosts: ["unix:///var/run/docker.sock"] } }),
  () => new RegExp(`${target(h2)}: daemon\\.json sets 'hosts' while docker\\.service starts dockerd with -H [^]*Nothing was changed`),
);
onH2(
  "missing image: a tag the mirror does not have (docker then tries Docker Hub, unreachable here)",
  (engine) => new Image("missing", { engine, ref: "nginx:no-such-tag" }),
  () => new RegExp(`${target(h2)}: pulling nginx:no-such-tag failed: `),
);
onH2(
  "missing image: a repository the private registry does not have",
  (engine) =>
    new Image("missing-private", {
      engine,
      ref: `${h2.address}:5000/app/none:1`,
      credentials: { server: `${h2.address}:5000`, username: "deploy", password: pulumi.secret(PASSWORD) },
    }),
  () => new RegExp(`${target(h2)}: pulling ${re(h2.address)}:5000/app/none:1 failed: .*(not found|manifest unknown)`, "i"),
  PASSWORD,
);
onH2(
  "bad registry credentials",
  (engine) =>
    new Image("private", {
      engine,
      ref: `${h2.address}:5000/library/nginx:latest`,
      credentials: { server: `${h2.address}:5000`, username: "deploy", password: pulumi.secret("Wrong-pa55-91c3") },
    }),
  () =>
    new RegExp(
      `${target(h2)}: pulling ${re(h2.address)}:5000/library/nginx:latest failed: .*(unauthorized|authentication required|no basic auth)`,
      "i",
    ),
  "Wrong-pa55-91c3",
);
onH2(
  "host port in use by another container",
  (engine) => new Container("clash", { engine, name: "clash", image: "nginx:latest", ports: ["8080:80"] }),
  () =>
    new RegExp(
      `${target(h2)}: host port 8080 is already in use on ${re(h2.address)}, so container clash cannot publish it\\. Nothing was left behind`,
    ),
);
onH2(
  "host port in use by a process on the host (sshd on 22)",
  (engine) => new Container("clash22", { engine, name: "clash22", image: "nginx:latest", ports: ["22:80"] }),
  () => new RegExp(`${target(h2)}: host port 22 is already in use on ${re(h2.address)}, so container clash22 cannot publish it`),
);
onH2(
  "container image that is not on the host",
  (engine) => new Container("ghost", { engine, name: "ghost", image: `nginx@sha256:${"0".repeat(64)}` }),
  () => new RegExp(`${target(h2)}: image nginx@sha256:0{64} is not on the host: declare an Image for it`),
);
onH2(
  "container name taken by a container Dockyard did not create",
  (engine) => new Container("intruder", { engine, name: "intruder", image: "nginx:latest" }),
  () => new RegExp(`${target(h2)}: a container named intruder exists and was not created by Dockyard[^]*Nothing was changed`),
);

// Pulumi's Node.js runtime lets every resource registered before the program threw finish before
// it reports the error; Dockyard's resources wait for the end of the program's turn and are
// dropped when it threw, so a bad DaemonConfig argument stops the engine declared before it too.
test("a bad argument to a later component stops the components declared before it: the host is unchanged", async (t) => {
  const before = await fingerprint(rig, h4);
  const { stack, cleanup } = await testStack("dockyard-rel-input", "leak", async () => {
    journey(rig, h4, pkgs, hubMirror(), { daemon: { policy: "overwrite" } });
    return {};
  });
  try {
    const err = await t.throwsAsync(stack.up());
    t.regex(err?.message ?? "", /DaemonConfig h4-daemon: policy must be merge or replace/);
  } finally {
    await cleanup();
  }
  const after = await fingerprint(rig, h4);
  t.is(after, before, `h4 changed:\n${fingerprintDiff(before, after)}`);
});

// The harness itself: the same journey with nothing wrong does change h1, and the fingerprint sees it.
test("control: the journey without a bad argument changes h1, and the fingerprint shows it", async (t) => {
  await Promise.allSettled(h1Cases);
  await lockOf(h1).exclusive(async () => {
    const before = await fingerprint(rig, h1);
    const { stack, cleanup } = await testStack("dockyard-rel-input", "control", async () => {
      journey(rig, h1, pkgs, hubMirror());
      return {};
    });
    try {
      await stack.up();
    } finally {
      await cleanup();
    }
    const diff = fingerprintDiff(before, await fingerprint(rig, h1));
    for (const seen of [
      /\+ \/usr\/bin\/dockerd /,
      /\+ \/etc\/docker\/daemon\.json /,
      /\+ \/etc\/systemd\/system\/docker\.service /,
      /\+ docker\.service enabled active/,
      /\+ \S+ web /,
    ]) {
      t.regex(diff, seen);
    }
  });
});
