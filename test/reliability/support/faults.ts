import type { ExecutionContext } from "ava";
import type { Rig, RigHost } from "../../rig/rig";
import { docker } from "../../rig/docker-cli";
import { waitFor } from "./hosts";

/** The running containers of a host that have a restart policy: `name policy state`, sorted. */
export async function restartingContainers(rig: Rig, h: RigHost): Promise<string[]> {
  const out = await rig.exec(
    h,
    "for c in $(docker ps -aq); do docker inspect -f '{{.Name}} {{.HostConfig.RestartPolicy.Name}} {{.State.Status}}' $c; done | sed 's#^/##' | sort",
  );
  return out.split("\n").filter((l) => / (always|unless-stopped|on-failure) /.test(l));
}

/** daemon.json parsed (undefined when absent); fails the test when it is not valid JSON. */
export async function daemonJson(t: ExecutionContext, rig: Rig, h: RigHost): Promise<Record<string, unknown> | undefined> {
  const text = (await rig.exec(h, "cat /etc/docker/daemon.json 2>/dev/null || echo '@@absent@@'")).trim();
  if (text === "@@absent@@") return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    t.fail(`${h.name}: /etc/docker/daemon.json is not valid JSON:\n${text}`);
    return undefined;
  }
}

/**
 * After a fault and a re-run: docker runs, daemon.json is valid JSON, and every container that
 * had a restart policy before is there and running.
 */
export async function assertNothingLost(t: ExecutionContext, rig: Rig, h: RigHost, containers: string[]): Promise<void> {
  t.is((await rig.exec(h, "systemctl is-active docker")).trim(), "active", `${h.name}: docker is not running`);
  await daemonJson(t, rig, h);
  let now: string[] = [];
  await waitFor(
    `${h.name}'s containers to run`,
    async () => {
      now = await restartingContainers(rig, h);
      return containers.every((c) => now.some((l) => l.startsWith(`${c} `) && l.endsWith(" running")));
    },
    60_000,
  ).catch(() => undefined);
  for (const c of containers) {
    t.true(
      now.some((l) => l.startsWith(`${c} `) && l.endsWith(" running")),
      `${h.name}: container ${c} is lost or not running: ${JSON.stringify(now)}`,
    );
  }
}

/**
 * Gives the hosts fixed addresses that survive a restart of their container: a network of this
 * run with its own subnet, each host connected with a static IP. (On the shared rig network a
 * restarted host can come back on another address when other runs' hosts took its old one.)
 * Returns the hosts with those addresses, and the network's name, for `removePinned`.
 */
export async function pinAddresses(rig: Rig, hosts: RigHost[]): Promise<{ hosts: RigHost[]; network: string }> {
  const network = `dyr-${rig.runId}-pinned`;
  for (let attempt = 0; ; attempt++) {
    const octet = Math.floor(Math.random() * 200) + 20;
    try {
      await docker(["network", "create", ...rig.labels(), "--subnet", `10.213.${octet}.0/24`, network]);
      const pinned = [];
      for (const [i, h] of hosts.entries()) {
        const address = `10.213.${octet}.${10 + i}`;
        await docker(["network", "connect", "--ip", address, network, h.container]);
        pinned.push({ ...h, address });
      }
      return { hosts: pinned, network };
    } catch (e) {
      await removePinned(rig, network);
      if (attempt >= 5) throw e; // the subnet overlapped another network's: try another
    }
  }
}

export async function removePinned(rig: Rig, network: string): Promise<void> {
  for (const h of rig.hosts) await docker(["network", "disconnect", "-f", network, h.container]).catch(() => undefined);
  await docker(["network", "rm", network]).catch(() => undefined);
}

/** Waits until a (re)started rig host has finished booting and answers on its pinned address. */
export async function waitForBoot(rig: Rig, h: RigHost, network: string): Promise<void> {
  await waitFor(
    `${h.name} to boot`,
    async () => /^(running|degraded)$/.test((await rig.exec(h, "systemctl is-system-running 2>/dev/null || true")).trim()),
    120_000,
    500,
  );
  const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, h.container])).trim();
  if (ip !== h.address) throw new Error(`${h.name} came back on ${ip}, not ${h.address}`);
}

/** The `error: user@host:port: ...` lines of a failed run's output, for the test's log. */
export function errorLines(message: string): string {
  return [
    ...new Set(
      message
        .split("\n")
        .filter((l) => /^\s*error: (?:\[DOCKYARD_[A-Z0-9_]+\] )?\S+@\S+:\d+: /.test(l))
        .map((l) => l.trim()),
    ),
  ].join("\n");
}
