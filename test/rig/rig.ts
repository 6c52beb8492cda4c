import { keyPair as readableKeyPair } from "./keys";
import { createHash, randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import * as path from "node:path";
import { docker, run } from "./docker-cli";

/**
 * Every rig object of a test run carries this label, so `downAll` finds what any run left behind.
 * DOCKYARD_RIG_LABEL gives concurrent runs (a bench beside a test run) their own, so one run's
 * cleanup never removes the other's hosts.
 */
export const RIG_LABEL = process.env.DOCKYARD_RIG_LABEL ?? "dockyard.rig";
/** The main job's sandbox hosts carry this one instead: test cleanup leaves them alone. */
export const SANDBOX_LABEL = "dockyard.sandbox";
export const RIG_NETWORK = "dockyard-rig";
const RIG_DIR = __dirname;
/**
 * .deb files rig hosts downloaded, kept across hosts and runs. Each host copies them into its own
 * apt archive at boot and gives back what it downloaded when it stops (a shared archive directory
 * would make concurrent apt runs fail on its lock).
 */
export const APT_SEED = "/var/cache/dockyard-rig/apt-archives";
const APT_SEED_MOUNT = "/var/cache/dockyard-rig-seed";
/** A flavour's seed: Debian 13 hosts keep theirs apart, bookworm hosts have no use for trixie's .debs. */
const aptSeed = (flavour: HostFlavour = "debian12") => (flavour === "debian13" ? `${APT_SEED}-trixie` : APT_SEED);
const BOOT_TIMEOUT_MS = 240_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A disposable machine: a systemd container with sshd on its own address. */
export interface RigHost {
  name: string;
  container: string;
  address: string;
  port: number;
  user: string;
  /** The host's ed25519 public host key (`ssh-ed25519 AAAA... root@name`), read back at start. */
  hostKey: string;
}

export interface RigRegistry {
  container: string;
  /** `ip:5000` on the rig network, as hosts reach it. */
  address: string;
  /** `127.0.0.1:port`, as this machine's own engine pushes to it. */
  local: string;
}

/**
 * The Debian release a rig host runs: `debian12` (bookworm, the default) or `debian13` (trixie,
 * host-trixie.sh). Both are built by debootstrap from Debian's packages and configured alike
 * (host-config.sh).
 */
export type HostFlavour = "debian12" | "debian13";

export interface HostOptions {
  /** Extra `docker run` arguments (volumes, env) placed before the image. */
  extraArgs?: string[];
  /** Image to boot; the flavour's host image by default. */
  image?: string;
  /** The Debian release to boot when no `image` is given. @default "debian12" */
  flavour?: HostFlavour;
  /**
   * Network to boot on instead of the rig's: an `--internal` one (`ensureInternalNetwork`) gives a
   * host no route to the registry or anywhere else, while this machine still reaches it over SSH.
   */
  network?: string;
}

/** `repo:<hash of the recipe files>`: an image tag that changes whenever its recipe does. */
export function recipeTag(repo: string, ...files: string[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(readFileSync(path.join(RIG_DIR, f)));
  return `${repo}:${h.digest("hex").slice(0, 12)}`;
}

async function dockerAnswers(): Promise<boolean> {
  try {
    await docker(["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 15000 });
    return true;
  } catch {
    return false;
  }
}

/** Makes sure this machine's Docker engine runs: installs docker.io and starts dockerd if needed. */
export async function ensureDockerd(log: (s: string) => void = () => undefined): Promise<void> {
  if (await dockerAnswers()) return;
  if (!existsSync("/usr/bin/dockerd") && !existsSync("/usr/sbin/dockerd")) {
    log("rig: installing docker.io (Debian package)");
    await run("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null"]);
  }
  log("rig: starting dockerd (this machine has no systemd)");
  const out = openSync("/var/log/dockyard-rig-dockerd.log", "a");
  spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] }).unref();
  for (let i = 0; i < 120; i++) {
    if (await dockerAnswers()) return;
    await sleep(500);
  }
  throw new Error("rig: dockerd did not answer within 60 s; see /var/log/dockyard-rig-dockerd.log");
}

