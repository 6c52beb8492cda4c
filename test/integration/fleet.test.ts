// The repository's own program (index.ts deploying stacks/local.yaml) on sandbox hosts, exactly as
// `npm run up` runs it: one host installed online from the repository mirror, one offline from the
// bundle, mirrors set, nginx pulled through the mirror and answering on port 80 of each host.
import test from "ava";
import type { FleetHostOutputs } from "pulumi-dockyard";
import type { Rig } from "../rig/rig";
import { startSandbox } from "../../scripts/sandbox";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf } from "./support/programs";

let rig: Rig;
let config: Awaited<ReturnType<typeof startSandbox>>["config"];
/** Lines of the SSH private key found in the exported state after the first up. */
let leakedKeyLines: string[] | undefined;

test.before(async () => {
  await pulumiEngine();
  ({ rig, config } = await startSandbox({}));
});

test.after.always(async () => {
  await rig?.stop();
});

test.serial("stacks/local.yaml: the whole guide on two hosts; a second up and a refresh change nothing; destroy removes the containers", async (t) => {
  const { stack, cleanup } = await testStack("dockyard", "local", require("../../index"));
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
    const state = JSON.stringify(await stack.exportStack());
    // The key's own lines (the first is a header every unencrypted ed25519 key shares).
    const keyLines = rig.privateKey.split("\n").filter((l) => l.length > 40).slice(1);
    leakedKeyLines = keyLines.filter((l) => state.includes(l));

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

// Known failure, found at the end of session 2: the SSH private key of the fleet's hosts shows up
// in plain text in the exported state after `up`. Where it enters is not found yet; to fix first.
test.serial.failing("known failure: the SSH key is not in the state in plain text", (t) => {
  t.not(leakedKeyLines, undefined, "the deployment test ran");
  t.deepEqual(leakedKeyLines, []);
});
