// Runs this repository's program (index.ts) on the `local` stack through the Automation API, on
// sandbox hosts the rig starts here. State: the local file backend in .pulumi-state/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { utils } from "ssh2";
import { downAll, Rig, SANDBOX_LABEL } from "../test/rig/rig";

const REPO = path.resolve(__dirname, "..");
const STATE = path.join(REPO, ".pulumi-state");
const STACK = process.env.DOCKYARD_STACK ?? "local";
const SANDBOX_HOSTS = 2;
// Sandbox only: this passphrase protects throwaway keys of local test hosts. Set
// PULUMI_CONFIG_PASSPHRASE yourself for anything else.
const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE ?? "dockyard-sandbox-only";

function sandboxKeyPair(): { private: string; public: string } {
  const file = path.join(STATE, "sandbox-key.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const pair = utils.generateKeyPairSync("ed25519");
  writeFileSync(file, JSON.stringify(pair), { mode: 0o600 });
  return pair;
}

async function main(): Promise<void> {
  const down = process.argv[2] === "down";
  mkdirSync(STATE, { recursive: true });
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
      },
    },
  );
  const out = (s: string) => process.stdout.write(s);

  if (down) {
    console.log(`main job: destroying stack ${STACK}`);
    await stack.destroy({ onOutput: out });
    const removed = await downAll(SANDBOX_LABEL);
    console.log(`main job: removed ${removed.containers} sandbox containers`);
    return;
  }

  console.log(`main job: starting ${SANDBOX_HOSTS} sandbox hosts`);
  const rig = await Rig.start({ hosts: SANDBOX_HOSTS, runId: "local", keyPair: sandboxKeyPair(), label: SANDBOX_LABEL, log: console.log });
  await stack.setConfig("dockyard:sshPrivateKey", { value: rig.privateKey, secret: true });
  await stack.setConfig("dockyard:hosts", {
    value: JSON.stringify(rig.hosts.map((h) => ({ name: h.name, address: h.address, hostKey: h.hostKey }))),
  });
  console.log(`main job: pulumi up (stack ${STACK}, state in ${path.relative(REPO, STATE)}/)`);
  const up = await stack.up({ onOutput: out });
  const changes = Object.entries(up.summary.resourceChanges ?? {}).filter(([k]) => k !== "same");
  console.log(changes.length ? `main job: changed ${changes.map(([k, v]) => `${v} ${k}`).join(", ")}` : "main job: nothing to change");
  for (const [name, facts] of Object.entries(up.outputs.hosts?.value ?? {})) {
    const f = facts as { osPrettyName: string; kernel: string; arch: string };
    console.log(`main job: ${name}: ${f.osPrettyName}, kernel ${f.kernel}, ${f.arch}`);
  }
}

main().catch((e) => {
  console.error(`main job failed: ${(e as Error).message}`);
  process.exit(1);
});
