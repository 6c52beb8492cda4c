import * as pulumi from "@pulumi/pulumi";
import { DockyardResource } from "./dockyard-resource";
import type { ConnectionInputs, Credentials } from "./connection-inputs";
import type { ContainerSpec } from "../plan/container";
import type { ImageSpec } from "../plan/image";
import type { RegistryAuth } from "./image";
import type { NetworkSpec } from "../plan/network";
import type { NamedVolumeSpec } from "../plan/volume";

interface Connected {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
}

/** The inputs of the resource an Image is (src/workload/image.ts). */
export type ImageResourceArgs = Connected & { spec: pulumi.Input<ImageSpec>; registryAuth?: pulumi.Input<RegistryAuth> };

/** The inputs of the resource a Container is (src/workload/container.ts). */
export type ContainerResourceArgs = Connected & { spec: pulumi.Input<ContainerSpec>; env: pulumi.Input<Record<string, string>> };

export class RemoteFileResource extends DockyardResource {
  declare readonly sha256: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: Connected & { path: pulumi.Input<string>; content: pulumi.Input<string>; mode: string },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("RemoteFile", name, args, opts);
  }
}

export class CertificateResource extends DockyardResource {
  declare readonly caCertificate: pulumi.Output<string>;
  declare readonly certificate: pulumi.Output<string>;
  declare readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: { names: pulumi.Input<string[]>; days: number }, opts?: pulumi.CustomResourceOptions) {
    super("Certificate", name, args, opts);
  }
}

export class NetworkResource extends DockyardResource {
  declare readonly networkId: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: Connected & { spec: pulumi.Input<NetworkSpec> }, opts?: pulumi.CustomResourceOptions) {
    super("Network", name, args, opts);
  }
}

export class VolumeResource extends DockyardResource {
  declare readonly mountpoint: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: Connected & { spec: pulumi.Input<NamedVolumeSpec>; deleteOnDestroy: boolean },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super("Volume", name, args, opts);
  }
}
