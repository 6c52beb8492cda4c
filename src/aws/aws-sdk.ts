import type * as Aws from "@pulumi/aws";

let loaded: typeof Aws | undefined;

/**
 * `@pulumi/aws`, loaded when an AWS component is first declared: it is some 300 modules and 17 MiB
 * that a program without AWS hosts or ECR repositories would otherwise load for nothing.
 */
export function awsSdk(): typeof Aws {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require("@pulumi/aws") as typeof Aws);
}
