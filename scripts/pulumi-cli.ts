// The `pulumi` CLI run on a program directory, as a user runs it: the main job and the tests that
// come in through that door use it. Config values go in on stdin, never on the command line, so
// neither a process list nor an error message ever holds a secret.
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";

const REPO = path.resolve(__dirname, "..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface PulumiCliOptions {
  /** The program directory (holds Pulumi.yaml). */
  cwd: string;
  /** Stack every command runs on (`--stack`). */
  stack: string;
  /** State backend URL, e.g. `file:///abs/dir`. */
  backendUrl: string;
  passphrase: string;
  /** bin/ with pulumi and its language host; scripts/pulumi-engine by default. */
  bin?: string;
  /** More environment, e.g. PULUMI_PARALLEL_DIFF. */
  env?: Record<string, string>;
  /** Where commands run with `{ echo: true }` copy their output as it comes (the main job shows it). */
  echo?: (chunk: string) => void;
}

/** bin/ of the pinned CLI and language host (built on first use). */
export function pulumiBin(): string {
  return execFileSync(path.join(REPO, "scripts", "pulumi-engine"), { stdio: ["ignore", "pipe", "inherit"], timeout: 40 * 60 * 1000 })
    .toString()
    .trim()
    .split("\n")
    .pop()!;
}

export interface RunOptions {
  /** Given to the CLI on stdin (config values). */
  input?: string;
  /** Copy the output to the `echo` of the options as it comes. */
  echo?: boolean;
  /** More environment for this command only (e.g. DOCKYARD_TRACE). */
  env?: Record<string, string>;
}

export class PulumiCli {
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly opts: PulumiCliOptions) {
    const bin = opts.bin ?? pulumiBin();
    this.env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      PULUMI_BACKEND_URL: opts.backendUrl,
      PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      ...opts.env,
    };
    delete this.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  }

  /** Runs `pulumi <args> --stack <stack> --non-interactive`; never throws for a non-zero exit. */
  run(args: string[], how: RunOptions = {}): Promise<CliResult> {
    const full = [...args, "--stack", this.opts.stack, "--non-interactive"];
    const echo = how.echo ? this.opts.echo : undefined;
    return new Promise((resolve, reject) => {
      const env = how.env ? { ...this.env, ...how.env } : this.env;
      const child = spawn("pulumi", full, { cwd: this.opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        echo?.(d.toString());
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        echo?.(d.toString());
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(how.input ?? "");
    });
  }

  /** Like `run`, but a non-zero exit is an error naming the command (never a value given on stdin). */
  async ok(args: string[], how: RunOptions = {}): Promise<CliResult> {
    const res = await this.run(args, how);
    if (res.code !== 0) {
      const tail = (res.stderr.trim() || res.stdout.trim()).split("\n").slice(-15).join("\n");
      throw new Error(`pulumi ${args.join(" ")} (stack ${this.opts.stack}) exited with ${res.code}:\n${tail}`);
    }
    return res;
  }

  /** Selects the stack, creating it (with the passphrase secrets provider) when it is new. */
  async selectOrCreate(): Promise<void> {
    const sel = await this.run(["stack", "select"]);
    if (sel.code !== 0) await this.ok(["stack", "init", "--secrets-provider", "passphrase"]);
  }

  /** Sets config values one by one, each read by the CLI from stdin. */
  async setConfig(config: Record<string, { value: string; secret?: boolean }>): Promise<void> {
    for (const [key, { value, secret }] of Object.entries(config)) {
      await this.ok(["config", "set", secret ? "--secret" : "--plaintext", "--raw", key], { input: value });
    }
  }

  /** Changes the last update made, without `same` (from `pulumi stack history`). */
  async lastChanges(): Promise<Record<string, number>> {
    const res = await this.ok(["stack", "history", "--json", "--page-size", "1"]);
    const [last] = JSON.parse(res.stdout) as { resourceChanges?: Record<string, number> }[];
    const changes = { ...(last?.resourceChanges ?? {}) };
    delete changes.same;
    return changes;
  }

  /** The stack's outputs (secrets stay masked). */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.ok(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  }
}
