// The docker CLI of this machine (the real one, over the real `ssh`) reaching a rig host's engine
// with only what the DockerEngine outputs: its ssh_config block, its known_hosts line and its
// `docker context create` command, with the rig's key as the operator's own IdentityFile. Then
// host-key checking is shown to be on: a wrong or missing known_hosts line makes the same
// command fail with a host key error.
//
// ssh reads ~/.ssh from the passwd entry's home, not $HOME: each docker command runs in a mount
// namespace of its own (unshare -m) where a temporary directory is bind-mounted over that home,
// so this machine's own ~/.ssh is neither read nor written.
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import test from "ava";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { keyPair } from "../rig/keys";
import { Rig } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { offlineEngine } from "./support/programs";

let rig: Rig;
let pkgs: DockerPackages;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1 }), ensureDockerPackages()]);
});

test.after.always(async () => {
  await rig?.stop();
});

/** Runs `args` with the temporary home bind-mounted over the user's passwd home; resolves with exit code and output. */
function inHome(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only what the docker CLI needs: no DOCKER_HOST or DOCKER_CONTEXT of this machine's rig engine.
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", DOCKER_CONFIG: path.join(home, ".docker"), LANG: "C" };
  const script = 'home=$(getent passwd "$(id -u)" | cut -d: -f6); mount --bind "$1" "$home"; shift; HOME=$home exec "$@"';
  return new Promise((resolve) => {
    execFile("unshare", ["--mount", "sh", "-euc", script, "sh", home, ...args], { env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

test.serial(
  "the docker CLI runs `docker ps` through the engine's context with the pinned host key; a wrong or missing key line is refused",
  async (t) => {
    const h = rig.hosts[0];
    const { stack, cleanup } = await testStack("dockyard-docker-context", "context", async () => {
      const engine = offlineEngine("docker", rig, h, pkgs);
      return {
        version: engine.version,
        dockerHost: engine.dockerHost,
        knownHostsLine: engine.knownHostsLine,
        dockerContextCommand: engine.dockerContextCommand,
        sshConfig: engine.sshConfig,
      };
    });
    const dir = mkdtempSync(path.join(tmpdir(), "dockyard-context-"));
    try {
      const up = await stack.up();
      const out = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value as string]));
      t.is(out.dockerHost, `ssh://root@${h.address}:22`);
      const [alg, blob] = h.hostKey.split(/\s+/);
      t.is(out.knownHostsLine, `${h.address} ${alg} ${blob}`);
      t.is(out.dockerContextCommand, `docker context create '${h.name}' --docker 'host=ssh://root@${h.address}:22'`);
      for (const v of Object.values(out)) t.false(v.includes("PRIVATE KEY"), "no key in the outputs");

      // The operator's home: the outputs as they are, and their own key (here the rig's) by IdentityFile.
      const home = path.join(dir, "home");
      const ssh = path.join(home, ".ssh");
      mkdirSync(ssh, { recursive: true, mode: 0o700 });
      const identity = path.join(ssh, "id_dockyard");
      writeFileSync(identity, rig.privateKey.endsWith("\n") ? rig.privateKey : rig.privateKey + "\n", { mode: 0o600 });
      // BatchMode: a prompt (an unknown key, a passphrase) fails at once instead of waiting.
      const config = `${out.sshConfig}\nHost *\n  IdentityFile ${identity}\n  IdentitiesOnly yes\n  BatchMode yes\n`;
      writeFileSync(path.join(ssh, "config"), config, { mode: 0o600 });
      const knownHosts = path.join(ssh, `dockyard-${h.name}.known_hosts`);
      t.regex(out.sshConfig, new RegExp(`UserKnownHostsFile ~/\\.ssh/dockyard-${h.name}\\.known_hosts`));
      const writeKnownHosts = (text: string) => {
        writeFileSync(knownHosts, text, { mode: 0o600 });
        chmodSync(knownHosts, 0o600);
      };
      writeKnownHosts(out.knownHostsLine + "\n");

      // The command exactly as printed, run by a shell.
      const created = await inHome(home, ["sh", "-c", out.dockerContextCommand]);
      t.is(created.code, 0, created.stderr);
      const listed = await inHome(home, ["docker", "context", "inspect", h.name, "--format", "{{.Endpoints.docker.Host}}"]);
      t.is(listed.stdout.trim(), out.dockerHost);

      const ps = await inHome(home, ["docker", "--context", h.name, "ps", "--format", "{{.Names}}"]);
      t.is(ps.code, 0, ps.stderr);
      const version = await inHome(home, ["docker", "--context", h.name, "version", "--format", "{{.Server.Version}}"]);
      t.is(version.code, 0, version.stderr);
      t.is(version.stdout.trim(), out.version, "the server that answers is the rig host's engine");
      t.true(
        version.stdout.trim().startsWith(pkgs.bundleVersion),
        `${version.stdout.trim()} is the offline bundle's ${pkgs.bundleVersion}`,
      );
      // DOCKER_HOST alone, without a context, reaches it the same way.
      const viaEnv = await inHome(home, ["env", `DOCKER_HOST=${out.dockerHost}`, "docker", "info", "--format", "{{.Name}}"]);
      t.is(viaEnv.code, 0, viaEnv.stderr);
      t.is(viaEnv.stdout.trim(), (await rig.exec(h, "hostname")).trim());

      // Host-key checking is on: another key under the host's name is refused ...
      writeKnownHosts(`${h.address} ${keyPair().public.split(/\s+/).slice(0, 2).join(" ")}\n`);
      const wrong = await inHome(home, ["docker", "--context", h.name, "ps"]);
      t.not(wrong.code, 0);
      t.regex(wrong.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      // ... and so is a host with no line at all (no trust on first use).
      writeKnownHosts("");
      const missing = await inHome(home, ["docker", "--context", h.name, "ps"]);
      t.not(missing.code, 0);
      t.regex(missing.stderr, /Host key verification failed|No .* host key is known/);
      // The right line back: it works again (the failures were the key, not the setup).
      writeKnownHosts(out.knownHostsLine + "\n");
      const again = await inHome(home, ["docker", "--context", h.name, "ps", "-q"]);
      t.is(again.code, 0, again.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await cleanup();
    }
  },
);
