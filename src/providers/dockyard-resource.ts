import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeOf, type Kind, KINDS, tokenOf } from "./kinds";
import { PACKAGE_VERSION } from "./package-version";

/**
 * A resource served by the Dockyard plugin (`pulumi-resource-dockyard`) by its type token. It
 * always names the package's version: a resource without one would get a second default provider
 * and a second plugin process (with its own host reads). The alias carries a resource a 0.3.0
 * program made as a dynamic resource over to the plugin without a replacement. The program gate
 * is not applied here: a component's children get it from `childOptions`, and a class that is
 * its one resource from `resourceComponentOptions` (src/components/).
 */
export abstract class DockyardResource extends pulumi.CustomResource {
  protected constructor(kind: Kind, name: string, args: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    const spec = KINDS[kind];
    const outputs = Object.fromEntries(spec.outputs.map((o) => [o, undefined]));
    super(
      tokenOf(kind),
      name,
      { ...outputs, ...args },
      pulumi.mergeOptions(opts, {
        version: PACKAGE_VERSION,
        aliases: [{ type: dynamicTypeOf(kind) }],
        additionalSecretOutputs: [...spec.secrets],
      }),
    );
  }
}
