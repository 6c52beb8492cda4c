/** Joins script lines under `set -eu`, so a failing step stops the script. */
export function script(...lines: (string | false | undefined)[]): string {
  return ["set -eu", ...lines.filter((l): l is string => typeof l === "string")].join("\n") + "\n";
}
