import { execFileSync } from "node:child_process";

/** Runs shellcheck on a generated script; returns its findings ("" when clean). */
export function shellcheck(script: string, shell: "sh" | "bash" = "sh"): string {
  try {
    execFileSync("shellcheck", ["-s", shell, "-"], { input: script, stdio: ["pipe", "pipe", "pipe"] });
    return "";
  } catch (e) {
    const err = e as { stdout?: Buffer; code?: string; message: string };
    if (err.code === "ENOENT") throw new Error("shellcheck is not installed (apt-get install shellcheck)", { cause: e });
    return err.stdout?.toString() || err.message;
  }
}
