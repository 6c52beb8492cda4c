// Every setting of every component and resource kind, declared once (name, type, default,
// description, secret, replace-on-change). The plugin's schema (src/plugin/schema.ts, checked in
// as schema.json), the reference docs (docs/reference.md) are generated from it; the TypeScript
// argument types and the fleet file's schema are tested against it (test/unit/schema.test.ts).
import { composeProjectComponent, COMPOSE_TYPES } from "./compose";
import { awsHostComponent, AWS_TYPES, ecrRegistryComponent } from "./aws";
import { dockerUsersComponent } from "./docker-users";
import { engineComponent, daemonConfigComponent, ENGINE_TYPES } from "./engine";
import { fleetComponent, FLEET_TYPES } from "./fleet";
import { hostComponent, HOST_TYPES } from "./host";
import { registryComponent, REGISTRY_TYPES } from "./registry";
import { RESOURCE_SETTINGS, RESOURCE_TYPES } from "./resources";
import { rolloutGateComponent } from "./rollout";
import { serviceComponent, swarmComponent, SWARM_TYPES } from "./swarm";
import type { ComponentSettings, ObjectType } from "./types";
import { containerComponent, imageComponent, networkComponent, volumeComponent, WORKLOAD_TYPES } from "./workload";

export type * from "./types";
export { RESOURCE_SETTINGS };

/** Every component the plugin constructs, by its class name. */
export const COMPONENT_SETTINGS: Readonly<Record<string, ComponentSettings>> = {
  Host: hostComponent,
  DockerEngine: engineComponent,
  DaemonConfig: daemonConfigComponent,
  DockerUsers: dockerUsersComponent,
  Image: imageComponent,
  Container: containerComponent,
  Network: networkComponent,
  Volume: volumeComponent,
  ComposeProject: composeProjectComponent,
  Registry: registryComponent,
  Swarm: swarmComponent,
  Service: serviceComponent,
  RolloutGate: rolloutGateComponent,
  AwsHost: awsHostComponent,
  EcrRegistry: ecrRegistryComponent,
  Fleet: fleetComponent,
};

/** Every object type a setting refers to (`{ ref: name }`), by name; a name is declared once. */
export const SETTING_TYPES: Readonly<Record<string, ObjectType>> = mergeTypes([
  HOST_TYPES,
  ENGINE_TYPES,
  WORKLOAD_TYPES,
  REGISTRY_TYPES,
  SWARM_TYPES,
  AWS_TYPES,
  FLEET_TYPES,
  RESOURCE_TYPES,
  COMPOSE_TYPES,
]);

function mergeTypes(groups: Readonly<Record<string, ObjectType>>[]): Record<string, ObjectType> {
  const out: Record<string, ObjectType> = {};
  for (const group of groups) {
    for (const [name, type] of Object.entries(group)) {
      if (name in out) throw new Error(`settings: the type ${name} is declared twice`);
      out[name] = type;
    }
  }
  return out;
}
