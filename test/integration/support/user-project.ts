// A user's TypeScript Pulumi project with Dockyard from a packed tarball: what the packed-package
// and upgrade tests install, as a team would (its own @pulumi/pulumi, npm install).
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** The one documented line: the plugin the package carries. */
export const PLUGIN_LINE = "plugins:\n  providers:\n    - name: dockyard\n      path: node_modules/pulumi-dockyard/plugin\n";

export interface UserProject {
  name: string;
  /** The `pulumi-dockyard` tarball to install. */
  tarball: string;
  /** The project's own @pulumi/pulumi version. */
  sdk: string;
  /** index.ts */
  program: string;
  /** Whether Pulumi.yaml names the package's plugin (0.3.0 needed none). */
  withPlugin: boolean;
}

/** Writes (or rewrites) the project in `dir` and installs it. */
export function writeUserProject(dir: string, p: UserProject): void {
  mkdirSync(dir, { recursive: true });
  const plugins = p.withPlugin ? PLUGIN_LINE : "";
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${p.name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n${plugins}`);
  const pkg = {
    name: p.name,
    private: true,
    main: "index.ts",
    dependencies: { "@pulumi/pulumi": p.sdk, "pulumi-dockyard": `file:${p.tarball}` },
    devDependencies: { typescript: "5.9.3", "@types/node": "20.19.43" },
  };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2));
  const compilerOptions = {
    strict: true,
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
  };
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["index.ts"] }, null, 2));
  writeFileSync(path.join(dir, "index.ts"), p.program);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel", "error"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 10 * 60 * 1000,
  });
}
