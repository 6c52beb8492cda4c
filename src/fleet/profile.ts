// The fleet file's `profile: hardened` for containers: the settings each container takes from it.
import type { ContainerSecurityArgs } from "../model/container-security";
import { HARDENED_CONTAINER_DEFAULTS } from "../model/defaults";
import type { FleetContainerSpec, FleetSpec } from "./spec";

/**
 * A container's security settings; under the file's `profile: hardened`, the profile's for each
 * one the container does not set (an explicit setting wins, key by key).
 */
export function containerSecurityArgs(spec: FleetSpec, c: FleetContainerSpec): ContainerSecurityArgs {
  const own: ContainerSecurityArgs = {
    user: c.user,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    capAdd: c.capAdd,
    capDrop: c.capDrop,
    noNewPrivileges: c.noNewPrivileges,
    securityOpt: c.securityOpt,
    pidsLimit: c.pidsLimit,
    tmpfs: c.tmpfs,
    ulimits: c.ulimits,
    insecurePrivileged: c.insecurePrivileged,
  };
  const set = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) as ContainerSecurityArgs;
  if (spec.profile !== "hardened") return set;
  const d = HARDENED_CONTAINER_DEFAULTS;
  return { noNewPrivileges: d.noNewPrivileges, capDrop: [...d.capDrop], capAdd: [...d.capAdd], pidsLimit: d.pidsLimit, ...set };
}
