import { execFile } from "node:child_process";

/** Runs the local `docker` CLI; resolves with stdout, rejects with its stderr. */
export function docker(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return run("docker", args, opts);
}

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 10 * 60 * 1000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
