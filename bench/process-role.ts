import * as path from "node:path";

/**
 * What a process under the bench's program is, for its memory. The provider plugin (node on the
 * plugin's start.js) and the dynamic-provider host (node on @pulumi/pulumi's cmd/dynamic-provider)
 * are both `node` by command name, so they are told apart, and from any other node, by their
 * script argument: `provider:plugin`, `provider:dynamic`, else the command name.
 * `pluginMain` is the plugin's start.js, what its wrapper runs (real path); `real` resolves a path's symlinks.
 */
export function processRole(comm: string, argv: string[], pluginMain: string | undefined, real: (p: string) => string = (p) => p): string {
  if (comm !== "node") return comm;
  const script = argv.slice(1).find((a) => !a.startsWith("-"));
  if (script === undefined) return comm;
  if (pluginMain !== undefined && real(path.resolve(script)) === pluginMain) return "provider:plugin";
  if (/\/@pulumi\/pulumi\/cmd\/dynamic-provider(\/(index\.js)?)?$/.test(script)) return "provider:dynamic";
  return comm;
}

/** The provider roles processRole gives, with the names the results use. */
export const PROVIDER_ROLES = { "provider:plugin": "plugin", "provider:dynamic": "dynamic" } as const;