/** Builds an image with a recipe script unless that exact recipe's image exists; one builder at a time. */
export async function ensureImage(tag: string, script: string, args: string[]): Promise<void> {
  const cmd = `docker image inspect ${tag} >/dev/null 2>&1 || bash ${path.join(RIG_DIR, script)} ${args.join(" ")}`;
  await run("flock", ["/tmp/dockyard-rig-images.lock", "sh", "-c", cmd], { timeoutMs: 20 * 60 * 1000 });
}

export function hostImageTag(): string {
  return recipeTag("dockyard-rig/host", "host-base.sh", "host-config.sh");
}

function hostBaseTag(): string {
  return recipeTag("dockyard-rig/host-base", "host-base.sh");
}

/** Debian 13's host image: trixie's base (host-trixie.sh) with the same settings layered on. */
export function trixieHostImageTag(): string {
  return recipeTag("dockyard-rig/host-trixie", "host-trixie.sh", "host-config.sh");
}

function trixieHostBaseTag(): string {
  return recipeTag("dockyard-rig/host-trixie-base", "host-trixie.sh");
}

/** The host image of a flavour (built by ensureImages). */
export function flavourImageTag(flavour: HostFlavour = "debian12"): string {
  return flavour === "debian13" ? trixieHostImageTag() : hostImageTag();
}

export function smallImageTags(): { registry: string; nginx: string } {
  const tag = recipeTag("x", "small-images.sh").split(":")[1];
  return { registry: `dockyard-rig/registry:${tag}`, nginx: `dockyard-rig/nginx:${tag}` };
}

export async function ensureImages(flavours: HostFlavour[] = ["debian12"]): Promise<void> {
  if (flavours.includes("debian12")) {
    const base = hostBaseTag();
    await ensureImage(base, "host-base.sh", [base]);
    const host = hostImageTag();
    await ensureImage(host, "host-config.sh", [base, host]);
  }
  if (flavours.includes("debian13")) {
    const base = trixieHostBaseTag();
    await ensureImage(base, "host-trixie.sh", [base]);
    const host = trixieHostImageTag();
    await ensureImage(host, "host-config.sh", [base, host]);
  }
  const small = smallImageTags();
  await ensureImage(small.nginx, "small-images.sh", [small.registry, small.nginx]);
}

async function ensureNetwork(): Promise<void> {
  // Docker accepts two networks with one name, so concurrent test files create it under a lock.
  const cmd =
    `[ -n "$(docker network ls -q --filter name=^${RIG_NETWORK}$)" ] || ` +
    `docker network create --label ${RIG_LABEL}=1 ${RIG_NETWORK} >/dev/null`;
  await run("flock", ["/tmp/dockyard-rig-network.lock", "sh", "-c", cmd]);
}

async function inspectAddress(container: string, network = RIG_NETWORK): Promise<string> {
  const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container])).trim();
  if (!ip) throw new Error(`rig: ${container} has no address on ${network}`);
  return ip;
}

/**
 * An `--internal` network of this run (no route out, no other rig network reachable from it);
 * this machine reaches its containers through the bridge's own address. Removed by `rig.stop()`.
 */
export async function ensureInternalNetwork(rig: Rig, name: string): Promise<string> {
  const network = `dyr-${rig.runId}-${name}`;
  const cmd =
    `[ -n "$(docker network ls -q --filter name=^${network}$)" ] || ` +
    `docker network create --internal ${rig.labels().join(" ")} ${network} >/dev/null`;
  await run("flock", ["/tmp/dockyard-rig-network.lock", "sh", "-c", cmd]);
  rig.networks.push(network);
  return network;
}

/**
 * fetch that gives up after `ms`. A plain timer, not AbortSignal.timeout: that one does not keep
 * Node running, and when docker-proxy accepts the connection before the server answers (under
 * load) nothing else is left on the loop; a test worker then ends the test as "Promise returned by
 * test never resolved".
 */
export async function fetchWithin(url: string, ms: number): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    const res = await fetch(url, { signal: abort.signal });
    await res.clone().arrayBuffer();
    return res;
  } finally {
    clearTimeout(timer);
  }
}

