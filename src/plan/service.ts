import type { DockyardErrorCode } from "../model/error-codes";
import { isDeepStrictEqual } from "node:util";
import { MANAGED } from "../model/labels";
import { type ServiceSpec, serviceSpecDrift } from "../model/service-spec";
import { type Refusal, refuse } from "./refusal";

/** A task as the manager lists it. */
export interface TaskInfo {
  ID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

/** A service as the manager reports it (inspect). */
export interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, unknown>;
  UpdateStatus?: { State?: string; Message?: string };
}

const isOurs = (info: ServiceInfo) => (info.Spec.Labels as Record<string, string> | undefined)?.[MANAGED] === "true";

/** Create, or update the one there at its version; one with labels that are not ours is refused. */
export function planService(
  spec: ServiceSpec,
  existing: ServiceInfo | undefined,
): { kind: "create" } | { kind: "update"; id: string; version: number } | Refusal {
  if (!existing) return { kind: "create" };
  if (existing.Spec.Labels && !isOurs(existing)) {
    return refuse(
      "DOCKYARD_NOT_MANAGED",
      `a service named ${spec.name} exists and was not created by Dockyard: remove or rename it. Nothing was changed`,
    );
  }
  return { kind: "update", id: existing.ID, version: existing.Version.Index };
}

/** Destroy removes only a service Dockyard made. */
export const serviceIsOurs = (info: ServiceInfo | undefined): info is ServiceInfo => !!info && isOurs(info);

/** Running tasks of the current spec, and the tasks that should run. */
export function serviceProgress(spec: ServiceSpec, tasks: TaskInfo[]): { running: number; wanted: TaskInfo[] } {
  const wanted = tasks.filter((t) => t.DesiredState === "running" && t.Spec?.ContainerSpec?.Image === spec.image);
  const running = wanted.filter((t) => t.Status?.State === "running").length;
  return { running, wanted };
}

/** Every task of the current spec runs, and none of an older one. */
export function serviceConverged(spec: ServiceSpec, tasks: TaskInfo[]): boolean {
  const { running, wanted } = serviceProgress(spec, tasks);
  const others = tasks.filter((t) => t.DesiredState === "running" && t.Spec?.ContainerSpec?.Image !== spec.image);
  if (others.length) return false;
  return spec.mode === "global" ? running === wanted.length : running === spec.replicas;
}

/** The most telling failure among the tasks: the newest one that failed or was rejected, else one still pending. */
export function taskBlame(tasks: TaskInfo[], names: Record<string, string>, serviceName: string): string {
  const bad = tasks
    .filter(
      (t) =>
        ["failed", "rejected", "orphaned"].includes(t.Status?.State ?? "") ||
        (t.DesiredState === "running" && t.Status?.State !== "running"),
    )
    .sort((a, b) => (b.Status?.Timestamp ?? "").localeCompare(a.Status?.Timestamp ?? ""));
  const t = bad.find((x) => x.Status?.Err) ?? bad[0];
  if (!t) return "";
  const where = t.NodeID ? `on node ${names[t.NodeID] ?? t.NodeID}` : "not placed on any node";
  return `; task ${serviceName}.${t.Slot ?? t.ID.slice(0, 12)} ${where} is ${t.Status?.State ?? "unknown"}: ${t.Status?.Err || t.Status?.Message || "no message"}`;
}

/** When each task was first seen running, by task id: what one look at a rollout hands the next. */
export type RunningSince = Record<string, number>;

/**
 * The running tasks of this look with when each was first seen running (`now` for a task not
 * running at the last look). A task that failed and was replaced has a new id, so a crash-looping
 * slot never carries its time over.
 */
export function trackRunning(tasks: TaskInfo[], before: RunningSince, now: number): RunningSince {
  const since: RunningSince = {};
  for (const t of tasks) if (t.DesiredState === "running" && t.Status?.State === "running") since[t.ID] = before[t.ID] ?? now;
  return since;
}

/** How long the tasks must have stayed running, and since when each has (see trackRunning). */
export interface SteadyWatch {
  since: RunningSince;
  now: number;
  /** The monitoring window in seconds (0: running at one look is enough). */
  monitorSeconds: number;
}

/**
 * One look at a rollout: done (with the running tasks), still going, or failed (the message
 * without the failed task, which needs node names: see taskBlame). Tasks count as running only
 * once they have stayed running through the monitoring window, as docker's own CLI waits before
 * it calls a service converged: a look that lands while a crash-looping task briefly runs does
 * not end the wait. An update swarm paused or rolled back has failed; past the deadline, so has
 * one that is still going.
 */
export function serviceConvergence(
  spec: ServiceSpec,
  info: ServiceInfo | undefined,
  tasks: TaskInfo[],
  pastDeadline: boolean,
  watch: SteadyWatch,
): { kind: "done"; running: number } | { kind: "wait" } | { kind: "failed"; code: DockyardErrorCode; message: string } {
  const state = info?.UpdateStatus?.State;
  if (state === "paused" || state === "rollback_completed" || state === "rollback_paused") {
    return {
      kind: "failed",
      code: "DOCKYARD_SERVICE_UPDATE_FAILED",
      message: `service ${spec.name}: the update was ${state.replace("_", " ")}: ${info?.UpdateStatus?.Message ?? ""}`,
    };
  }
  // Tasks running for less than the window count as not running yet.
  const { running, wanted } = serviceProgress(spec, tasks);
  const steady = wanted.filter(
    (t) => t.Status?.State === "running" && t.ID in watch.since && watch.now - watch.since[t.ID] >= watch.monitorSeconds * 1000,
  ).length;
  if (state !== "updating" && state !== "rollback_started" && serviceConverged(spec, tasks) && steady === running)
    return { kind: "done", running };
  if (!pastDeadline) return { kind: "wait" };
  const want = spec.mode === "global" ? wanted.length : spec.replicas;
  return {
    kind: "failed",
    code: "DOCKYARD_SERVICE_NOT_CONVERGED",
    message: `service ${spec.name} did not converge within ${spec.convergeTimeoutSeconds} s: ${steady} of ${want} tasks running`,
  };
}

/** Where the service differs from the declaration: the settings Dockyard owns, then its tasks. */
export function serviceDrift(
  spec: ServiceSpec,
  env: Record<string, string>,
  networkIds: Record<string, string>,
  info: ServiceInfo | undefined,
  tasks: TaskInfo[],
): { drift: string[]; running: number } {
  if (!info) return { drift: [`service ${spec.name} is missing`], running: 0 };
  const drift = serviceSpecDrift(spec, env, networkIds, info.Spec);
  const { running } = serviceProgress(spec, tasks);
  if (!drift.length && !serviceConverged(spec, tasks))
    drift.push(`service ${spec.name} has ${running} of ${spec.mode === "global" ? "its" : spec.replicas} tasks running`);
  return { drift, running };
}

/** The diff before any probe: the name and the mode cannot change on a service, so a new one replaces it. */
export function serviceChange(
  olds: { spec: ServiceSpec; env: Record<string, string>; drift: string[] },
  news: { spec: ServiceSpec; env: Record<string, string> },
  sameMachine: boolean,
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  const replaces = [
    ...(sameMachine ? [] : ["connection"]),
    ...(olds.spec.name !== news.spec.name || olds.spec.mode !== news.spec.mode ? ["spec"] : []),
  ];
  if (replaces.length) return { changes: true, replaces, deleteBeforeReplace: true };
  if (!isDeepStrictEqual(olds.spec, news.spec) || !isDeepStrictEqual(olds.env, news.env)) return { changes: true };
  if (olds.drift.length) return { changes: true };
  return "probe";
}
