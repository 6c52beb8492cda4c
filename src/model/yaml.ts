import type * as Yaml from "yaml";

let loaded: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded when a compose file or cloud-init is first read or written: some 70
 * modules and about 50 ms at the start of every program, which most programs never use.
 */
export function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require("yaml") as typeof Yaml);
}
