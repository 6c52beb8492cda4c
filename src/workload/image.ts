import * as pulumi from "@pulumi/pulumi";
import { resourceComponentOptions, type ResourceComponentType } from "../components/resource-component";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { BuildSpec } from "../plan/image";
import type { DockerEngine } from "../engine/docker-engine";
import { checked, invalid } from "../model/input-error";
import { DockyardResource } from "../providers/dockyard-resource";
import type { ImageResourceArgs } from "../providers/workload-resources";
import { imageRefProblem } from "../model/image-ref";
import { type ImageSourceInput, type ImageSourceSpec, imageSourceOf, isArchiveUrl } from "../model/image-archive";

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

export interface BuildArgs {
  /**
   * Local directory with the Dockerfile; its files are sent to the host's engine.
   * @example "./app"
   */
  context: string;
  /**
   * Dockerfile path inside the context.
   * @default "Dockerfile"
   * @example "docker/Dockerfile.prod"
   */
  dockerfile?: string;
  /**
   * Build arguments.
   * @default none
   * @example { VERSION: "1.2.3" }
   */
  args?: Record<string, string>;
  /**
   * Push the built image to the registry `ref` names (with `credentials`).
   * @default false
   * @example true
   */
  push?: boolean;
}

export interface ImageSourceArgs {
  /**
   * An image archive (`docker save` or OCI): a path or `pulumi.asset.FileAsset` here, or an
   * http(s) URL or `pulumi.asset.RemoteAsset` that this machine fetches (never the host) into its
   * cache, once per checksum. Uploaded to the host once, kept there under its sha256 and
   * `docker load`ed. It must hold `ref` among its tags.
   * @default none
   * @example "./images/nginx-1.25.tar"
   */
  archive?: pulumi.asset.FileAsset | pulumi.asset.RemoteAsset | string;
  /**
   * sha256 of the archive (`sha256sum`), checked here before any host sees it and on the host on arrival.
   * @default none (required with `archive`)
   * @example "3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c"
   */
  sha256?: string;
  /**
   * Fetch the image on the machine running Pulumi (once per run, for all hosts) from a registry it
   * reaches, and copy it to the hosts as an archive: for hosts that reach no registry.
   * @default false
   * @example true
   */
  controller?: boolean;
  /**
   * With `controller`: the reference this machine fetches (the hosts know the image as `ref`).
   * @default `ref`
   * @example "registry.example.com/mirror/nginx:1.25"
   */
  from?: string;
  /**
   * With `controller`: a directory of image archives here (`*.tar`, `docker save` or OCI) to take
   * the image from instead of a registry: the archive that names `ref` is copied to the hosts.
   * @default none: a registry
   * @example "/srv/image-depot"
   */
  directory?: string;
  /**
   * INSECURE: with `controller`, the registry speaks plain HTTP; with an `archive` URL, an
   * `http://` one is accepted (its sha256 is still checked).
   * @default false
   * @example true
   */
  insecure?: boolean;
}

/**
 * A source with its archive asset read as the path or URL it names, and relative paths resolved
 * here (the provider runs in a process of its own).
 */
function sourceInput(source: ImageSourceArgs): pulumi.Output<ImageSourceInput> {
  const { archive, directory, ...rest } = source;
  // A non-string is left as it is for the check to name.
  const dir = directory === undefined ? {} : { directory: typeof directory === "string" ? path.resolve(directory) : directory };
  if (archive === undefined || typeof archive === "string") {
    const where = typeof archive === "string" ? { archive: isArchiveUrl(archive) ? archive : path.resolve(archive) } : {};
    return pulumi.output({ ...rest, ...dir, ...where } as ImageSourceInput);
  }
  // Asset.isInstance checks the SDK's marker property: an asset of another copy of @pulumi/pulumi counts too.
  if (pulumi.asset.Asset.isInstance(archive) && "path" in archive)
    return pulumi.output(archive.path).apply((p) => ({ ...rest, ...dir, archive: path.resolve(p) }));
  if (pulumi.asset.Asset.isInstance(archive) && "uri" in archive)
    return pulumi.output(archive.uri).apply((u) => ({ ...rest, ...dir, archive: u }));
  return invalid("source.archive", "must be a path, a URL, a FileAsset or a RemoteAsset");
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
   * Build the image on the host from a local context (and push it) instead of pulling it. A
   * change to any file of the context rebuilds.
   * @default none: pull `ref`
   * @example { context: "./app", push: true }
   */
  build?: BuildArgs;
  /**
   * Bring the image from an archive, or copied by this machine, instead of the host pulling it
   * (hosts with no route to a registry). `credentials` are then this machine's, kept in memory.
   * @default none: the host pulls `ref`
   * @example { archive: "./images/nginx-1.25.tar", sha256: "3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c" }
   */
  source?: ImageSourceArgs;
  /**
   * Keep the image on the host on `pulumi destroy`.
   * @default false
   * @example true
   */
  keepOnDestroy?: boolean;
}