async function registryAnswers(url: string): Promise<boolean> {
  try {
    return (await fetchWithin(url, 2000)).status === 200;
  } catch {
    return false;
  }
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 1000 });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.once("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * One test run's share of the rig: its own SSH key pair, hosts and (optionally) a registry, all
 * labelled with the run's id so `stop()` removes exactly them.
 */
export class Rig {
  readonly hosts: RigHost[] = [];
  /** Networks of this run (`ensureInternalNetwork`), removed with its containers. */
  readonly networks: string[] = [];
  registry?: RigRegistry;
  /** The run's private key (OpenSSH format); tests pass it to Dockyard as a secret. */
  readonly privateKey: string;
  readonly publicKey: string;

  private constructor(
    readonly runId: string,
    keyPair?: { private: string; public: string },
    readonly label: string = RIG_LABEL,
  ) {
    const pair = keyPair ?? readableKeyPair();
    this.privateKey = pair.private;
    this.publicKey = pair.public;
  }

  /**
   * Starts a run's hosts. With a fixed `runId` and `keyPair`, hosts of that run that are already
   * up are kept (the main job's sandbox survives between runs).
   */
  static async start(
    opts: {
      hosts?: number;
      registry?: boolean;
      log?: (s: string) => void;
      runId?: string;
      keyPair?: { private: string; public: string };
      /** `SANDBOX_LABEL` for the main job's long-lived hosts. */
      label?: string;
      /** The Debian release of the hosts started here. @default "debian12" */
      flavour?: HostFlavour;
    } = {},
  ): Promise<Rig> {
    const log = opts.log ?? (() => undefined);
    await ensureDockerd(log);
    await ensureImages([opts.flavour ?? "debian12"]);
    await ensureNetwork();
    const rig = new Rig(opts.runId ?? `${process.pid.toString(36)}${randomBytes(3).toString("hex")}`, opts.keyPair, opts.label);
    try {
      await Promise.all(Array.from({ length: opts.hosts ?? 1 }, (_, i) => rig.addHost(`h${i + 1}`, { flavour: opts.flavour })));
      // Hosts boot in parallel and finish in any order; tests index them by name order.
      rig.hosts.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      if (opts.registry) await rig.startRegistry();
    } catch (e) {
      await rig.stop();
      throw e;
    }
    return rig;
  }

  /** Docker labels of this run's objects (for anything else a test starts, too). */
  labels(): string[] {
    return ["--label", `${this.label}=1`, "--label", `${this.label}.run=${this.runId}`];
  }

  /** Boots one more host and waits until sshd answers with its host key. */
  async addHost(name: string, opts: HostOptions = {}): Promise<RigHost> {
    const container = `dyr-${this.runId}-${name}`;
    const volume = `${container}-docker`;
    // A host of a fixed run id that is up on the current image is kept as it is.
    const image = opts.image ?? flavourImageTag(opts.flavour);
    const running = (await docker(["ps", "--format", "{{.Image}}", "--filter", `name=^${container}$`])).trim();
    if (running !== image) await this.boot(container, volume, name, { ...opts, image });
    const address = await inspectAddress(container, opts.network);
    // Generous: on a loaded 2-core machine a systemd boot has taken over 90 s.
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    let hostKey = "";
    while (Date.now() < deadline) {
      hostKey = (await docker(["exec", container, "cat", "/etc/ssh/ssh_host_ed25519_key.pub"]).catch(() => "")).trim();
      if (hostKey && (await tcpOpen(address, 22))) break;
      hostKey = "";
      await sleep(300);
    }
    if (!hostKey) {
      const logs = await docker(["logs", "--tail", "30", container]).catch(() => "");
      throw new Error(`rig: host ${name} (${container}) did not start sshd within ${BOOT_TIMEOUT_MS / 1000} s\n${logs}`);
    }
    // Seed apt's archive with the packages earlier hosts downloaded: apt then fetches only lists.
    await docker(["exec", container, "sh", "-c", `cp -n ${APT_SEED_MOUNT}/*.deb /var/cache/apt/archives/ 2>/dev/null || true`]);
    const host: RigHost = { name, container, address, port: 22, user: "root", hostKey };
    this.hosts.push(host);
    return host;
  }

  private async boot(container: string, volume: string, name: string, opts: HostOptions): Promise<void> {
    const seed = aptSeed(opts.flavour);
    mkdirSync(seed, { recursive: true });
    await docker(["rm", "-f", "-v", container]).catch(() => undefined);
    await docker(["volume", "create", ...this.labels(), volume]);
    await docker([
      "run",
      "-d",
      "--name",
      container,
      "--hostname",
      name,
      ...this.labels(),
      "--network",
      opts.network ?? RIG_NETWORK,
      "--cgroupns=private",
      "--cap-add",
      "ALL",
      "--cap-drop",
      "SYS_RESOURCE",
      "--security-opt",
      "seccomp=unconfined",
      "--security-opt",
      "apparmor=unconfined",
      "--security-opt",
      "systempaths=unconfined",
      "--device-cgroup-rule",
      "a *:* rwm",
      "--stop-signal",
      "SIGRTMIN+3",
      "--tmpfs",
      "/run",
      "--tmpfs",
      "/run/lock",
      "--tmpfs",
      "/tmp",
      "-v",
      `${volume}:/var/lib/docker`,
      "-v",
      `${seed}:${APT_SEED_MOUNT}`,
      "-e",
      `RIG_AUTHORIZED_KEY=${this.publicKey}`,
      ...(opts.extraArgs ?? []),
      "--entrypoint",
      "/bin/sh",
      opts.image ?? flavourImageTag(opts.flavour),
      "-c",
      // cgroup v1 hierarchies arrive read-only; systemd and dockerd inside need them writable.
      'mount -o remount,rw /sys; for d in /sys/fs/cgroup/*/; do mount -o remount,bind,rw "$d"; done; mount -o remount,rw /sys/fs/cgroup; exec /sbin/init',
    ]);
  }

  /** Starts an open registry (Debian's docker-registry) on the rig network. */
  async startRegistry(): Promise<RigRegistry> {
    const container = `dyr-${this.runId}-registry`;
    const running = (await docker(["ps", "--format", "{{.Image}}", "--filter", `name=^${container}$`])).trim();
    if (running !== smallImageTags().registry) {
      await docker(["rm", "-f", "-v", container]).catch(() => undefined);
      await docker([
        "run",
        "-d",
        "--name",
        container,
        ...this.labels(),
        "--network",
        RIG_NETWORK,
        "-p",
        "127.0.0.1::5000",
        smallImageTags().registry,
      ]);
    }
    const ip = await inspectAddress(container);
    const port = (await docker(["port", container, "5000/tcp"])).trim().split("\n")[0].split(":").pop();
    this.registry = { container, address: `${ip}:5000`, local: `127.0.0.1:${port}` };
    // docker-proxy accepts on the port before the registry listens (a push then gets EOF): wait
    // for the registry's own answer.
    const started = Date.now();
    while (!(await registryAnswers(`http://127.0.0.1:${port}/v2/`))) {
      if (Date.now() - started > 120_000) throw new Error(`rig: registry ${container} did not answer on 127.0.0.1:${port} within 120 s`);
      await sleep(250);
    }
    return this.registry;
  }

  /** Pushes the rig's nginx stand-in into the registry as `library/nginx:<tag>`. */
  pushNginx(tag = "latest"): Promise<string> {
    return this.pushImage(smallImageTags().nginx, `library/nginx:${tag}`);
  }

  /** Pushes a local image into the rig's registry as `<repository:tag>`; returns its digest. */
  async pushImage(local: string, repositoryAndTag: string): Promise<string> {
    if (!this.registry) throw new Error("rig: no registry started");
    const ref = `${this.registry.local}/${repositoryAndTag}`;
    await docker(["tag", local, ref]);
    const out = await docker(["push", ref]);
    await docker(["rmi", ref]).catch(() => undefined);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out);
    if (!digest) throw new Error(`rig: push of ${ref} printed no digest:\n${out}`);
    return digest[1];
  }

  /**
   * Pushes a variant of the nginx stand-in (its page says `marker`, so its digest differs) as
   * `library/nginx:<tag>`.
   */
  async pushNginxVariant(tag: string, marker: string): Promise<string> {
    // Named per run: runs side by side (test files of one suite) must not remove each other's image.
    const variant = `dockyard-rig/nginx-variant-${this.runId}:${tag}`;
    const builder = `dyr-${this.runId}-build-${tag}`;
    await docker([
      "run",
      "--name",
      builder,
      ...this.labels(),
      "--entrypoint",
      "/bin/sh",
      smallImageTags().nginx,
      "-c",
      `echo '<html><body><h1>Welcome to nginx!</h1><p>${marker}</p></body></html>' > /usr/share/nginx/html/index.html`,
    ]);
    await docker([
      "commit",
      "--change",
      'ENTRYPOINT ["/bin/busybox"]',
      "--change",
      'CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/usr/share/nginx/html"]',
      builder,
      variant,
    ]);
    await docker(["rm", "-f", builder]);
    if (!this.registry) throw new Error("rig: no registry started");
    const ref = `${this.registry.local}/library/nginx:${tag}`;
    await docker(["tag", variant, ref]);
    const out = await docker(["push", ref]);
    await docker(["rmi", ref, variant]).catch(() => undefined);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out);
    if (!digest) throw new Error(`rig: push of ${ref} printed no digest:\n${out}`);
    return digest[1];
  }

  /** Runs a command inside a host as root (test-side checks, never Dockyard's own path). */
  exec(host: RigHost, command: string): Promise<string> {
    return docker(["exec", host.container, "sh", "-c", command]);
  }

  /** Removes this run's containers and volumes, after keeping the packages its hosts downloaded. */
  async stop(): Promise<void> {
    await Promise.all(this.hosts.map((h) => harvestPackages(h.container)));
    await removeLabelled(`${this.label}.run=${this.runId}`);
    for (const n of this.networks) await docker(["network", "rm", n]).catch(() => undefined);
  }
}

