// Builds the provider plugin `pulumi-resource-dockyard` into plugin/: start.js (what the wrapper
// starts: main.js through a per-user code cache, src/plugin/code-cache.ts), main.js (src/plugin/main.ts
// and everything the resources load, bundled: the plugin starts in about half the time of loose
// modules), the bundles it loads on first use (LAZY) and the sh wrapper the engine starts. `--tarball` also packs dockyard-<version>.tgz, which
// `pulumi plugin install resource dockyard <version> --file <tarball>` installs.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { build, type Plugin } from "esbuild";
import { SHARED_KEY, SHARED_MODULES } from "../src/plugin/shared";

const REPO = path.resolve(__dirname, "..");
const OUT = path.join(REPO, "plugin");
const BINARY = "pulumi-resource-dockyard";

// Resolves its own directory, so it runs from the npm package, a plugin install or a path. It
// starts start.js, which runs main.js with the per-user code cache (src/plugin/code-cache.ts).
// A small young generation (1 MiB semi-spaces, V8's default is up to 16): the provider's garbage
// is short-lived buffers of SSH traffic, and a smaller nursery keeps its peak memory about 10 MiB
// lower at the same speed (bench, 5 hosts).
const WRAPPER = `#!/bin/sh
# The Dockyard provider plugin: node on the bundle beside this file.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec node --max-semi-space-size=1 "$here/start.js" "$@"
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

/**
 * What main.js loads only on first use, each as a bundle of its own beside main.js: a command of
 * custom resources (every TypeScript program, most runs) parses and runs main.js alone, a third of
 * the code. `request`: the specifier the sources require lazily; `from`: the file requiring it
 * (`undefined`: any); `entry`: what the bundle holds.
 */
const LAZY = [
  // Every component and @pulumi/aws, loaded by dispatch.ts on the first construct; it borrows
  // @pulumi/pulumi and the table of built components from main.js (src/plugin/shared.ts).
  {
    request: "./components",
    from: path.join("src", "plugin", "dispatch.ts"),
    file: "components.js",
    entry: path.join(REPO, "src", "plugin", "components.ts"),
  },
  // The EC2 API, loaded by src/remote/ec2-console.ts for an AwsHost's host key only.
  { request: "@aws-sdk/client-ec2", from: undefined, file: "client-ec2.js", entry: require.resolve("@aws-sdk/client-ec2") },
] as const;

// Each lazy request stays a require of its bundle beside main.js.
const lazyApart: Plugin = {
  name: "lazy-apart",
  setup(b) {
    for (const lazy of LAZY) {
      const filter = new RegExp(`^${lazy.request.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`);
      b.onResolve({ filter }, (args) =>
        lazy.from === undefined || args.importer.endsWith(lazy.from) ? { path: `./${lazy.file}`, external: true } : undefined,
      );
    }
  },
};

// The component bundle's imports of what main.js lends resolve to the lent copy; an import of the
// SDK that main.js does not lend fails the build, naming the table to add it to.
const borrowShared: Plugin = {
  name: "borrow-shared",
  setup(b) {
    b.onResolve({ filter: /^(@pulumi\/pulumi(\/.*)?|\.\/live)$/ }, (args) => {
      if (args.path === "./live" && !args.importer.endsWith(path.join("src", "plugin", "components.ts"))) return undefined;
      if (!(args.path in SHARED_MODULES)) {
        return {
          errors: [
            { text: `components.js imports ${args.path}, which main.js does not lend: add it to SHARED_MODULES (src/plugin/shared.ts)` },
          ],
        };
      }
      return { path: args.path, namespace: "shared" };
    });
    b.onLoad({ filter: /.*/, namespace: "shared" }, (args) => ({
      contents: `module.exports = globalThis[Symbol.for(${JSON.stringify(SHARED_KEY)})](${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

function bundle(out: string, entry: string, outfile: string, plugins: Plugin[], define: Record<string, string> = {}): Promise<unknown> {
  return build({
    define,
    entryPoints: [entry],
    outfile: path.join(out, outfile),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    plugins: [typescriptStub, ...plugins],
    // Whitespace and syntax only (names stay, for readable stack traces): a third less to parse at
    // every start.
    minifyWhitespace: true,
    minifySyntax: true,
    // ssh2's optional native parts: required inside try/catch, so absent they leave ssh2 on its
    // JavaScript code (as on a machine where they did not compile). node-gyp: only for npm scripts,
    // which the plugin never runs.
    external: ["cpu-features", "*.node", "node-gyp/bin/node-gyp.js"],
  });
}

/** Builds the plugin into `out` (emptied first): the wrapper, main.js and the LAZY bundles. */
export async function buildPlugin(out: string): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await Promise.all([
    bundle(out, path.join(REPO, "src", "plugin", "main.ts"), "main.js", [lazyApart]),
    ...LAZY.map((lazy) => bundle(out, lazy.entry, lazy.file, lazy.file === "components.js" ? [borrowShared] : [])),
  ]);
  // start.js knows main.js's hash: its code cache is of this build's main.js only.
  const mainHash = createHash("sha256")
    .update(readFileSync(path.join(out, "main.js")))
    .digest("hex");
  await bundle(out, path.join(REPO, "src", "plugin", "start.ts"), "start.js", [], { MAIN_SHA256: JSON.stringify(mainHash) });
  writeFileSync(path.join(out, BINARY), WRAPPER);
  chmodSync(path.join(out, BINARY), 0o755);
}

async function main(): Promise<void> {
  await buildPlugin(OUT);
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
  execFileSync("tar", ["-czf", tarball, "-C", from, BINARY, "start.js", "main.js", ...LAZY.map((lazy) => lazy.file)]);
  return tarball;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
