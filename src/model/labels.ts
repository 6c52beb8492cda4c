/**
 * Containers, networks, volumes and swarm services Dockyard made carry this label (value "true"):
 * what it may change or delete, and what it refuses to touch without it.
 */
export const MANAGED = "dockyard.managed";