/**
 * Copies new .deb files of a host's apt archive into the shared seed (rename, so readers never
 * see half a file). The rig's own docker-ce packages are left out: they are rebuilt with the rig.
 */
async function harvestPackages(container: string): Promise<void> {
  const cmd = `cd /var/cache/apt/archives 2>/dev/null || exit 0; for f in *.deb; do [ -f "$f" ] || continue; case "$f" in docker-ce*|containerd.io*) continue;; esac; [ -e "${APT_SEED_MOUNT}/$f" ] && continue; cp "$f" "${APT_SEED_MOUNT}/.$f.$$" && mv "${APT_SEED_MOUNT}/.$f.$$" "${APT_SEED_MOUNT}/$f"; done; true`;
  await docker(["exec", container, "sh", "-c", cmd]).catch(() => undefined);
}

async function removeLabelled(filter: string): Promise<void> {
  const ids = (await docker(["ps", "-aq", "--filter", `label=${filter}`]).catch(() => "")).split("\n").filter(Boolean);
  if (ids.length) await docker(["rm", "-f", "-v", ...ids]).catch(() => undefined);
  const vols = (await docker(["volume", "ls", "-q", "--filter", `label=${filter}`]).catch(() => "")).split("\n").filter(Boolean);
  if (vols.length) await docker(["volume", "rm", "-f", ...vols]).catch(() => undefined);
}

