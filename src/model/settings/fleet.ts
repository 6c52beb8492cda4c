// Fleet: a whole fleet from a spec (the fleet file's own schema is schema/fleet.schema.json).
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import type { ComponentSettings, ObjectType } from "./types";
import { EXAMPLE_HOST_KEY } from "./examples";

export const fleetComponent: ComponentSettings = {
  token: "dockyard:fleet:Fleet",
  description:
    "A whole fleet from a spec: per host a Host (preflight), a DockerEngine and a DaemonConfig; the registries, images and containers placed by `on:`. The whole spec is checked, and every config reference resolved, before the first resource is created, so bad input touches no machine. Hosts do not wait for each other: one host that fails leaves the others to converge.",
  args: { file: "src/fleet/fleet.ts", name: "FleetArgs" },
  class: { file: "src/fleet/fleet.ts", name: "Fleet" },
  example: {
    name: "prod",
    properties: {
      spec: {
        defaults: { user: "root", privateKey: { config: "sshPrivateKey" } },
        hosts: [
          {
            name: "web1",
            address: "10.0.0.12",
            hostKey: EXAMPLE_HOST_KEY,
            engine: { version: "25.0.3" },
            daemon: { registryMirrors: ["https://mirror.gcr.io"] },
          },
        ],
        containers: [{ name: "nginx-container", image: "nginx:1.25", on: "all", ports: ["80:80"] }],
      },
    },
  },
  inputs: {
    spec: {
      type: "any",
      openBecause: "the fleet file's own JSON Schema (schema/fleet.schema.json) describes it; a fleet file's text is a string",
      description:
        "The fleet: from `loadFleet` (errors then name file:line), built in code (checked the same way, before any resource is created), or a fleet file's text (YAML; errors name line:col). Give this or `file`.",
      default: "none: `file` names the fleet file",
      example: 'loadFleet("stacks/prod.yaml")',
    },
    file: {
      type: "string",
      description:
        "A fleet file's path, read as `loadFleet` reads it (errors name file:line:col); relative to the working directory, which is the program's directory. Give this or `spec`.",
      default: "none: `spec` holds the fleet",
      example: '"stacks/prod.yaml"',
    },
    baseDir: {
      type: "string",
      description: "Directory that relative offline bundle paths are relative to.",
      default: "the fleet file's directory, or the working directory for a spec built in code",
      example: '"/srv/bundles"',
    },
    config: {
      type: "any",
      openBecause: "a function: only a Node.js program passes one; elsewhere the stack's config is read",
      description:
        "Reads `{ config: key }` references. Plain references are read as they are; secret references (keys, passwords, env values) come back as Pulumi secrets.",
      default: "the stack's Pulumi config (`key` in the project's namespace, or `namespace:key`)",
      example: "(key, secret) => secret ? pulumi.secret(vault[key]) : vault[key]",
    },
  },
  outputs: {
    outputs: {
      type: { map: { ref: "FleetHostOutputs" } },
      description: "Per host: address, OS, kernel, docker version, mirrors, containers and their endpoints, compose projects' services.",
    },
  },
};

/** The object types these components' settings refer to. */
export const FLEET_TYPES: Readonly<Record<string, ObjectType>> = {
  FleetHostOutputs: {
    description: "What a fleet host ended up with, as the stack outputs show it.",
    source: { file: "src/fleet/fleet.ts", name: "FleetHostOutputs" },
    properties: {
      address: { type: "string", required: true, description: "" },
      os: { type: "string", required: true, description: "" },
      kernel: { type: "string", required: true, description: "" },
      docker: { type: "string", required: true, description: "" },
      mirrors: { type: { array: "string" }, required: true, description: "" },
      containers: {
        type: { map: { ref: "FleetHostContainers" } },
        required: true,
        description: "Per container: state and the host:port endpoints it publishes.",
      },
      registries: { type: { map: "string" }, required: true, description: "Per registry on this host: its endpoint." },
      compose: {
        type: { map: { map: { ref: "ComposeServiceState" } } },
        required: true,
        description: "Per compose project on this host: per service, its state and published ports (`docker compose ps`).",
      },
      dockerCli: {
        type: { ref: "FleetHostDockerCli" },
        required: true,
        description:
          "What the docker CLI needs to reach this host's engine over SSH with the pinned host key (the DockerEngine's outputs).",
      },
    },
  },
  FleetHostDockerCli: {
    description: "What the docker CLI needs to reach a fleet host's engine: the DockerEngine outputs of the same names.",
    properties: {
      dockerHost: { type: "string", required: true, description: "" },
      knownHostsLine: { type: "string", required: true, description: "" },
      dockerContextCommand: { type: "string", required: true, description: "" },
      sshConfig: { type: "string", required: true, description: "" },
    },
  },
  FleetHostContainers: {
    description: "A container of a fleet host as the outputs show it.",
    properties: {
      state: { type: "string", required: true, description: "" },
      endpoints: { type: { array: "string" }, required: true, description: "" },
    },
  },
};
