// Every controller by name: the plugin serves each kind through these (src/providers/kinds.ts).
// Kept exported as `pulumi-dockyard/providers` (package.json "exports"): a state written by 0.3.0
// holds dynamic providers that `require("pulumi-dockyard/providers")[name]` and call
// check/create/read/diff/update/delete on it, so a resource an upgraded program no longer
// declares is deleted through here. Never rename or drop an export.
import { hostFacts as hostFactsProvider } from "./host-facts";
import { dockerEngine as dockerEngineProvider } from "./docker-engine";
import { daemonConfig as daemonConfigProvider } from "./daemon-config";
import { image as imageProvider } from "./image";
import { container as containerProvider } from "./container";
import { remoteFile as remoteFileProvider } from "./remote-file";
import { certificate as certificateProvider } from "./certificate";
import { htpasswd as htpasswdProvider } from "./htpasswd";
import { sshKeyPair as sshKeyPairProvider } from "./ssh-key-pair";
import { reportedHostKey as reportedHostKeyProvider } from "./reported-host-key";
import { swarm as swarmProvider } from "./swarm";
import { service as serviceProvider } from "./service";
import { network as networkProvider } from "./network";
import { volume as volumeProvider } from "./volume";
import { dockerUsers as dockerUsersProvider } from "./docker-users";
import { rolloutGate as rolloutGateProvider } from "./rollout-gate";
import { composeProject as composeProjectProvider } from "./compose-project";

import { instrumented } from "./instrumented";

export const hostFacts = instrumented("hostFacts", hostFactsProvider);
export const dockerEngine = instrumented("dockerEngine", dockerEngineProvider);
export const daemonConfig = instrumented("daemonConfig", daemonConfigProvider);
export const image = instrumented("image", imageProvider);
export const container = instrumented("container", containerProvider);
export const remoteFile = instrumented("remoteFile", remoteFileProvider);
export const certificate = instrumented("certificate", certificateProvider);
export const htpasswd = instrumented("htpasswd", htpasswdProvider);
export const sshKeyPair = instrumented("sshKeyPair", sshKeyPairProvider);
export const reportedHostKey = instrumented("reportedHostKey", reportedHostKeyProvider);
export const swarm = instrumented("swarm", swarmProvider);
export const service = instrumented("service", serviceProvider);
export const network = instrumented("network", networkProvider);
export const volume = instrumented("volume", volumeProvider);
export const dockerUsers = instrumented("dockerUsers", dockerUsersProvider);
export const rolloutGate = instrumented("rolloutGate", rolloutGateProvider);
export const composeProject = instrumented("composeProject", composeProjectProvider);
