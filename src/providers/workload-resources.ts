import * as pulumi from "@pulumi/pulumi";
import { providerByName } from "./by-name";
import { gated } from "./program-gate";
import { CREDENTIALS_PROPERTY, type ConnectionInputs, type Credentials } from "./connection-inputs";
import type { ContainerSpec } from "./container";
import type { ImageSpec, RegistryAuth } from "./image";
import type { NetworkSpec } from "./network";
import type { NamedVolumeSpec } from "./volume";

interface Connected {
  connection: pulumi.Input<ConnectionInputs>;
  credentials: pulumi.Input<Credentials>;
}

export class ImageResource extends pulumi.dynamic.Resource {
  declare readonly digest: pulumi.Output<string>;
  declare readonly repoDigest: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: Connected & { spec: pulumi.Input<ImageSpec>; registryAuth?: pulumi.Input<RegistryAuth> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("image"),
      name,
      { ...args, digest: undefined, repoDigest: undefined, imageId: undefined, drift: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY, "registryAuth"] }),
      "dockyard",
      "Image",
    );
  }
}

export class ContainerResource extends pulumi.dynamic.Resource {
  declare readonly containerId: pulumi.Output<string>;
  declare readonly state: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: Connected & { spec: pulumi.Input<ContainerSpec>; env: pulumi.Input<Record<string, string>> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("container"),
      name,
      { ...args, containerId: undefined, state: undefined, drift: undefined },
      // The environment may carry secrets: all of it is stored as one.
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY, "env"] }),
      "dockyard",
      "Container",
    );
  }
}

export class RemoteFileResource extends pulumi.dynamic.Resource {
  declare readonly sha256: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: Connected & { path: pulumi.Input<string>; content: pulumi.Input<string>; mode: string },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("remoteFile"),
      name,
      { ...args, sha256: undefined, drift: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY, "content"] }),
      "dockyard",
      "RemoteFile",
    );
  }
}

export class CertificateResource extends pulumi.dynamic.Resource {
  declare readonly caCertificate: pulumi.Output<string>;
  declare readonly certificate: pulumi.Output<string>;
  declare readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: { names: pulumi.Input<string[]>; days: number }, opts?: pulumi.CustomResourceOptions) {
    super(
      providerByName("certificate"),
      name,
      { ...args, caCertificate: undefined, certificate: undefined, privateKey: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: ["privateKey"] }),
      "dockyard",
      "Certificate",
    );
  }
}

export class NetworkResource extends pulumi.dynamic.Resource {
  declare readonly networkId: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: Connected & { spec: pulumi.Input<NetworkSpec> }, opts?: pulumi.CustomResourceOptions) {
    super(
      providerByName("network"),
      name,
      { ...args, networkId: undefined, drift: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "Network",
    );
  }
}

export class VolumeResource extends pulumi.dynamic.Resource {
  declare readonly mountpoint: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;

  constructor(
    name: string,
    args: Connected & { spec: pulumi.Input<NamedVolumeSpec>; deleteOnDestroy: boolean },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      providerByName("volume"),
      name,
      { ...args, mountpoint: undefined, drift: undefined },
      pulumi.mergeOptions(gated(opts), { additionalSecretOutputs: [CREDENTIALS_PROPERTY] }),
      "dockyard",
      "Volume",
    );
  }
}
