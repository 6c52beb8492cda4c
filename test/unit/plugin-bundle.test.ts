// The plugin's bundles as scripts/build-plugin.ts writes them: a command of custom resources
// loads main.js alone, so what only construct or an AwsHost needs must stay out of it (the
// plugin's start time, paid by every command); the component bundle borrows main.js's SDK.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import test from "ava";
import { buildPlugin } from "../../scripts/build-plugin";

const out = mkdtempSync(path.join(tmpdir(), "dockyard-plugin-"));
const read = (file: string): string => readFileSync(path.join(out, file), "utf8");

test.before(async () => {
  await buildPlugin(out);
});
test.after.always(() => rmSync(out, { recursive: true, force: true }));

test("main.js holds neither the components, @pulumi/aws nor the EC2 SDK, and requires their bundles beside it", (t) => {
  const main = read("main.js");
  t.false(main.includes("node_modules/@pulumi/aws/"), "@pulumi/aws is in main.js");
  t.false(main.includes("node_modules/@aws-sdk/client-ec2/"), "the EC2 SDK is in main.js");
  t.false(main.includes("src/plugin/components.ts"), "the component table is in main.js");
  t.regex(main, /require\("\.\/components\.js"\)/);
  t.regex(main, /require\("\.\/client-ec2\.js"\)/);
  // A third of the single bundle it replaced (16 MB): a regression adds megabytes, not bytes.
  t.true(statSync(path.join(out, "main.js")).size < 6_000_000, `main.js is ${statSync(path.join(out, "main.js")).size} bytes`);
});

test("components.js borrows @pulumi/pulumi and the built-component table from main.js instead of carrying copies", (t) => {
  const components = read("components.js");
  t.true(components.includes("node_modules/@pulumi/aws/"));
  t.false(components.includes("node_modules/@pulumi/pulumi/"), "a second copy of the SDK is in components.js");
  t.false(components.includes("src/plugin/live.ts"), "a second table of built components is in components.js");
  t.true(components.includes(`globalThis[Symbol.for("pulumi-dockyard.plugin.shared")]("@pulumi/pulumi")`));
});

test("the wrapper starts start.js, which runs this build's main.js through the code cache, keyed by main.js's hash", (t) => {
  t.regex(read("pulumi-resource-dockyard"), /exec node [^\n]*"\$here\/start\.js" "\$@"/);
  const start = read("start.js");
  t.true(
    start.includes(
      createHash("sha256")
        .update(readFileSync(path.join(out, "main.js")))
        .digest("hex"),
    ),
  );
  t.true(start.length < 20_000, "start.js is the loader only");
});
