// Runs this repository's program (index.ts) on the `local` stack through the Automation API, on
// sandbox hosts the rig starts here. State: the local file backend in .pulumi-state/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { type ConfigMap, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { utils } from "ssh2";
import { loadFleet, type FleetHostOutputs } from "pulumi-dockyard";
import { downAll, fetchWithin, SANDBOX_LABEL } from "../test/rig/rig";
import { failureMessage } from "./job-errors";
import { SANDBOX_DIR, startSandbox } from "./sandbox";

/** A failure already worded for the user (and redacted). */
class JobError extends Error {}

const REPO = path.resolve(__dirname, "..");
const STATE = path.join(REPO, ".pulumi-state");
const STACK = process.env.DOCKYARD_STACK ?? "local";
const SANDBOX_HOSTS = 2;
// Sandbox only: this passphrase protects throwaway keys of local test hosts. Set
// PULUMI_CONFIG_PASSPHRASE yourself for anything else.
const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE ?? "dockyard-sandbox-only";

function sandboxKeyPair(): { private: string; public: string } {
  const file = path.join(SANDBOX_DIR, "key.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const pair = utils.generateKeyPairSync("ed25519");
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
  const bin = execFileSync(path.join(REPO, "scripts", "pulumi-engine"), { stdio: ["ignore", "pipe", "inherit"] })
    .toString()
    .trim();
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName: "dockyard", stackName: STACK, program: require("../index") },
    {
      pulumiCommand,
      workDir: REPO,
      envVars: {
        PULUMI_BACKEND_URL: `file://${STATE}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // Diffs (each an SSH probe of a host) run in parallel instead of one resource at a time.
        PULUMI_PARALLEL_DIFF: process.env.PULUMI_PARALLEL_DIFF ?? "true",
      },
    },
  );
  const out = (s: string) => process.stdout.write(s);
  // `pulumi config set-all` takes the values on its command line; a failure's message repeats
  // that line, SSH key included. Only the keys and the CLI's own words are shown.
  const setConfig = async (config: ConfigMap) => {
    for (const v of Object.values(config)) if (v.secret) secrets.push(v.value);
    await stack.setAllConfig(config).catch((e: unknown) => {
      throw new JobError(failureMessage(e, secrets, `setting the stack's config (${Object.keys(config).join(", ")})`));
    });
  };

  if (down) {
    step(`destroying stack ${STACK}`);
    await stack.destroy({ onOutput: out });
    const removed = await downAll(SANDBOX_LABEL);
    step(`removed ${removed.containers} sandbox containers and ${removed.volumes} volumes`);
    return;
  }

  if (STACK === "local") {
    step(`starting ${SANDBOX_HOSTS} sandbox hosts, a docker-ce repository mirror and a registry mirror holding nginx`);
    const keyPair = sandboxKeyPair();
    secrets.push(keyPair.private);
    const sandbox = await startSandbox({ runId: "local", label: SANDBOX_LABEL, keyPair, log: step });
    await setConfig(sandbox.config);
  }
  step(`pulumi up (stack ${STACK}, state in ${path.relative(REPO, STATE)}/)`);
  // The update's own output (onOutput) already shows every error; a failure says only which.
  const up = await stack.up({ onOutput: out }).catch((e: unknown) => {
    throw new JobError(failureMessage(e, secrets, `pulumi up of stack ${STACK}`));
  });
  const changes = Object.entries(up.summary.resourceChanges ?? {}).filter(([k]) => k !== "same");
  step(changes.length ? `changed: ${changes.map(([k, v]) => `${v} ${k}`).join(", ")}` : "nothing to change: every host already was as the fleet file says");

  let failed = 0;
  for (const [name, h] of Object.entries((up.outputs.hosts?.value ?? {}) as Record<string, FleetHostOutputs>)) {
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

/** Values never to print: the secret config values this run set. */
const secrets: string[] = [];

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
  // Plain lines, never a CLI command line, a stack trace or a secret.
  console.error(`main job failed: ${e instanceof JobError ? e.message : failureMessage(e, secrets, "a step")}`);
  process.exit(1);
});
