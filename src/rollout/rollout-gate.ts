import * as pulumi from "@pulumi/pulumi";
import { DaemonConfig } from "../engine/daemon-config";
import { DockerEngine } from "../engine/docker-engine";
import { DockyardComponent } from "../components/base";
import { invalid } from "../model/input-error";
import { RolloutGateResource } from "../providers/rollout-gate-resource";
import { Container } from "../workload/container";
import { DEFAULT_GATE_PAUSE, DEFAULT_GATE_TIMEOUT, durationProblem, durationSeconds } from "../model/rollout-batches";

export interface RolloutGateArgs {
  /**
   * The batch before the gate: its engines, daemon configs and containers. The gate waits when
   * one of them changed (an engine or package version, daemon.json, a container id), and then until each
   * container is running and healthy: docker's health check when it has one, else running with
   * its published TCP ports answering on the host.
   * @example [web1Engine, web1Daemon, web1Nginx, web2Engine, web2Daemon, web2Nginx]
   */
  after: (DockerEngine | DaemonConfig | Container)[];
  /**
   * Wait after the batch is healthy, before the next batch starts: seconds or `"30s"`, `"5m"`.
   * @default "0s"
   * @example "30s"
   */
  pause?: number | string;
  /**
   * How long the batch's containers may take to be healthy again; past it the gate fails, and
   * whatever depends on it (the next batches) is left untouched.
   * @default "5m"
   * @example "10m"
   */
  timeout?: number | string;
  /**
   * What the batch is called in messages.
   * @default the gate's name
   * @example "batch 1 of 2 (web1, web2)"
   */
  label?: string;
}

/**
 * A boundary between two batches of a rolling change, for programs that use the components
 * directly. Give the next batch's engines, daemon configs and containers `dependsOn: [gate]`:
 * their changes start only once the batch before has changed and is healthy again. A run that
 * changed nothing in the batch before passes the gate at once. `Fleet` makes these from `rollout:`.
 *
 * @example
 * import { DockerEngine, RolloutGate, rolloutBatches } from "pulumi-dockyard";
 * // hosts: Host[] in the order they should change
 * let gate: RolloutGate | undefined;
 * const batches = rolloutBatches(hosts, 2);
 * batches.forEach((batch, i) => {
 *   const after = batch.map((host, j) => new DockerEngine(`b${i}-${j}-docker`, { host, version: "25.0.3" }, { dependsOn: gate ? [gate] : [] }));
 *   if (i + 1 < batches.length) gate = new RolloutGate(`rollout-${i + 2}-of-${batches.length}`, { after, pause: "30s" });
 * });
 */
export class RolloutGate extends DockyardComponent {
  /** The resource that the next batch should depend on. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: RolloutGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:rollout:RolloutGate", name, opts);
    const { pauseSeconds, timeoutSeconds } = this.checked(() => {
      if (!Array.isArray(args?.after)) invalid("after", "must list the engines, daemon configs and containers of the batch before");
      args.after.forEach((r, i) => {
        if (!(r instanceof DockerEngine || r instanceof DaemonConfig || r instanceof Container))
          invalid(`after[${i}]`, "must be a DockerEngine, DaemonConfig or Container");
      });
      const pause = args.pause ?? DEFAULT_GATE_PAUSE;
      const timeout = args.timeout ?? DEFAULT_GATE_TIMEOUT;
      const pauseProblem = durationProblem(pause);
      if (pauseProblem) invalid("pause", `${pauseProblem} (got ${JSON.stringify(pause)})`);
      const timeoutProblem = durationProblem(timeout);
      if (timeoutProblem) invalid("timeout", `${timeoutProblem} (got ${JSON.stringify(timeout)})`);
      if (durationSeconds(timeout) <= 0) invalid("timeout", "must be longer than 0");
      return { pauseSeconds: durationSeconds(pause), timeoutSeconds: durationSeconds(timeout) };
    });
    const changes = args.after.map((r): pulumi.Output<unknown> =>
      // The package version too: a repackaged engine can report the same server version.
      r instanceof DockerEngine ? pulumi.all([r.version, r.packageVersion]) : r instanceof DaemonConfig ? r.content : r.containerId,
    );
    // One target per engine, in the order first seen, with the containers on it.
    const byEngine = new Map<DockerEngine, string[]>();
    for (const r of args.after) if (r instanceof Container) byEngine.set(r.engine, [...(byEngine.get(r.engine) ?? []), r.containerName]);
    const engines = [...byEngine.keys()];
    const res = new RolloutGateResource(
      `${name}-gate`,
      {
        label: args.label ?? name,
        changes: pulumi.all(changes),
        targets: engines.map((e) => e.host.connection.apply((connection) => ({ connection, containers: byEngine.get(e)! }))),
        credentials: engines.map((e) => e.host.credentials),
        pauseSeconds,
        timeoutSeconds,
      },
      this.childOptions(...args.after.map((r) => r.ready)),
    );
    this.ready = res;
    this.registerOutputs({});
  }
}