/**
 * Removes every container and volume with the label (test runs by default), whatever run made
 * them, and the rig network unless the main job's sandbox still uses it.
 */
export async function downAll(label = RIG_LABEL): Promise<{ containers: number; volumes: number }> {
  if (!(await dockerAnswers())) return { containers: 0, volumes: 0 };
  const containers = (await docker(["ps", "-aq", "--filter", `label=${label}`])).split("\n").filter(Boolean).length;
  const volumes = (await docker(["volume", "ls", "-q", "--filter", `label=${label}`])).split("\n").filter(Boolean).length;
  await removeLabelled(label);
  // Docker refuses to remove a network that containers still use (the sandbox): that is fine.
  await docker(["network", "rm", RIG_NETWORK]).catch(() => undefined);
  return { containers, volumes };
}

/** What test runs left behind right now (containers, volumes, and the network if unused). */
export async function leftovers(label = RIG_LABEL): Promise<string[]> {
  if (!(await dockerAnswers())) return [];
  const c = (await docker(["ps", "-a", "--format", "container {{.Names}}", "--filter", `label=${label}`])).split("\n");
  const v = (await docker(["volume", "ls", "--format", "volume {{.Name}}", "--filter", `label=${label}`])).split("\n");
  const sandbox = (await docker(["ps", "-aq", "--filter", `label=${SANDBOX_LABEL}`])).trim();
  const n = sandbox
    ? []
    : (await docker(["network", "ls", "--format", "network {{.Name}}", "--filter", `name=^${RIG_NETWORK}$`])).split("\n");
  return [...c, ...v, ...n].filter(Boolean);
}
