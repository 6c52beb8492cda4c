import test from "ava";
import { processRole } from "../../bench/process-role";

const MAIN = "/repo/plugin/start.js";

test("the plugin and the dynamic-provider host are told apart from other node processes by their script", (t) => {
  t.is(processRole("node", ["node", "/repo/plugin/start.js", "127.0.0.1:4000"], MAIN), "provider:plugin");
  t.is(processRole("node", ["node", "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "127.0.0.1:4000"], MAIN), "provider:dynamic");
  t.is(processRole("node", ["node", "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"], undefined), "provider:dynamic");
  t.is(
    processRole("node", ["node", "--max-old-space-size=4096", "/repo/plugin/start.js"], MAIN),
    "provider:plugin",
    "node's flags are skipped",
  );
  t.is(processRole("node", ["node", "/other/plugin/start.js"], MAIN), "node", "another plugin's start.js is not ours");
  t.is(processRole("node", ["node", "/repo/plugin/start.js"], undefined), "node", "no plugin named: 0.3.0's run");
  t.is(processRole("node", ["node", "/x/cmd/dynamic-provider-ish"], MAIN), "node");
  t.is(processRole("node", [], MAIN), "node", "a process gone before its arguments were read");
  t.is(processRole("pulumi", ["pulumi", "up"], MAIN), "pulumi");
});

test("the plugin is recognised through a symlinked path", (t) => {
  const real = (p: string) => p.replace(/^\/link\//, "/repo/");
  t.is(processRole("node", ["node", "/link/plugin/start.js"], MAIN, real), "provider:plugin");
});
