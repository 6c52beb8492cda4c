import { type Distro, detectDistro } from "../model/distro";
import { boundSeconds, type TimeBounds } from "../model/time-bounds";
import type { HostFacts } from "../model/host-facts";
import { forgetHost, type Probe, readHost } from "../remote/host-reads";
import { SshSession } from "../remote/ssh-session";
import { renderDaemonProbe } from "../scripts/daemon-config";
import { renderServiceHealthProbe } from "../scripts/engine-health";
import { renderEngineProbe } from "../scripts/engine-service";
import { renderFactsProbe } from "../scripts/host-facts";
import { type ConnectedInputs, machineIdentity, toConnectionSpec } from "./connection-inputs";

/** The distribution facts name, when it is one Dockyard knows. */
export function knownDistro(facts: HostFacts | undefined): Distro | undefined {
  if (!facts) return undefined;
  const d = detectDistro(facts);
  return typeof d === "string" ? undefined : d;
}

export function factsProbe(bounds: TimeBounds = {}): Probe {
  return { name: "facts", script: renderFactsProbe(boundSeconds(bounds, "engineApiTimeout")), what: "reading host facts" };
}

export function engineProbe(distro: Distro | undefined, bounds: TimeBounds = {}): Probe {
  // The probe and the service health sections (containerd, masks) together.
  return {
    name: "engine",
    script: renderEngineProbe(distro, boundSeconds(bounds, "engineApiTimeout")) + renderServiceHealthProbe(),
    what: "reading the engine's state",
  };
}

export function daemonProbe(bounds: TimeBounds = {}): Probe {
  return { name: "daemon", script: renderDaemonProbe(boundSeconds(bounds, "engineApiTimeout")), what: "reading daemon.json" };
}

export interface HostReading {
  facts: Promise<string>;
  /** Only when facts were given: the engine probe depends on the package manager. */
  engine?: Promise<string>;
  daemon: Promise<string>;
}

/**
 * What `diff` and `read` compare against: the host's facts, engine state and daemon.json, read in
 * one round trip the first time any resource of the host asks in this run and shared by all of
 * them (src/remote/host-reads.ts). `facts` chooses the engine probe's package manager: the
 * facts in the resource's state, or the ones HostFacts hands on; without them the engine is
 * not read.
 */
export async function readHostState(inputs: ConnectedInputs, facts: HostFacts): Promise<Required<HostReading>>;
export async function readHostState(inputs: ConnectedInputs, facts: undefined): Promise<HostReading>;
export async function readHostState(inputs: ConnectedInputs, facts: HostFacts | undefined): Promise<HostReading> {
  const session = await SshSession.for(toConnectionSpec(inputs));
  const machine = machineIdentity(inputs.connection);
  if (!facts) {
    const [f, d] = readHost(session, machine, [factsProbe(inputs.connection), daemonProbe(inputs.connection)]);
    return { facts: f, daemon: d };
  }
  const [f, e, d] = readHost(session, machine, [
    factsProbe(inputs.connection),
    engineProbe(knownDistro(facts), inputs.connection),
    daemonProbe(inputs.connection),
  ]);
  return { facts: f, engine: e, daemon: d };
}

/** Drops the reads of the machine a resource is on: it is about to change, or just changed. */
export function hostChanging(inputs: unknown): void {
  const c = (inputs as Partial<ConnectedInputs> | undefined)?.connection;
  if (c && typeof c.host === "string") forgetHost(machineIdentity(c));
}
