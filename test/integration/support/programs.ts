import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, Host, type HostArgs } from "pulumi-dockyard";
import type { DockerPackages } from "../../rig/package-server";
import type { Rig, RigHost } from "../../rig/rig";

/** A Host for a rig host: pinned key, rig key as a secret. */
export function rigHost(rig: Rig, h: RigHost, extra: Partial<HostArgs> = {}): Host {
  return new Host(h.name, { address: h.address, privateKey: pulumi.secret(rig.privateKey), hostKey: h.hostKey, ...extra });
}

/** An engine installed from the rig's offline bundle: the fastest way to a running engine, no download. */
export function offlineEngine(name: string, rig: Rig, h: RigHost, pkgs: DockerPackages, opts: { compose?: boolean } = {}): DockerEngine {
  return new DockerEngine(name, {
    host: rigHost(rig, h),
    method: "offline",
    bundle: new pulumi.asset.FileAsset(pkgs.bundle),
    bundleSha256: pkgs.bundleSha256,
    // The compose plugin binary the rig keeps beside the bundle (docker-compose 2.26.1).
    ...(opts.compose ? { composePlugin: new pulumi.asset.FileAsset(pkgs.composeBinary), composePluginSha256: pkgs.composeSha256 } : {}),
  });
}

/** Changes an `up`/`refresh` summary reports, without `same`. */
export function changesOf(summary: { resourceChanges?: Record<string, number> }): Record<string, number> {
  const c = { ...(summary.resourceChanges ?? {}) };
  delete c.same;
  return c;
}

/** What a host looks like from the outside: docker files, repositories, units, packages. */
export async function fingerprint(rig: Rig, h: RigHost): Promise<string> {
  return rig.exec(
    h,
    [
      "ls -la /usr/bin/docker* /usr/bin/containerd* 2>/dev/null || true",
      "ls /etc/apt/sources.list.d /etc/apt/keyrings 2>/dev/null || true",
      "ls /etc/systemd/system 2>/dev/null || true",
      "dpkg-query -W -f='${Package} ${Version} ${Status}\\n' 2>/dev/null | grep -Ei 'docker|containerd|runc' || true",
      "cat /etc/docker/daemon.json 2>/dev/null || true",
    ].join("; "),
  );
}
