// The sandbox that stacks/local.yaml deploys to: two rig hosts, a docker-ce repository mirror with
// the offline bundle, and a registry mirror holding nginx. Used by the main job and by the test
// that runs the main job's program.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import * as path from "node:path";
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { ensureDockerPackages, startPackageServer } from "../test/rig/package-server";
import { Rig } from "../test/rig/rig";

/** Where stacks/local.yaml finds the offline bundle (`../.pulumi-state/sandbox/docker.tgz`). */
export const SANDBOX_DIR = path.resolve(__dirname, "..", ".pulumi-state", "sandbox");

export interface Sandbox {
  rig: Rig;
  /** The stack config stacks/local.yaml reads: addresses, host keys, mirrors, checksum, SSH key. */
  config: ConfigMap;
}

export async function startSandbox(opts: {
  runId?: string;
  label?: string;
  keyPair?: { private: string; public: string };
  log?: (s: string) => void;
}): Promise<Sandbox> {
  const rig = await Rig.start({ hosts: 2, registry: true, ...opts });
  const [packages, pkgs] = await Promise.all([startPackageServer(rig.runId, rig.labels()), ensureDockerPackages(), rig.pushNginx()]);
  mkdirSync(SANDBOX_DIR, { recursive: true });
  const bundle = path.join(SANDBOX_DIR, "docker.tgz");
  if (!existsSync(bundle) || sha256(bundle) !== pkgs.bundleSha256) {
    // Copy then rename: a concurrent reader never sees half a bundle.
    copyFileSync(pkgs.bundle, `${bundle}.${process.pid}`);
    renameSync(`${bundle}.${process.pid}`, bundle);
  }
  const [h1, h2] = rig.hosts;
  return {
    rig,
    config: {
      "dockyard:sshPrivateKey": { value: rig.privateKey, secret: true },
      "dockyard:sandbox1Address": { value: h1.address },
      "dockyard:sandbox1HostKey": { value: h1.hostKey },
      "dockyard:sandbox2Address": { value: h2.address },
      "dockyard:sandbox2HostKey": { value: h2.hostKey },
      "dockyard:sandboxRepoMirror": { value: packages.baseUrl },
      "dockyard:sandboxRepoKeyFingerprint": { value: packages.keyFingerprint },
      "dockyard:sandboxRegistryMirror": { value: `http://${rig.registry!.address}` },
      "dockyard:sandboxBundleSha256": { value: pkgs.bundleSha256 },
    },
  };
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}
