// Runs this repository's program (index.ts, Pulumi.yaml's `main`) on the `local` stack with the
// `pulumi` CLI on the repository's directory, as a user runs it, on sandbox hosts the rig starts
// here. State: the local file backend in .pulumi-state/.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { keyPair } from "../test/rig/keys";
import { loadFleet, type FleetHostOutputs } from "pulumi-dockyard";
import { downAll, fetchWithin, SANDBOX_LABEL } from "../test/rig/rig";
import { PulumiCli } from "./pulumi-cli";
import { SANDBOX_DIR, startSandbox } from "./sandbox";

const REPO = path.resolve(__dirname, "..");
const STATE = path.join(REPO, ".pulumi-state");
const STACK = process.env.DOCKYARD_STACK ?? "local";
const SANDBOX_HOSTS = 2;
// Sandbox only: this passphrase protects throwaway keys of local test hosts. Set
// PULUMI_CONFIG_PASSPHRASE yourself for anything else.
const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE ?? "dockyard-sandbox-only";

function sandboxKeyPair(): { private: string; public: string } {
  const file = path.join(SANDBOX_DIR, "key.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { private: string; public: string };
  const pair = keyPair();
  writeFileSync(file, JSON.stringify(pair), { mode: 0o600 });
  return pair;
}

async function main(): Promise<void> {
  const down = process.argv[2] === "down";
  const fleetFile = path.join(REPO, "stacks", `${STACK}.yaml`);
  mkdirSync(SANDBOX_DIR, { recursive: true });
  if (!down) {
    // Bad input stops here, before a sandbox host is started or a machine touched.
    step(`checking ${path.relative(REPO, fleetFile)}`);
    loadFleet(fleetFile);
  }
  const cli = new PulumiCli({
    cwd: REPO,
    stack: STACK,
    backendUrl: `file://${STATE}`,
    passphrase,
    // Diffs (each an SSH probe of a host) run in parallel instead of one resource at a time.
    env: { PULUMI_PARALLEL_DIFF: process.env.PULUMI_PARALLEL_DIFF ?? "true" },
    echo: (s) => process.stdout.write(s),
  });
  await cli.selectOrCreate();

  if (down) {
    step(`pulumi destroy (stack ${STACK})`);
    await cli.ok(["destroy", "--yes"], { echo: true });
    const removed = await downAll(SANDBOX_LABEL);
    step(`removed ${removed.containers} sandbox containers and ${removed.volumes} volumes`);
    return;
  }

  if (STACK === "local") {
    step(`starting ${SANDBOX_HOSTS} sandbox hosts, a docker-ce repository mirror and a registry mirror holding nginx`);
    const sandbox = await startSandbox({ runId: "local", label: SANDBOX_LABEL, keyPair: sandboxKeyPair(), log: step });
    await cli.setConfig(sandbox.config);
  }
  step(`pulumi up (stack ${STACK}, state in ${path.relative(REPO, STATE)}/)`);
  await cli.ok(["up", "--yes"], { echo: true });
  const changes = Object.entries(await cli.lastChanges());
  step(
    changes.length
      ? `changed: ${changes.map(([k, v]) => `${v} ${k}`).join(", ")}`
      : "nothing to change: every host already was as the fleet file says",
  );

  let failed = 0;
  const hosts = ((await cli.outputs()).hosts ?? {}) as Record<string, FleetHostOutputs>;
  for (const [name, h] of Object.entries(hosts)) {
    step(`${name}: ${h.os}, kernel ${h.kernel}, docker ${h.docker}, mirrors ${h.mirrors.join(" ") || "none"}`);
    for (const [cname, c] of Object.entries(h.containers)) {
      for (const endpoint of c.endpoints) {
        const url = `http://${endpoint}/`;
        const answer = await httpAnswer(url);
        if (!answer.ok) failed++;
        step(`${name}: ${cname} (${c.state}) ${url} -> ${answer.text}`);
      }
    }
  }
  if (failed) throw new Error(`${failed} URL(s) did not answer`);
}

/** GETs a URL a few times (a container may still be starting); says what answered. */
async function httpAnswer(url: string): Promise<{ ok: boolean; text: string }> {
  let last = "";
  for (let i = 0; i < 10; i++) {
    try {
      const res = await fetchWithin(url, 5000);
      const body = await res.text();
      const title = /<h1>([^<]*)<\/h1>/.exec(body)?.[1] ?? body.slice(0, 40).trim();
      if (res.ok) return { ok: true, text: `${res.status} "${title}"` };
      last = `${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { ok: false, text: `no answer (${last})` };
}

function step(s: string): void {
  console.log(`main job: ${s}`);
}

main().catch((e) => {
  console.error(`main job failed: ${(e as Error).message}`);
  process.exit(1);
});
