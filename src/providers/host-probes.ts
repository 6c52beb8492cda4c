import { type Distro, detectDistro } from "../model/distro";
import { boundSeconds, type TimeBounds } from "../model/time-bounds";
import type { HostFacts } from "../model/host-facts";
import { forgetHost, type Probe, readHost } from "../remote/host-reads";
import { SshSession } from "../remote/ssh-session";
import { renderDaemonProbe } from "../scripts/daemon-config";
import { renderServiceHealthProbe } from "../scripts/engine-health";
import { renderEngineProbe } from "../scripts/engine-service";
import { renderFactsProbe } from "../scripts/host-facts";
import { parseWorkloadProbe, renderWorkloadProbe, type WorkloadRead } from "../scripts/workload-read";
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

/** Every container and image of the host with their inspects, for Container's and Image's diff and read. */
export function workloadProbe(bounds: TimeBounds = {}): Probe {
  return {
    name: "workload",
    script: renderWorkloadProbe(boundSeconds(bounds, "engineApiTimeout")),
    what: "reading containers and images",
    late: true,
  };
}

export interface HostReading {
  facts: Promise<string>;
  /** Only when facts were given: the engine probe depends on the package manager. */
  engine?: Promise<string>;
  daemon: Promise<string>;
  /** Only when facts were given, as the engine: the first read of a host in a run (HostFacts' diff) brings it. */
  workload?: Promise<string>;
}

/**
 * What `diff` and `read` compare against: the host's facts, engine state, daemon.json and
 * workload (containers and images), read in one round trip the first time any resource of the
 * host asks in this run and shared by all of them (src/remote/host-reads.ts). `facts` chooses
 * the engine probe's package manager: the facts in the resource's state, or the ones HostFacts
 * hands on; without them the engine and workload are not read (a first run: nothing to compare).
 * The workload probe comes last: its output is the largest, and the others are handed over
 * before it is read.
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
  const [f, e, d, w] = readHost(session, machine, [
    factsProbe(inputs.connection),
    engineProbe(knownDistro(facts), inputs.connection),
    daemonProbe(inputs.connection),
    workloadProbe(inputs.connection),
  ]);
  return { facts: f, engine: e, daemon: d, workload: w };
}

/**
 * The host's containers and images from the run's shared read (src/remote/host-reads.ts): the
 * part of the first read of the host, or, after a change dropped it, a read of its own that the
 * host's other Images and Containers then share. Undefined when the read has nothing to give
 * (docker absent or not answering, too many objects, the probe failed): the caller asks the
 * Engine API as it did before the probe, which says why the engine does not answer
 * (EngineUnavailableError) where refresh and preview need it. A host that cannot be reached
 * fails here as it would there, without a second attempt to connect.
 */
export async function readWorkload(inputs: ConnectedInputs): Promise<WorkloadRead | undefined> {
  const session = await SshSession.for(toConnectionSpec(inputs));
  const [w] = readHost(session, machineIdentity(inputs.connection), [workloadProbe(inputs.connection)]);
  try {
    return parseWorkloadProbe(await w);
  } catch {
    return undefined;
  }
}

/** Drops the reads of the machine a resource is on: it is about to change, or just changed. */
export function hostChanging(inputs: unknown): void {
  const c = (inputs as Partial<ConnectedInputs> | undefined)?.connection;
  if (c && typeof c.host === "string") forgetHost(machineIdentity(c));
}
