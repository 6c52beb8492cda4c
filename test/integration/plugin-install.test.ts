// The plugin installed the way providers are installed offline: the tarball `npm run
// plugin:tarball` packs (scripts/build-plugin.ts `packPlugin`, from this checkout's build), put
// into a fresh PULUMI_HOME by `pulumi plugin install resource dockyard <version> --file`, then a
// program whose Pulumi.yaml names no plugin path uses a resource by its token and version, through
// the `pulumi` CLI, automatic plugin acquisition off. A Certificate needs no machine.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import { packPlugin } from "../../scripts/build-plugin";
import { PulumiCli, pulumiBin } from "../../scripts/pulumi-cli";
import { pulumiEngine, SANDBOX_PASSPHRASE } from "./support/engine";

const REPO = path.resolve(__dirname, "..", "..");
const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
// Inside the repository, so the program finds @pulumi/pulumi as a user's project finds its own.
const work = path.join(REPO, ".pulumi-work", `plugin-install-${process.pid}`);

test.before(async () => {
  await pulumiEngine();
  mkdirSync(work, { recursive: true });
});
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
class Certificate extends pulumi.CustomResource {
  constructor(name, args) {
    super("dockyard:index:Certificate", name, { ...args, caCertificate: undefined, certificate: undefined, privateKey: undefined }, { version: "${version}" });
  }
}
const cert = new Certificate("ca", { names: ["registry.internal"], days: 30 });
exports.certificate = cert.certificate;
exports.privateKey = cert.privateKey;
`;

test("the plugin tarball installs with pulumi plugin install --file and serves a program that names only its version", async (t) => {
  const home = path.join(work, "pulumi-home");
  const tarball = packPlugin(path.join(REPO, "plugin"), work);
  t.is(path.basename(tarball), `dockyard-${version}.tgz`);
  const env = { ...process.env, PATH: `${pulumiBin()}:${process.env.PATH ?? ""}`, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" };
  execFileSync("pulumi", ["plugin", "install", "resource", "dockyard", version, "--file", tarball, "--non-interactive"], {
    env,
    stdio: "pipe",
  });
  t.deepEqual(
    readdirSync(path.join(home, "plugins")).filter((d) => d.startsWith("resource-dockyard") && !d.endsWith(".lock")),
    [`resource-dockyard-v${version}`],
  );

  const dir = path.join(work, "project");
  mkdirSync(dir);
  writeFileSync(path.join(dir, "Pulumi.yaml"), "name: plugin-install\nruntime: nodejs\n");
  writeFileSync(path.join(dir, "index.js"), PROGRAM);
  // Its own package.json, or the runtime would take the repository's `main` for the program.
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "plugin-install", private: true, main: "index.js" }));
  const backend = path.join(work, "state");
  mkdirSync(backend);
  const cli = new PulumiCli({
    cwd: dir,
    stack: "dev",
    backendUrl: `file://${backend}`,
    passphrase: SANDBOX_PASSPHRASE,
    env: { PULUMI_HOME: home },
  });
  await cli.selectOrCreate();
  const up = await cli.run(["up", "--yes"]);
  t.is(up.code, 0, `up:\n${up.stdout.slice(-3000)}\n${up.stderr}`);
  const outputs = await cli.outputs();
  t.regex(String(outputs.certificate), /^-----BEGIN CERTIFICATE-----/);
  t.is(outputs.privateKey, "[secret]", "the private key is a secret output");
  const state = readFileSync(path.join(backend, ".pulumi", "stacks", "plugin-install", "dev.json"), "utf8");
  t.false(state.includes("PRIVATE KEY"), "and is encrypted in the state");
  t.true(
    state.includes(`pulumi:providers:dockyard::default_${version.replace(/\./g, "_")}`),
    "served by the installed plugin's default provider",
  );

  const preview = await cli.run(["preview", "--expect-no-changes"]);
  t.is(preview.code, 0, `preview:\n${preview.stdout.slice(-3000)}\n${preview.stderr}`);
  const destroy = await cli.run(["destroy", "--yes"]);
  t.is(destroy.code, 0, `destroy:\n${destroy.stdout.slice(-3000)}\n${destroy.stderr}`);
});
