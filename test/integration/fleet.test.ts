// The repository's own program (index.ts deploying stacks/local.yaml) on sandbox hosts, exactly as
// `npm run up` runs it: one host installed online from the repository mirror, one offline from the
// bundle, mirrors set, nginx pulled through the mirror and answering on port 80 of each host.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import test from "ava";
import type { FleetHostOutputs } from "pulumi-dockyard";
import type { Rig } from "../rig/rig";
import { startSandbox } from "../../scripts/sandbox";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf } from "./support/programs";

let rig: Rig;
let config: Awaited<ReturnType<typeof startSandbox>>["config"];
/** Pulumi's mark on a secret value in a deployment (the exported form carries it with the plaintext). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Paths in `node` whose strings contain one of `needles` outside a secret envelope. */
function plainPaths(node: unknown, needles: string[], at = ""): string[] {
  if (typeof node === "string") return needles.some((n) => node.includes(n)) ? [at] : [];
  if (!node || typeof node !== "object") return [];
  if (Object.values(node).includes(SECRET_SIG)) return [];
  return Object.entries(node).flatMap(([k, v]) => plainPaths(v, needles, `${at}.${k}`));
}

/** Every file under `dir` (the file backend: current state, history, backups). */
const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());

test.before(async () => {
  await pulumiEngine();
  ({ rig, config } = await startSandbox({}));
});

test.after.always(async () => {
  await rig?.stop();
});

test("stacks/local.yaml: the whole guide on two hosts; the SSH key only encrypted in state; a second up and a refresh change nothing; destroy removes the containers", async (t) => {
  const { stack, backendDir, cleanup } = await testStack("dockyard", "local", require("../../index"));
  try {
    await stack.setAllConfig(config);
    const up = await stack.up();
    const hosts = up.outputs.hosts.value as Record<string, FleetHostOutputs>;
    t.deepEqual(Object.keys(hosts).sort(), ["offline-1", "online-1"]);
    for (const [name, h] of Object.entries(hosts)) {
      t.deepEqual(h.mirrors, [`${config["dockyard:sandboxRegistryMirror"].value}/`], `${name}: docker info shows the mirror`);
      t.is(h.containers["nginx-container"].state, "running");
      const res = await fetch(`http://${h.containers["nginx-container"].endpoints[0]}/`);
      t.is(res.status, 200, `${name} answers on port 80`);
      t.regex(await res.text(), /Welcome to nginx!/);
    }
    const [online, offline] = rig.hosts;
    t.regex(await rig.exec(online, "dpkg-query -W -f='${Version}' docker-ce"), /^5:25\.0\.3-1/, "online-1: docker-ce 25.0.3 from the mirror");
    t.is((await rig.exec(offline, "test -f /etc/systemd/system/docker.service && ls /usr/bin/dockerd")).trim(), "/usr/bin/dockerd", "offline-1: unpacked bundle + unit");
    // The key's own lines (the first is a header every unencrypted ed25519 key shares).
    const keyLines = rig.privateKey.split("\n").filter((l) => l.length > 40).slice(1);
    t.true(keyLines.length > 0);
    const stateFiles = filesUnder(backendDir);
    t.true(stateFiles.some((f) => f.endsWith("local.json")), "the stack's state file is among those read");
    for (const f of stateFiles) {
      const text = readFileSync(f, "utf8");
      t.false(keyLines.some((l) => text.includes(l)), `${path.relative(backendDir, f)} holds the SSH key in plain text`);
    }
    // Automation's export decrypts (--show-secrets): the key may only appear inside secret envelopes.
    t.deepEqual(plainPaths(await stack.exportStack(), keyLines), [], "the key outside a secret in the deployment");
    t.false(keyLines.some((l) => up.stdout.includes(l) || up.stderr.includes(l)), "the key in the output of up");

    t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");
    const refresh = await stack.refresh();
    t.deepEqual(changesOf(refresh.summary), {}, "refresh finds no drift");

    await stack.destroy();
    for (const h of rig.hosts) {
      t.is((await rig.exec(h, "docker ps -aq --filter name=nginx-container")).trim(), "", `${h.name}: nginx-container removed`);
    }
  } finally {
    await cleanup();
  }
});
