export { Host, type HostArgs, type JumpHostArgs } from "./host/host";
export type { HostFacts } from "./scripts/host-facts";
export type { ConnectionSpec } from "./remote/connection-spec";
export {
  RemoteError,
  HostUnreachableError,
  AuthenticationError,
  HostKeyMismatchError,
  RemoteCommandError,
} from "./remote/errors";
export { DockerEngine, type DockerEngineArgs } from "./engine/docker-engine";
export { type PreflightPolicy, PreflightError } from "./host/preflight";
export { detectDistro, type Distro, SUPPORTED as SUPPORTED_RELEASES } from "./host/distro";
export { DaemonConfig, type DaemonConfigArgs, type DaemonProxyArgs, type AddressPool } from "./engine/daemon-config";
export { DockerUsers, type DockerUsersArgs } from "./engine/docker-users";
export { Image, type ImageArgs, type BuildArgs, type RegistryCredentials } from "./workload/image";
export { Container, type ContainerArgs, type PortArgs, type HealthCheckArgs, type ContainerNetworkArgs, type VolumeMountArgs } from "./workload/container";
export { Network, type NetworkArgs } from "./workload/network";
export { Volume, type VolumeArgs } from "./workload/volume";
export { Registry, type RegistryArgs, type RegistryUser, type RegistryTls } from "./registry/registry";
export { Fleet, type FleetArgs, type FleetHostOutputs } from "./fleet/fleet";
export { RolloutGate, type RolloutGateArgs } from "./rollout/rollout-gate";
export { rolloutBatches, type BatchSize } from "./rollout/batches";
export { loadFleet, parseFleet, checkFleetSpec, FleetFileError, type FleetProblem } from "./fleet/load-fleet";
export { FleetSpecSchema, type FleetSpec } from "./fleet/spec";
export { AwsHost, type AwsHostArgs } from "./aws/aws-host";
export { EcrRegistry, type EcrRegistryArgs, type EcrCredentials } from "./aws/ecr-registry";
export { AWS_DISTROS, type AwsDistro, type AwsArchitecture } from "./aws/distro-images";
export { publishedPortRules, publishedPortsOf, type PublishedPort, type IngressRule } from "./aws/ingress-rules";
export { Swarm, type SwarmArgs, type SwarmNodeArgs } from "./swarm/swarm";
export { Service, type ServiceArgs, type ServicePort, type UpdatePolicyArgs } from "./swarm/service";
export type { SwarmMember } from "./providers/swarm";
