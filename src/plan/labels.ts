/** Containers, networks and volumes Dockyard made carry this label. */
export const MANAGED = "dockyard.managed";
