import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { links, read } from "./support/markdown";

const REPO = path.resolve(__dirname, "..", "..");

test("npm pack holds the built code with types, the schema and the docs, and no tests or sources", (t) => {
  // --ignore-scripts: list what `files` selects from the current build, without rebuilding it.
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: REPO, encoding: "utf8" });
  const files = (JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path);
  for (const f of [
    "dist/src/index.js",
    "dist/src/index.d.ts",
    "dist/src/providers/index.js",
    "dist/src/fleet/fleet.d.ts",
    "dist/src/aws/aws-host.d.ts",
    "schema/fleet.schema.json",
    "schema.json",
    "README.md",
    "CHANGELOG.md",
    "package.json",
  ]) {
    t.true(files.includes(f), `${f} is in the package`);
  }
  t.deepEqual(
    files.filter((f) => /(^|\/)test\/|\.test\.|(^|\/)bench\/|\.ts$/.test(f) && !f.endsWith(".d.ts")),
    [],
    "no tests, benchmarks or TypeScript sources",
  );
  t.deepEqual(
    files.filter((f) => /^(stacks|examples|\.pulumi-state|\.rig)\//.test(f)),
    [],
    "nothing of this repository's own deployments",
  );
  // npm shows the README; the pages it links to travel with it.
  const pages = [
    ...new Set(
      links(read("README.md"))
        .map((l) => l.target.split("#")[0])
        .filter((f) => f.endsWith(".md") && !/^[a-z]+:/i.test(f)),
    ),
  ];
  t.true(pages.includes("docs/testing.md") && pages.includes("CONTRIBUTING.md"), pages.join(", "));
  t.deepEqual(
    pages.filter((f) => !files.includes(f)),
    [],
    "pages the README links to that are not in the package",
  );
});

test("the Pulumi SDK and providers are peers, so a user's project holds one copy; their lowest version is the one pinned for our own tests", (t) => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8"));
  for (const name of ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/docker", "@aws-sdk/client-ec2"]) {
    t.is(pkg.dependencies[name], undefined, `${name} is not a dependency`);
    const lowest = /^>=(\d+\.\d+\.\d+) <\d+$/.exec(pkg.peerDependencies[name] ?? "")?.[1];
    t.is(lowest, pkg.devDependencies[name], `${name}: the peer range starts at the version the tests pin`);
  }
});

test("the EC2 SDK (AwsHost's console read) is an optional peer: programs without AWS hosts never install or load it", (t) => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8"));
  t.true(pkg.peerDependenciesMeta?.["@aws-sdk/client-ec2"]?.optional);
});
