// Entry point the dynamic-provider host loads by package name (`pulumi-dockyard/providers`), so
// serialized providers in the state stay small and run the installed package's code.
export { hostFacts } from "./host-facts";
export { dockerEngine } from "./docker-engine";
export { daemonConfig } from "./daemon-config";
export { image } from "./image";
export { container } from "./container";
export { remoteFile } from "./remote-file";
export { certificate } from "./certificate";
export { sshKeyPair } from "./ssh-key-pair";
export { swarm } from "./swarm";
export { service } from "./service";
export { network } from "./network";
export { volume } from "./volume";
export { dockerUsers } from "./docker-users";
export { rolloutGate } from "./rollout-gate";
