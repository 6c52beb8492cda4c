import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type ProjectSettings, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";

/** The repository's root. */
export const REPO = path.resolve(__dirname, "..", "..", "..");
/** The passphrase of test stacks. Sandbox only: these stacks hold throwaway rig keys. */
export const SANDBOX_PASSPHRASE = "dockyard-sandbox-only";

let enginePromise: Promise<PulumiCommand> | undefined;

/*
 * An inline program runs in the test's own process. When an update fails, the engine exits while
 * the program still has calls to the resource monitor in flight; those reject with gRPC
 * UNAVAILABLE/CANCELLED and nobody awaits them (pulumi/pulumi#10744). A program that throws an
 * InputPropertyError (bad input, on purpose in these tests) has it reported to the engine, which
 * fails the update, and also left unhandled in the process. Neither says anything about the
 * test, so they are dropped here; every other unhandled rejection still reaches ava.
 */
const GRPC_AFTER_ENGINE_EXIT = new Set([1, 14]); // CANCELLED, UNAVAILABLE
process.on("unhandledRejection", (reason: unknown, promise: Promise<unknown>) => {
  const r = reason as { code?: unknown; details?: unknown; propertyPath?: unknown } | undefined;
  const grpc = typeof r?.code === "number" && GRPC_AFTER_ENGINE_EXIT.has(r.code) && typeof r.details === "string";
  const inputError = typeof r?.propertyPath === "string";
  // Handling it late makes Node emit 'rejectionHandled', which takes it off ava's list.
  if (grpc || inputError) promise.catch(() => undefined);
});

/**
 * The real Pulumi CLI, from scripts/pulumi-engine (builds it on first use). Rejects with the
 * script's own output when no CLI can be had, so a test that needs it fails loudly.
 */
export function pulumiEngine(): Promise<PulumiCommand> {
  enginePromise ??= new Promise<string>((resolve, reject) => {
    execFile(path.join(REPO, "scripts", "pulumi-engine"), { timeout: 40 * 60 * 1000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/pulumi-engine could not provide a Pulumi CLI:\n${stderr}`));
      else resolve(stdout.trim().split("\n").pop()!);
    });
  }).then((bin) => PulumiCommand.get({ root: path.dirname(bin) }));
  return enginePromise;
}

export interface TestStack {
  stack: Stack;
  backendDir: string;
  /** Destroys nothing: removes the stack from its backend and the local state directory. */
  cleanup(): Promise<void>;
}

/** An inline-program stack on its own local file backend, run by the real CLI. */
export async function testStack(projectName: string, stackName: string, program: PulumiFn): Promise<TestStack> {
  const pulumiCommand = await pulumiEngine();
  const backendDir = mkdtempSync(path.join(os.tmpdir(), "dockyard-state-"));
  // The program runs from inside the repo, so the dynamic-provider host resolves
  // `pulumi-dockyard` from the repo's node_modules as it would from a user's project.
  const workDir = path.join(REPO, ".pulumi-work", `${projectName}-${stackName}-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  // `plugins` is a project setting the SDK's type does not list; it is written to Pulumi.yaml as is.
  const projectSettings: ProjectSettings & { plugins: { providers: { name: string; path: string }[] } } = {
    name: projectName,
    runtime: "nodejs",
    backend: { url: `file://${backendDir}` },
    // The provider plugin this checkout builds (npm run build); automatic acquisition stays off.
    plugins: { providers: [{ name: "dockyard", path: path.join(REPO, "plugin") }] },
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { projectName, stackName, program },
    {
      pulumiCommand,
      workDir,
      projectSettings,
      envVars: {
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: SANDBOX_PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      },
    },
  );
  return {
    stack,
    backendDir,
    async cleanup() {
      await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
      rmSync(backendDir, { recursive: true, force: true });
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
