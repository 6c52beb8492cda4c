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
export { Fleet, type FleetArgs, type FleetHostOutputs } from "./fleet/fleet";
export { RolloutGate, type RolloutGateArgs } from "./rollout/rollout-gate";
export { rolloutBatches, type BatchSize } from "./model/rollout-batches";
export { loadFleet, parseFleet, checkFleetSpec, FleetFileError, type FleetProblem } from "./fleet/load-fleet";
export { FleetSpecSchema, type FleetSpec } from "./fleet/spec";
export { AwsHost, type AwsHostArgs } from "./aws/aws-host";
export { EcrRegistry, type EcrRegistryArgs, type EcrCredentials } from "./aws/ecr-registry";
export { AWS_DISTROS, type AwsDistro, type AwsArchitecture } from "./aws/distro-images";
export { publishedPortRules, publishedPortsOf, type PublishedPort, type IngressRule } from "./aws/ingress-rules";
export { Swarm, type SwarmArgs, type SwarmNodeArgs } from "./swarm/swarm";
export { Service, type ServiceArgs, type ServicePort, type UpdatePolicyArgs } from "./swarm/service";
export type { SwarmMember } from "./providers/swarm";
