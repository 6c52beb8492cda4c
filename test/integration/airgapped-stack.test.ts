import test from "ava";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import { Fleet, type FleetHostOutputs } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { ensureInternalNetwork, fetchWithin, Rig, type RigHost, smallImageTags } from "../rig/rig";
import { REPO, pulumiEngine, testStack } from "./support/engine";
import { changesOf } from "./support/programs";

// stacks/airgapped.yaml as the repository ships it, on hosts of an `--internal` network (no route
// to any registry; this machine reaches them over SSH): only what names the user's machines is
// replaced (addresses, host keys, the bundle and archive paths with their checksums, nginx's
// source registry, which is the rig's instead of Docker Hub). Every host's engine comes offline,
// the registry's image from a `docker save` archive, nginx as a controller copy; the private
// registry with generated TLS and a password is trusted and logged in to by every host.
const run = promisify(execFile);
let rig: Rig;
let pkgs: DockerPackages;
let registry1: RigHost;
let app1: RigHost;
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-airgapped-"));
const PASSWORD = "airgapped-registry-pw-5150";

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 0, registry: true }), ensureDockerPackages()]);
  const network = await ensureInternalNetwork(rig, "airgapped");
  [registry1, app1] = await Promise.all([rig.addHost("registry1", { network }), rig.addHost("app1", { network }), rig.pushNginx("1.25")]);
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** `docker save` of the rig's registry stand-in as `registry:2.8.3`, the archive the stack names. */
async function registryArchive(): Promise<{ file: string; sha256: string }> {
  const file = path.join(work, "registry-2.8.3.tar");
  await run("docker", ["tag", smallImageTags().registry, "registry:2.8.3"]);
  await run("docker", ["save", "-o", file, "registry:2.8.3"]);
  await run("docker", ["rmi", "registry:2.8.3"]);
  return { file, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") };
}

/** The shipped fleet file with the rig's machines in it, and what it names that is not a machine. */
function rigFleetFile(archive: { file: string; sha256: string }): string {
  const doc = parseDocument(readFileSync(path.join(REPO, "stacks", "airgapped.yaml"), "utf8"));
  // The rig's hosts log in as root with the rig key (the stack's `ops` with sudo is a user's choice).
  doc.setIn(["defaults", "user"], "root");
  doc.deleteIn(["defaults", "sudo"]);
  doc.setIn(["defaults", "engine", "bundle"], pkgs.bundle);
  doc.setIn(["defaults", "engine", "bundleSha256"], pkgs.bundleSha256);
  // Two hosts, registry1 and app1: app2 is app1 again.
  const hosts = [registry1, app1];
  doc.setIn(
    ["hosts"],
    doc.createNode(
      (doc.getIn(["hosts"]) as { toJSON(): { name: string; groups?: string[] }[] })
        .toJSON()
        .slice(0, 2)
        .map((h, i) => ({ ...h, address: hosts[i].address, hostKey: hosts[i].hostKey })),
    ),
  );
  doc.setIn(["images", 0, "source", "archive"], archive.file);
  doc.setIn(["images", 0, "source", "sha256"], archive.sha256);
  // Docker Hub stands for any registry this machine reaches and the hosts do not: here the rig's.
  doc.setIn(["images", 1, "source", "from"], `${rig.registry!.local}/library/nginx:1.25`);
  doc.setIn(["images", 1, "source", "insecure"], true);
  doc.setIn(["credentials", 0, "server"], `${registry1.address}:5000`);
  // `shop` runs the user's own application image, pushed to the intranet registry by their CI.
  const containers = (doc.getIn(["containers"]) as { toJSON(): { name: string }[] }).toJSON().filter((c) => c.name !== "shop");
  doc.setIn(["containers"], doc.createNode(containers));
  const file = path.join(work, "airgapped.yaml");
  writeFileSync(file, doc.toString());
  return file;
}

test.serial(
  "stacks/airgapped.yaml on hosts with no route to a registry: offline engines, the registry from its archive with TLS and a password, nginx copied by this machine answering on port 80; a second up changes nothing",
  async (t) => {
    for (const h of [registry1, app1]) {
      const reach = await rig.exec(h, `curl -s -m 5 -o /dev/null http://${rig.registry!.address}/v2/ && echo reached || echo unreachable`);
      t.is(reach.trim(), "unreachable", `${h.name} must not reach the rig's registry`);
    }
    const fleetFile = rigFleetFile(await registryArchive());
    const config: Record<string, string> = { sshPrivateKey: rig.privateKey, registryPassword: PASSWORD };
    const { stack, cleanup } = await testStack("dockyard-airgapped", "intranet", async () => {
      const fleet = new Fleet("airgapped", { file: fleetFile, config: (k, secret) => (secret ? pulumi.secret(config[k]) : config[k]) });
      return { hosts: fleet.outputs };
    });
    try {
      const up = await stack.up();
      const hosts = up.outputs.hosts.value as Record<string, FleetHostOutputs>;
      t.deepEqual(Object.keys(hosts).sort(), ["app1", "registry1"]);
      t.is(hosts.app1.containers.web.state, "running");
      t.is(hosts.registry1.registries.intranet, `${registry1.address}:5000`);
      // nginx on port 80, from this machine.
      const res = await fetchWithin(`http://${app1.address}:80/`, 10_000);
      t.is(res.status, 200);
      // The registry runs the archive's image; it asks for the password over TLS the hosts trust.
      const running = await rig.exec(registry1, "docker inspect -f '{{.Image}}' $(docker ps -q --filter publish=5000)");
      t.is(running.trim(), (await rig.exec(registry1, "docker image inspect -f '{{.Id}}' registry:2.8.3")).trim());
      const v2 = await rig.exec(
        app1,
        `curl -s -o /dev/null -w '%{http_code}' https://${registry1.address}:5000/v2/ --cacert /etc/docker/certs.d/${registry1.address}:5000/ca.crt`,
      );
      t.is(v2.trim(), "401", "TLS trusted, password asked");
      t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");
      await stack.destroy();
      t.is((await rig.exec(app1, "docker ps -q --filter name=^web$")).trim(), "", "destroy removed nginx");
    } finally {
      await cleanup();
    }
  },
);
