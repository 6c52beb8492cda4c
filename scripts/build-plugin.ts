// Builds the provider plugin `pulumi-resource-dockyard` into plugin/: main.js (src/plugin/main.ts
// and everything it loads, bundled: the plugin starts in about half the time of loose modules)
// and the sh wrapper the engine starts. `--tarball` also packs dockyard-<version>.tgz, which
// `pulumi plugin install resource dockyard <version> --file <tarball>` installs.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { build, type Plugin } from "esbuild";

const REPO = path.resolve(__dirname, "..");
const OUT = path.join(REPO, "plugin");
const BINARY = "pulumi-resource-dockyard";

// Resolves its own directory, so it runs from the npm package, a plugin install or a path.
const WRAPPER = `#!/bin/sh
# The Dockyard provider plugin: node on the bundle beside this file.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec node "$here/main.js" "$@"
`;

// @pulumi/pulumi loads typescript eagerly for closure serialization (dynamic providers), which
// the plugin never does; bundling it would add megabytes, leaving it out fails at start.
const typescriptStub: Plugin = {
  name: "typescript-stub",
  setup(b) {
    b.onResolve({ filter: /^typescript$/ }, () => ({ path: "typescript", namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [path.join(REPO, "src", "plugin", "main.ts")],
    outfile: path.join(OUT, "main.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    plugins: [typescriptStub],
    // Whitespace and syntax only (names stay, for readable stack traces): a third less to parse at
    // every start.
    minifyWhitespace: true,
    minifySyntax: true,
    // ssh2's optional native parts: required inside try/catch, so absent they leave ssh2 on its
    // JavaScript code (as on a machine where they did not compile). node-gyp: only for npm scripts,
    // which the plugin never runs.
    external: ["cpu-features", "*.node", "node-gyp/bin/node-gyp.js"],
  });
  writeFileSync(path.join(OUT, BINARY), WRAPPER);
  chmodSync(path.join(OUT, BINARY), 0o755);
  if (process.argv.includes("--tarball")) {
    const tarball = packPlugin(OUT, REPO);
    const version = path.basename(tarball).slice("dockyard-".length, -".tgz".length);
    console.log(`${path.basename(tarball)}: pulumi plugin install resource dockyard ${version} --file ${path.basename(tarball)}`);
  }
}

/**
 * Packs a built plugin directory into `<into>/dockyard-<version>.tgz`, the files at the tarball's
 * root as `pulumi plugin install resource dockyard <version> --file` expects them; its path.
 */
export function packPlugin(from: string, into: string): string {
  const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
  const tarball = path.join(into, `dockyard-${version}.tgz`);
  execFileSync("tar", ["-czf", tarball, "-C", from, BINARY, "main.js"]);
  return tarball;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
