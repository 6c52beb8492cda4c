export { Host, type HostArgs, type JumpHostArgs } from "./host/host";
export type { HostFacts } from "./model/host-facts";
export type { ConnectionSpec } from "./remote/connection-spec";
export {
  RemoteError,
  HostUnreachableError,
  AuthenticationError,
  HostKeyMismatchError,
  RemoteCommandError,
  EngineUnavailableError,
} from "./remote/errors";
export {
  isDockyardError,
  dockyardErrorCodes,
  DockyardError,
  ERROR_CODES,
  type DockyardErrorCode,
  type ErrorCodeInfo,
} from "./model/error-codes";
export { InvalidArgumentError } from "./model/input-error";
export { DockerEngine, type DockerEngineArgs, type OfflineBundleArgs } from "./engine/docker-engine";
export type { PreflightPolicy } from "./model/preflight";
export { PreflightError } from "./remote/preflight-error";
export { detectDistro, type Distro, SUPPORTED as SUPPORTED_RELEASES } from "./model/distro";
export { DaemonConfig, type DaemonConfigArgs, type DaemonProxyArgs, type AddressPool } from "./engine/daemon-config";
export { DockerUsers, type DockerUsersArgs } from "./engine/docker-users";
export { Image, type ImageArgs, type BuildArgs, type RegistryCredentials } from "./workload/image";
export type { PortArgs } from "./model/container-settings";
export type { UlimitArgs } from "./model/container-security";
export { Container, type ContainerArgs, type HealthCheckArgs, type ContainerNetworkArgs, type VolumeMountArgs } from "./workload/container";
export { Network, type NetworkArgs } from "./workload/network";
export { Volume, type VolumeArgs } from "./workload/volume";
export { ComposeProject, type ComposeProjectArgs } from "./workload/compose-project";
export { Registry, type RegistryArgs, type RegistryUser, type RegistryTls } from "./registry/registry";
// The fleet file's parts load on first use (`exportLazily` below): its schema is zod's, about a
// tenth of a second and 100 modules at the start of every program, most of which declare no Fleet.
export type { FleetArgs, FleetHostOutputs } from "./fleet/fleet";
export type Fleet = import("./fleet/fleet").Fleet;
export const Fleet = undefined as unknown as typeof import("./fleet/fleet").Fleet;
export { RolloutGate, type RolloutGateArgs } from "./rollout/rollout-gate";
export { rolloutBatches, type BatchSize } from "./model/rollout-batches";
export type { FleetProblem } from "./fleet/load-fleet";
export const loadFleet = undefined as unknown as typeof import("./fleet/load-fleet").loadFleet;
export const parseFleet = undefined as unknown as typeof import("./fleet/load-fleet").parseFleet;
export const checkFleetSpec = undefined as unknown as typeof import("./fleet/load-fleet").checkFleetSpec;
export type FleetFileError = import("./fleet/load-fleet").FleetFileError;
export const FleetFileError = undefined as unknown as typeof import("./fleet/load-fleet").FleetFileError;
export type { FleetSpec } from "./fleet/spec";
export const FleetSpecSchema = undefined as unknown as typeof import("./fleet/spec").FleetSpecSchema;
export { AwsHost, type AwsHostArgs } from "./aws/aws-host";
export { EcrRegistry, type EcrRegistryArgs, type EcrCredentials } from "./aws/ecr-registry";
export { AWS_DISTROS, type AwsDistro, type AwsArchitecture } from "./aws/distro-images";
export { publishedPortRules, publishedPortsOf, type PublishedPort, type IngressRule } from "./aws/ingress-rules";
export { Swarm, type SwarmArgs, type SwarmNodeArgs } from "./swarm/swarm";
export { Service, type ServiceArgs, type ServicePort, type UpdatePolicyArgs } from "./swarm/service";
export type { SwarmMember } from "./providers/swarm";

/** Defines `names` on this module's exports as getters of `load()`'s: the module loads on first use. */
function exportLazily<M extends object>(load: () => M, names: (keyof M & string)[]): void {
  for (const name of names) Object.defineProperty(exports, name, { enumerable: true, configurable: true, get: () => load()[name] });
}
/* eslint-disable @typescript-eslint/no-require-imports */
exportLazily(() => require("./fleet/fleet") as typeof import("./fleet/fleet"), ["Fleet"]);
exportLazily(
  () => require("./fleet/load-fleet") as typeof import("./fleet/load-fleet"),
  ["loadFleet", "parseFleet", "checkFleetSpec", "FleetFileError"],
);
exportLazily(() => require("./fleet/spec") as typeof import("./fleet/spec"), ["FleetSpecSchema"]);
/* eslint-enable @typescript-eslint/no-require-imports */
