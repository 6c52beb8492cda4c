// Every machine-changing resource kind, declared once: the provider that serves it, its inputs,
// its outputs and which of them are secret. The resource classes register from it, and the plugin
// (src/plugin/) dispatches, checks, compares and wraps secrets from it.
import type * as providers from "./index";
import { CREDENTIALS_PROPERTY } from "./connection-inputs";

/** A controller's name: an export of `src/providers/index.ts` (a typo fails to compile). */
export type ProviderName = keyof typeof providers;

/** One resource kind as the plugin serves it. */
export interface KindSpec {
  /** The export of `src/providers/index.ts` that serves it. */
  provider: ProviderName;
  /** The declared inputs: the only properties `check` keeps and `diff` compares. */
  inputs: readonly string[];
  /** The outputs the provider adds to its inputs. */
  outputs: readonly string[];
  /** Outputs (inputs included) stored as secrets whatever the caller marked. */
  secrets: readonly string[];
  /**
   * The name in the type token, when it is not the kind's: Pulumi's schema loader refuses a
   * resource of the `index` module named like another module (`Swarm` and the components'
   * `dockyard:swarm:` module).
   */
  token?: string;
}

const connected = ["connection", CREDENTIALS_PROPERTY] as const;

export const KINDS = {
  HostFacts: { provider: "hostFacts", inputs: [...connected, "preflight"], outputs: ["facts"], secrets: [CREDENTIALS_PROPERTY] },
  DockerEngine: {
    provider: "dockerEngine",
    inputs: [...connected, "facts", "spec", "daemon"],
    outputs: ["version", "apiVersion", "clientVersion", "packageVersion", "bundleUploaded", "composeVersion", "drift"],
    // The DaemonConfig's settings handed over for the first start: its proxy may carry credentials.
    secrets: [CREDENTIALS_PROPERTY, "daemon"],
  },
  DaemonConfig: {
    provider: "daemonConfig",
    inputs: [...connected, "settings", "policy", "proxy", "refuseOverwriting"],
    outputs: ["content", "effectiveMirrors", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "proxy"],
  },
  DockerUsers: { provider: "dockerUsers", inputs: [...connected, "users"], outputs: ["added", "drift"], secrets: [CREDENTIALS_PROPERTY] },
  Image: {
    provider: "image",
    inputs: [...connected, "spec", "registryAuth"],
    outputs: ["digest", "repoDigest", "imageId", "archiveSha256", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "registryAuth"],
  },
  // The environment may carry secrets: all of it is stored as one.
  Container: {
    provider: "container",
    inputs: [...connected, "spec", "env"],
    outputs: ["containerId", "state", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "env"],
  },
  RemoteFile: {
    provider: "remoteFile",
    inputs: [...connected, "path", "content", "mode"],
    outputs: ["sha256", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "content"],
  },
  Certificate: {
    provider: "certificate",
    inputs: ["names", "days"],
    outputs: ["caCertificate", "certificate", "privateKey"],
    secrets: ["privateKey"],
  },
  // The passwords are in the users' records.
  Htpasswd: { provider: "htpasswd", inputs: ["users"], outputs: ["content", "usernames"], secrets: ["users", "content"] },
  SshKeyPair: { provider: "sshKeyPair", inputs: ["algorithm", "comment"], outputs: ["publicKey", "privateKey"], secrets: ["privateKey"] },
  ReportedHostKey: {
    provider: "reportedHostKey",
    inputs: ["instanceId", "region", "profile", "timeoutSeconds"],
    outputs: ["publicKey"],
    secrets: [],
  },
  Network: { provider: "network", inputs: [...connected, "spec"], outputs: ["networkId", "drift"], secrets: [CREDENTIALS_PROPERTY] },
  Volume: {
    provider: "volume",
    inputs: [...connected, "spec", "deleteOnDestroy"],
    outputs: ["mountpoint", "drift"],
    secrets: [CREDENTIALS_PROPERTY],
  },
  // The .env holds the project's secrets.
  ComposeProject: {
    provider: "composeProject",
    inputs: [...connected, "spec", "env"],
    outputs: ["services", "composeVersion", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "env"],
  },
  // Join tokens let any machine into the cluster: stored as secrets, like the keys.
  Swarm: {
    provider: "swarm",
    token: "SwarmCluster",
    inputs: ["nodes", CREDENTIALS_PROPERTY, "defaultAddrPool", "subnetSize"],
    outputs: ["clusterId", "members", "joinTokens", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "joinTokens"],
  },
  Service: {
    provider: "service",
    inputs: [...connected, "spec", "env", "registryAuth"],
    outputs: ["serviceId", "runningTasks", "drift"],
    secrets: [CREDENTIALS_PROPERTY, "env", "registryAuth"],
  },
  RolloutGate: {
    provider: "rolloutGate",
    inputs: ["label", "changes", "targets", CREDENTIALS_PROPERTY, "pauseSeconds", "timeoutSeconds"],
    outputs: [],
    secrets: [CREDENTIALS_PROPERTY],
  },
} as const satisfies Record<string, KindSpec>;

/** A resource kind's name, the last part of its type token (unless its `token` says otherwise). */
export type Kind = keyof typeof KINDS;

/** The package (and plugin) name in every type token. */
export const PACKAGE = "dockyard";

/** The type token the plugin serves a kind by. */
export const tokenOf = (kind: Kind): string => `${PACKAGE}:index:${(KINDS[kind] as KindSpec).token ?? kind}`;

/** The type a 0.3.0 dynamic resource of the kind has in existing states (the alias that moves it). */
export const dynamicTypeOf = (kind: Kind): string => `pulumi-nodejs:dynamic/${PACKAGE}:${kind}`;

/** The kind a type token names, or undefined for a token this package does not serve. */
export function kindOfToken(token: string): Kind | undefined {
  return (Object.keys(KINDS) as Kind[]).find((kind) => tokenOf(kind) === token);
}
