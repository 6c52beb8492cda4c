// ComposeProject: a compose file and a secret .env deployed on a host with `docker compose up`.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import { COMPOSE_WAIT_BOUND } from "../time-bounds";
import { json } from "./json";
import type { ComponentSettings, ObjectType, ResourceSettings } from "./types";
import { ON_WEB1 } from "./examples";

const SERVICES_OUTPUT = {
  type: { map: { ref: "ComposeServiceState" } },
  description: "Per declared service: its container IDs, state (`running`, `exited`, `missing`, ...) and published ports.",
} as const;

export const composeProjectComponent: ComponentSettings = {
  token: "dockyard:workload:ComposeProject",
  description:
    "A Docker Compose project on a host: a compose file and a secret `.env` written root-only, checked with `docker compose config -q` on the host, deployed with `docker compose -p <name> up -d --wait` (bounded). Outputs per service: containers, state, published ports. A service container stopped or removed, and a compose file or .env edited by hand, are drift that `refresh` shows and `up` repairs. Destroy runs `down` and keeps named volumes unless `removeVolumesOnDestroy`.",
  args: { file: "src/workload/compose-project.ts", name: "ComposeProjectArgs" },
  class: { file: "src/workload/compose-project.ts", name: "ComposeProject" },
  example: {
    name: "shop",
    properties: {
      engine: "${docker}",
      projectName: "shop",
      composeYaml: 'services:\n  web:\n    image: nginx:1.25\n    ports: ["8080:80"]\n',
    },
  },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description:
        "The engine the project runs on (its docker CLI needs the compose v2 plugin: DockerEngine's `plugins`, on by default with docker-ce).",
      example: "engine",
    },
    projectName: {
      type: "string",
      required: true,
      description:
        "The project name (`docker compose -p`): it prefixes the project's containers, networks and volumes, and is the project's identity on the host (another name replaces the project).",
      example: '"shop"',
    },
    composeYaml: {
      type: "string",
      description: "The compose file's YAML text. Give this or `composeFile`.",
      default: "none",
      example: "'services:\\n  web:\\n    image: nginx:1.25\\n    ports: [\"8080:80\"]\\n'",
    },
    composeFile: {
      type: "string",
      description: "A compose file on this machine, read when the program runs. Give this or `composeYaml`.",
      default: "none",
      example: '"deploy/compose.yaml"',
    },
    env: {
      type: { oneOf: [{ map: "string" }, "string"] },
      description:
        "The project's `.env` (compose's variables for `${VAR}` in the file, and `env_file: .env` for services): a map of names to values, or the file's text. Kept as a secret: written root-only (0600) on the host over stdin, never in a command line, a log or plain state.",
      default: "none (an empty .env)",
      example: 'pulumi.secret({ DB_PASSWORD: "s3cret" })',
      secret: true,
    },
    removeVolumesOnDestroy: {
      type: "boolean",
      description: "On destroy, remove the project's named volumes too (`down --volumes`). By default they stay: they hold the data.",
      default: "false",
      example: "true",
    },
    waitTimeout: {
      type: "integer",
      description:
        "Seconds `docker compose up -d --wait` may take to pull, start and see its services running (healthy where they have a healthcheck).",
      default: json(COMPOSE_WAIT_BOUND.defaultSeconds),
      example: "600",
    },
  },
  outputs: {
    services: SERVICES_OUTPUT,
    composeVersion: { type: "string", description: "`docker compose version` on the host." },
    drift: { type: { array: "string" }, description: "What refresh found different from the declaration (empty after `up`)." },
  },
};

/** The resource kind (src/providers/kinds.ts). */
export const composeProjectResource: ResourceSettings = {
  description:
    "A compose project on a host: its files written root-only, checked, `up -d --wait`; drift read from its containers and files.",
  inputsSource: { file: "src/providers/compose-project.ts", name: "ComposeProjectInputs" },
  outputsSource: { file: "src/providers/compose-project.ts", name: "ComposeProjectOutputs" },
  example: {
    name: "shopProject",
    properties: {
      ...ON_WEB1,
      spec: {
        project: "shop",
        composeYaml: "services:\n  web:\n    image: nginx:1.25\n",
        services: ["web"],
        removeVolumesOnDestroy: false,
        waitTimeout: 300,
      },
      env: "",
    },
  },
  inputs: {
    spec: {
      type: { ref: "ComposeSpec" },
      required: true,
      description: "",
      replacesWhen: "the project name changes (the new project is made before the old one is taken down)",
    },
    env: { type: "string", required: true, description: "The .env text (a secret: only ever the write step's stdin)." },
    connection: { type: { ref: "ConnectionInputs" }, required: true, description: "" },
    credentials: { type: { ref: "Credentials" }, required: true, description: "" },
  },
  outputs: {
    services: {
      type: { map: { ref: "ComposeServiceState" } },
      description: "Per declared service: its containers, their state and published ports.",
    },
    composeVersion: { type: "string", description: "`docker compose version` on the host." },
    drift: { type: { array: "string" }, description: "What refresh found different from the declaration (empty after `up`)." },
  },
};

/** The object types these settings refer to. */
export const COMPOSE_TYPES: Readonly<Record<string, ObjectType>> = {
  ComposeSpec: {
    description: "What the project should be; plain data, compared field by field in diff (the .env is apart: a secret).",
    source: { file: "src/plan/compose.ts", name: "ComposeSpec" },
    properties: {
      project: { type: "string", required: true, description: "`docker compose -p` name." },
      composeYaml: { type: "string", required: true, description: "The compose file's YAML." },
      services: {
        type: { array: "string" },
        required: true,
        description: "The services the file declares (checked from it when declared).",
      },
      removeVolumesOnDestroy: { type: "boolean", required: true, description: "`down --volumes` on destroy." },
      waitTimeout: { type: "integer", required: true, description: "Seconds `up -d --wait` may take." },
    },
  },
  ComposeServiceState: {
    description: "One service as the host runs it.",
    source: { file: "src/plan/compose.ts", name: "ComposeServiceState" },
    properties: {
      containerIds: { type: { array: "string" }, required: true, description: "" },
      state: {
        type: "string",
        required: true,
        description: "`running` when every container runs; otherwise the states seen, e.g. `exited`, or `missing`.",
      },
      ports: { type: { array: "string" }, required: true, description: "Published ports as docker shows them (`0.0.0.0:8080->80/tcp`)." },
    },
  },
};
