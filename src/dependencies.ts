import type * as pulumi from "@pulumi/pulumi";

/**
 * The dependencies a component's children need: their own, plus whatever the component itself
 * was told to wait for (a DaemonConfig, other hosts' preflight), which Pulumi does not pass on
 * to children by itself.
 */
export function childDeps(opts: pulumi.ComponentResourceOptions | undefined, ...own: pulumi.Resource[]): pulumi.Input<pulumi.Resource>[] {
  const extra = opts?.dependsOn;
  if (extra === undefined) return own;
  return Array.isArray(extra) ? [...own, ...extra] : [...own, extra as pulumi.Input<pulumi.Resource>];
}