/** Lists a build context's files and hashes them, so a changed file rebuilds. */
export function buildSpec(b: BuildArgs): BuildSpec {
  const context = path.resolve(b.context);
  if (!existsSync(context) || !statSync(context).isDirectory())
    invalid("build.context", `must be a directory (got ${JSON.stringify(b.context)})`);
  const dockerfile = b.dockerfile ?? "Dockerfile";
  const files = (readdirSync(context, { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => statSync(path.join(context, f)).isFile())
    .sort();
  if (!files.includes(dockerfile)) invalid("build.dockerfile", `${dockerfile} is not in ${b.context}`);
  const hash = createHash("sha256");
  for (const f of files)
    hash
      .update(`${f}\0`)
      .update(readFileSync(path.join(context, f)))
      .update("\0");
  hash.update(JSON.stringify([dockerfile, b.args ?? {}]));
  return { context, files, contextHash: hash.digest("hex").slice(0, 16), dockerfile, args: b.args ?? {}, push: b.push ?? false };
}

/** The schema's component type, and where a stack made before 0.4.0 keeps an Image. */
const IMAGE_TYPE: ResourceComponentType = { token: "dockyard:workload:Image", kind: "Image", legacySuffix: "-image" };

/**
 * An image on a host's engine, pulled by reference (through mirrors and private registries) and
 * pinned to the digest it resolved to. Containers built from it run that digest. It is the one
 * resource it manages (served by the plugin), not a component around it.
 *
 * @example
 * const nginx = new Image("nginx", { engine, ref: "nginx:1.25" });
 * export const digest = nginx.digest;
 */
export class Image extends DockyardResource {
  /** The schema's component type it is served as in other languages. */
  static readonly schemaType = IMAGE_TYPE;
  /** `sha256:...` the reference resolved to. */
  declare readonly digest: pulumi.Output<string>;
  /** `repository@sha256:...`, what a Container runs. */
  declare readonly repoDigest: pulumi.Output<string>;
  declare readonly drift: pulumi.Output<string[]>;
  /** The reference as declared. */
  readonly ref: pulumi.Output<string>;
  readonly engine: DockerEngine;
  /** What dependents wait for: the image itself. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: ImageArgs, opts?: pulumi.ComponentResourceOptions) {
    const what = `Image ${name}`;
    const policy = args?.pullPolicy ?? "ifMissing";
    checked(what, () => {
      if (!args?.engine) invalid("engine", "is required");
      if (policy !== "always" && policy !== "ifMissing")
        invalid("pullPolicy", `must be always or ifMissing (got ${JSON.stringify(policy)})`);
      if (typeof args.ref === "string" && imageRefProblem(args.ref)) invalid("ref", imageRefProblem(args.ref));
    });
    const build = args.build ? checked(what, () => buildSpec(args.build!)) : undefined;
    if (args.build && args.source) checked(what, () => invalid("source", "cannot be set with build: the image is built on the host"));
    const declaredRef = typeof args.ref === "string" ? args.ref : undefined;
    // Checked now when the archive is plain text; an asset's path or URL is checked once known.
    if (args.source && (args.source.archive === undefined || typeof args.source.archive === "string"))
      checked(what, () => imageSourceOf(args.source as ImageSourceInput, declaredRef));
    const sourceIn = args.source ? checked(what, () => sourceInput(args.source!)) : undefined;
    const spec = pulumi.all([args.ref, sourceIn]).apply(([ref, input]) => {
      checked(what, () => imageRefProblem(ref) && invalid("ref", imageRefProblem(ref)));
      const source: ImageSourceSpec | undefined = input ? checked(what, () => imageSourceOf(input, ref)) : undefined;
      return {
        ref,
        pullPolicy: policy,
        ...(args.keepOnDestroy ? { keep: true } : {}),
        ...(build ? { build } : {}),
        ...(source ? { source } : {}),
      };
    });
    const c = args.credentials;
    const registryAuth = c
      ? pulumi.secret(
          pulumi
            .all([c.server, c.username, c.password])
            .apply(([serveraddress, username, password]) => ({ serveraddress, username, password })),
        )
      : undefined;
    const host = args.engine.host;
    super(
      "Image",
      name,
      { connection: host.connection, credentials: host.credentials, spec, registryAuth } satisfies ImageResourceArgs,
      resourceComponentOptions(IMAGE_TYPE, name, opts, [args.engine.ready]),
    );
    this.engine = args.engine;
    this.ref = pulumi.output(args.ref);
    this.ready = this;
  }
}
