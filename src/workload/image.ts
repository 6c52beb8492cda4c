import * as pulumi from "@pulumi/pulumi";
import type { DockerEngine } from "../engine/docker-engine";
import { childDeps } from "../dependencies";
import { checked, invalid } from "../input-error";
import { ImageResource } from "../providers/workload-resources";
import { imageRefProblem } from "./image-ref";

export interface RegistryCredentials {
  /**
   * Registry the credentials are for, as in `docker login <server>`.
   * @example "10.0.0.5:5000"
   */
  server: pulumi.Input<string>;
  /**
   * @example "deploy"
   */
  username: pulumi.Input<string>;
  /**
   * Stored as a Pulumi secret; never logged.
   * @example config.requireSecret("registryPassword")
   */
  password: pulumi.Input<string>;
}

export interface ImageArgs {
  /**
   * The engine to pull onto.
   * @example engine
   */
  engine: DockerEngine;
  /**
   * Image reference. Docker Hub images come through the engine's registry mirrors.
   * @example "nginx:1.25"
   */
  ref: pulumi.Input<string>;
  /**
   * `ifMissing`: pull only when the host does not have the image. `always`: check the registry on
   * every `up` and refresh, and pull when the tag points at a new digest.
   * @default "ifMissing"
   * @example "always"
   */
  pullPolicy?: "always" | "ifMissing";
  /**
   * Credentials for a private registry.
   * @default none
   * @example { server: "10.0.0.5:5000", username: "deploy", password: config.requireSecret("registryPassword") }
   */
  credentials?: RegistryCredentials;
  /**
   * Keep the image on the host on `pulumi destroy`.
   * @default false
   * @example true
   */
  keepOnDestroy?: boolean;
}

/**
 * An image on a host's engine, pulled by reference (through mirrors and private registries) and
 * pinned to the digest it resolved to. Containers built from it run that digest.
 *
 * @example
 * const nginx = new Image("nginx", { engine, ref: "nginx:1.25" });
 * export const digest = nginx.digest;
 */
export class Image extends pulumi.ComponentResource {
  /** `sha256:...` the reference resolved to. */
  readonly digest: pulumi.Output<string>;
  /** `repository@sha256:...`, what a Container runs. */
  readonly repoDigest: pulumi.Output<string>;
  /** The reference as declared. */
  readonly ref: pulumi.Output<string>;
  readonly drift: pulumi.Output<string[]>;
  readonly engine: DockerEngine;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:workload:Image", name, {}, opts);
    const what = `Image ${name}`;
    const policy = args?.pullPolicy ?? "ifMissing";
    checked(what, () => {
      if (!args?.engine) invalid("engine", "is required");
      if (policy !== "always" && policy !== "ifMissing") invalid("pullPolicy", `must be always or ifMissing (got ${JSON.stringify(policy)})`);
      if (typeof args.ref === "string" && imageRefProblem(args.ref)) invalid("ref", imageRefProblem(args.ref));
    });
    const spec = pulumi.output(args.ref).apply((ref) => {
      checked(what, () => imageRefProblem(ref) && invalid("ref", imageRefProblem(ref)));
      return { ref, pullPolicy: policy, ...(args.keepOnDestroy ? { keep: true } : {}) };
    });
    const c = args.credentials;
    const registryAuth = c
      ? pulumi.secret(pulumi.all([c.server, c.username, c.password]).apply(([serveraddress, username, password]) => ({ serveraddress, username, password })))
      : undefined;
    const host = args.engine.host;
    const res = new ImageResource(
      `${name}-image`,
      { connection: host.connection, credentials: host.credentials, spec, registryAuth },
      { parent: this, dependsOn: childDeps(opts, args.engine.ready) },
    );
    this.engine = args.engine;
    this.ref = pulumi.output(args.ref);
    this.digest = res.digest;
    this.repoDigest = res.repoDigest;
    this.drift = res.drift;
    this.ready = res;
    this.registerOutputs({ digest: this.digest });
  }
}
