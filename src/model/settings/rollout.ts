// RolloutGate: the boundary between two batches of a rolling change.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import { DEFAULT_GATE_PAUSE, DEFAULT_GATE_TIMEOUT } from "../rollout-batches";
import { json } from "./json";
import type { ComponentSettings } from "./types";

export const rolloutGateComponent: ComponentSettings = {
  token: "dockyard:rollout:RolloutGate",
  description:
    "A boundary between two batches of a rolling change, for programs that use the components directly. Give the next batch's engines, daemon configs and containers `dependsOn: [gate]`: their changes start only once the batch before has changed and is healthy again. A run that changed nothing in the batch before passes the gate at once. `Fleet` makes these from `rollout:`.",
  args: { file: "src/rollout/rollout-gate.ts", name: "RolloutGateArgs" },
  class: { file: "src/rollout/rollout-gate.ts", name: "RolloutGate" },
  example: { name: "firstBatch", properties: { after: ["${docker}"], pause: 30, timeout: 300 } },
  fleet: {
    section: "Rollout",
    keys: { after: null, label: null },
    fleetOnly: ["batch"],
    why: "The fleet makes one gate per batch boundary from `batch` (the hosts in the order of `hosts`), with that batch's engines, daemon configs and containers as `after` and a label naming the batch.",
  },
  inputs: {
    after: {
      type: {
        array: {
          oneOf: [
            { resource: "dockyard:engine:DockerEngine" },
            { resource: "dockyard:engine:DaemonConfig" },
            { resource: "dockyard:workload:Container" },
          ],
        },
      },
      required: true,
      description:
        "The batch before the gate: its engines, daemon configs and containers. The gate waits when one of them changed (an engine or package version, daemon.json, a container id), and then until each container is running and healthy: docker's health check when it has one, else running with its published TCP ports answering on the host.",
      example: "[web1Engine, web1Daemon, web1Nginx, web2Engine, web2Daemon, web2Nginx]",
    },
    pause: {
      type: { oneOf: ["number", "string"] },
      description: 'Wait after the batch is healthy, before the next batch starts: seconds or `"30s"`, `"5m"`.',
      default: json(DEFAULT_GATE_PAUSE),
      example: '"30s"',
    },
    timeout: {
      type: { oneOf: ["number", "string"] },
      description:
        "How long the batch's containers may take to be healthy again; past it the gate fails, and whatever depends on it (the next batches) is left untouched.",
      default: json(DEFAULT_GATE_TIMEOUT),
      example: '"10m"',
    },
    label: {
      type: "string",
      description: "What the batch is called in messages.",
      default: "the gate's name",
      example: '"batch 1 of 2 (web1, web2)"',
    },
  },
  // Only `ready`, a resource to depend on: the caller depends on the gate itself.
  outputs: {},
};
