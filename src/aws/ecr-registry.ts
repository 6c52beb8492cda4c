import type * as aws from "@pulumi/aws";
import { awsSdk } from "./aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import { invalid } from "../model/input-error";

export interface EcrRegistryArgs {
  /**
   * Repository name (lowercase; `/` makes namespaces).
   * @default the resource name
   * @example "shop/web"
   */
  repositoryName?: string;
  /**
   * `"IMMUTABLE"` refuses a push that would move an existing tag.
   * @default "MUTABLE"
   * @example "IMMUTABLE"
   */
  imageTagMutability?: "MUTABLE" | "IMMUTABLE";
  /**
   * Scan each image for known vulnerabilities when it is pushed (basic scanning).
   * @default true
   * @example false
   */
  scanOnPush?: boolean;
  /**
   * Let `pulumi destroy` delete the repository while it still holds images (they are lost).
   * @default false
   * @example true
   */
  forceDelete?: boolean;
  /**
   * Lifecycle policy: keep this many images (tagged or not, newest by push time); older ones expire.
   * @default 30
   * @example 100
   */
  keepLastImages?: number;
  /**
   * Lifecycle policy: untagged images expire this many days after their push.
   * @default 14
   * @example 1
   */
  expireUntaggedAfterDays?: number;
  /**
   * Encrypt images with this KMS key instead of ECR's default AES-256.
   * @default none: AES-256 with an AWS-owned key
   * @example "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
   */
  kmsKeyArn?: pulumi.Input<string>;
  /**
   * Tags for the repository.
   * @default none
   * @example { team: "web" }
   */
  tags?: Record<string, string>;
}

/** A registry login in the shape `Image.credentials` takes (`RegistryCredentials`). */
export interface EcrCredentials {
  /** The registry host, as in `docker login <server>`. */
  server: pulumi.Output<string>;
  /** Always `AWS` for ECR tokens. */
  username: pulumi.Output<string>;
  /** The authorization token, valid for 12 hours; a secret. */
  password: pulumi.Output<string>;
}

/** The ECR lifecycle policy document: untagged images expire after `days`, and only the newest `keep` images stay. */
export function ecrLifecyclePolicy(keep: number, days: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${days} days`,
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: days },
        action: { type: "expire" },
      },
      {
        // ECR requires the "any" rule to have the lowest priority (highest number).
        rulePriority: 2,
        description: `keep the last ${keep} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

/** `123456789012.dkr.ecr.eu-central-1.amazonaws.com` from a repository URL or an `https://` endpoint. */
export const registryHostOf = (url: string): string => url.replace(/^https?:\/\//, "").split("/")[0];

function checkArgs(args: EcrRegistryArgs, repositoryName: string): void {
  if (
    repositoryName.length < 2 ||
    repositoryName.length > 256 ||
    !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repositoryName)
  ) {
    invalid(
      "repositoryName",
      `must be 2-256 lowercase letters, digits and . _ - / (each part starting and ending with a letter or digit) (got ${JSON.stringify(repositoryName)})`,
    );
  }
  if (args.imageTagMutability !== undefined && args.imageTagMutability !== "MUTABLE" && args.imageTagMutability !== "IMMUTABLE") {
    invalid("imageTagMutability", `must be "MUTABLE" or "IMMUTABLE" (got ${JSON.stringify(args.imageTagMutability)})`);
  }
  for (const [field, value] of [
    ["keepLastImages", args.keepLastImages],
    ["expireUntaggedAfterDays", args.expireUntaggedAfterDays],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      invalid(field, `must be a positive integer (got ${JSON.stringify(value)})`);
  }
  for (const [k, v] of Object.entries(args.tags ?? {})) {
    if (!k || k.length > 128 || k.toLowerCase().startsWith("aws:"))
      invalid(`tags.${k}`, "must be a key of 1-128 characters not starting with aws:");
    if (typeof v !== "string" || v.length > 256) invalid(`tags.${k}`, "must be a string of at most 256 characters");
  }
}

/**
 * A private registry in Amazon ECR: a repository (scan on push, tag mutability, optional KMS
 * encryption), a lifecycle policy that keeps the newest images and expires untagged ones, and
 * pull credentials for the fleet's engines.
 *
 * `credentials` come from ECR's GetAuthorizationToken, an invoke that runs on every `preview` and
 * `up`, so each run hands the engines a fresh token (ECR tokens expire after 12 hours; one kept in
 * the state would soon be useless). The token is a secret.
 *
 * @example
 * const ecr = new EcrRegistry("web", { repositoryName: "shop/web" });
 * new Image("web", { engine, ref: pulumi.interpolate`${ecr.repositoryUrl}:1.4.2`, credentials: ecr.credentials });
 */
export class EcrRegistry extends DockyardComponent {
  /** The registry host, `<account>.dkr.ecr.<region>.amazonaws.com`: what engines log in to. */
  readonly endpoint: pulumi.Output<string>;
  /** `<endpoint>/<repositoryName>`: what images are tagged with. */
  readonly repositoryUrl: pulumi.Output<string>;
  /** The AWS account id of the registry. */
  readonly registryId: pulumi.Output<string>;
  /** `{ server, username, password }` for `Image.credentials`, fetched fresh on every run; the password is a secret. */
  readonly credentials: EcrCredentials;
  readonly repository: aws.ecr.Repository;
  readonly lifecyclePolicy: aws.ecr.LifecyclePolicy;

  constructor(name: string, args: EcrRegistryArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:aws:EcrRegistry", name, opts);
    const sdk = awsSdk();
    const repositoryName = args?.repositoryName ?? name;
    this.checked(() => checkArgs(args ?? {}, repositoryName));

    this.repository = new sdk.ecr.Repository(
      name,
      {
        name: repositoryName,
        imageTagMutability: args.imageTagMutability ?? "MUTABLE",
        imageScanningConfiguration: { scanOnPush: args.scanOnPush ?? true },
        forceDelete: args.forceDelete ?? false,
        encryptionConfigurations: args.kmsKeyArn !== undefined ? [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }] : undefined,
        tags: args.tags,
      },
      this.childOptions(),
    );
    this.lifecyclePolicy = new sdk.ecr.LifecyclePolicy(
      name,
      { repository: this.repository.name, policy: ecrLifecyclePolicy(args.keepLastImages ?? 30, args.expireUntaggedAfterDays ?? 14) },
      this.childOptions(),
    );
    this.repositoryUrl = this.repository.repositoryUrl;
    this.registryId = this.repository.registryId;
    this.endpoint = this.repository.repositoryUrl.apply(registryHostOf);

    // An invoke, not a resource: it runs on every preview and up, so the token is always fresh.
    const token = sdk.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, { parent: this });
    this.credentials = {
      server: this.endpoint,
      username: pulumi.unsecret(token.apply((t) => t.userName)),
      password: pulumi.secret(token.apply((t) => t.password)),
    };

    this.registerOutputs({ endpoint: this.endpoint, repositoryUrl: this.repositoryUrl, registryId: this.registryId });
  }
}
