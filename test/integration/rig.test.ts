import test from "ava";
import { docker } from "../rig/docker-cli";
import { Rig, RIG_LABEL, smallImageTags } from "../rig/rig";

test("the rig's registry holds the locally made nginx, reachable from a host, and stop leaves nothing of the run", async (t) => {
  const rig = await Rig.start({ hosts: 1, registry: true });
  try {
    const digest = await rig.pushNginx("1.25");
    t.regex(digest, /^sha256:[0-9a-f]{64}$/);
    const h = rig.hosts[0];
    const headers = await rig.exec(
      h,
      `curl -fsSI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' http://${rig.registry!.address}/v2/library/nginx/manifests/1.25`,
    );
    t.regex(headers, new RegExp(`Docker-Content-Digest: ${digest}`, "i"));

    // The nginx stand-in answers like nginx's welcome page.
    const name = `dyr-${rig.runId}-nginx-check`;
    await docker(["run", "-d", "--name", name, ...rig.labels(), "--network", "dockyard-rig", smallImageTags().nginx]);
    const ip = (await docker(["inspect", "-f", '{{(index .NetworkSettings.Networks "dockyard-rig").IPAddress}}', name])).trim();
    const page = await rig.exec(h, `for i in 1 2 3 4 5 6 7 8 9 10; do curl -fs http://${ip}/ && break; sleep 0.3; done`);
    t.regex(page, /Welcome to nginx!/);
  } finally {
    await rig.stop();
  }
  const left = await docker(["ps", "-aq", "--filter", `label=${RIG_LABEL}.run=${rig.runId}`]);
  const vols = await docker(["volume", "ls", "-q", "--filter", `label=${RIG_LABEL}.run=${rig.runId}`]);
  t.is(left.trim() + vols.trim(), "");
});
