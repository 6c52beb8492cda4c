import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import { createHash } from "node:crypto";
import type { DockerEngine } from "../engine/docker-engine";
import { invalid } from "../model/input-error";
import { checkHostValue } from "../model/host-values";
import { HtpasswdResource } from "../providers/htpasswd-resource";
import { CertificateResource, RemoteFileResource } from "../providers/workload-resources";
import { Container } from "../workload/container";
import { Image, type ImageSourceArgs } from "../workload/image";
import { imageRefProblem } from "../model/image-ref";
import { DEFAULT_REGISTRY_IMAGE, DEFAULT_REGISTRY_PORT } from "../model/defaults";

export interface RegistryUser {
  /** @example "deploy" */
  username: string;
  /**
   * Stored as a Pulumi secret; on the host only as a bcrypt hash.
   * @example config.requireSecret("registryPassword")
   */
  password: pulumi.Input<string>;
}

export interface RegistryTls {
  /**
   * Server certificate (PEM), with the chain.
   * @example fs.readFileSync("registry.crt", "utf8")
   */
  certificate: pulumi.Input<string>;
  /**
   * Its private key (PEM); stored as a secret.
   * @example config.requireSecret("registryKey")
   */
  privateKey: pulumi.Input<string>;
  /**
   * The CA that signed it, for engines to trust (certs.d); leave out for a publicly trusted one.
   * @default none
   * @example fs.readFileSync("ca.crt", "utf8")
   */
  caCertificate?: pulumi.Input<string>;
}

export interface RegistryArgs {
  /**
   * The engine the registry runs on.
   * @example engine
   */
  engine: DockerEngine;
  /**
   * Registry image. In pull-through and air-gapped setups it comes through the engine's mirrors.
   * @default "registry:2"
   * @example "10.0.0.5:5000/library/registry:2"
   */
  image?: pulumi.Input<string>;
  /**
   * Bring the registry image from an archive, or copied by this machine, instead of the host
   * pulling it (an intranet with no registry yet).
   * @default none: the host pulls `image`
   * @example { archive: "./images/registry-2.8.3.tar", sha256: "3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c" }
   */
  imageSource?: ImageSourceArgs;
  /**
   * Container name.
   * @default "registry"
   * @example "registry-mirror"
   */
  name?: string;
  /**
   * Host port.
   * @default 5000
   * @example 443
   */
  port?: number;
  /**
   * The address clients use (and the generated certificate is made for).
   * @default the host's address
   * @example "registry.intra"
   */
  address?: pulumi.Input<string>;
  /**
   * Host directory for the registry's data; kept when the container is replaced.
   * @default "/var/lib/dockyard/registry/<name>"
   * @example "/data/registry"
   */
  storagePath?: string;
  /**
   * Users allowed in (htpasswd, bcrypt). Without users the registry is open.
   * @default none
   * @example [{ username: "deploy", password: config.requireSecret("registryPassword") }]
   */
  users?: RegistryUser[];
  /**
   * TLS: a given certificate and key, or `"generate"` for a private CA and a certificate for
   * `address` made once and kept in the state.
   * @default none (plain http: engines need it in insecureRegistries)
   * @example "generate"
   */
  tls?: RegistryTls | "generate";
  /**
   * Engines that must trust the registry's CA: it is written to their
   * /etc/docker/certs.d/<address:port>/ca.crt (no restart needed).
   * @default [the registry's own engine]
   * @example [engineA, engineB]
   */
  trustedBy?: DockerEngine[];
  /**
   * Pull-through mirror mode: the registry caches an upstream registry.
   * @default none (a private registry)
   * @example { remoteUrl: "https://registry-1.docker.io" }
   */
  proxy?: { remoteUrl: string; username?: pulumi.Input<string>; password?: pulumi.Input<string> };
}

/** The port the registry listens on inside its container (the registry image's own). */
const LISTEN_PORT = 5000;

/**
 * A private registry running as a container on a host: storage on a host path that survives
 * replacement, htpasswd auth from secrets, TLS from a given or generated certificate that the
 * fleet's engines are made to trust, or a pull-through mirror of an upstream registry.
 *
 * @example
 * const registry = new Registry("registry", { engine, users: [{ username: "deploy", password }], tls: "generate" });
 * export const endpoint = registry.endpoint; // "10.0.0.12:5000"
 */
export class Registry extends DockyardComponent {
  /** `address:port`, what images are tagged with and engines log in to. */
  readonly endpoint: pulumi.Output<string>;
  /** The CA certificate clients need (TLS with a private CA). */
  readonly caCertificate: pulumi.Output<string | undefined>;
  readonly container: Container;

  constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:registry:Registry", name, opts);
    const cname = args?.name ?? "registry";
    const port = args?.port ?? DEFAULT_REGISTRY_PORT;
    this.checked(() => {
      if (!args?.engine) invalid("engine", "is required");
      if (!Number.isInteger(port) || port < 1 || port > 65535) invalid("port", `must be an integer 1-65535 (got ${JSON.stringify(port)})`);
      if (typeof args.image === "string" && imageRefProblem(args.image)) invalid("image", imageRefProblem(args.image));
      if (args.storagePath !== undefined && !args.storagePath.startsWith("/")) invalid("storagePath", "must be an absolute path");
      (args.users ?? []).forEach((u, i) => {
        checkHostValue("name", `users[${i}].username`, u.username);
      });
      if (args.proxy && !/^https?:\/\//.test(args.proxy.remoteUrl)) invalid("proxy.remoteUrl", "must be an http(s) URL");
    });
    const engine = args.engine;
    const host = engine.host;
    const dir = args.storagePath ?? `/var/lib/dockyard/registry/${cname}`;
    const address = pulumi.output(args.address ?? host.connection.apply((c) => c.host));
    this.endpoint = address.apply((a) => `${a}:${port}`);
    const connected = { connection: host.connection, credentials: host.credentials };
    const files: RemoteFileResource[] = [];
    const env: Record<string, pulumi.Input<string>> = {};
    const volumes = [`${dir}/data:/var/lib/registry`];

    if (args.users?.length) {
      // bcrypt with a random salt, made once per password and kept as a secret in the state.
      const htpasswd = new HtpasswdResource(
        `${name}-users`,
        { users: args.users.map((u) => ({ username: u.username, password: u.password })) },
        this.childOptions(),
      );
      files.push(
        new RemoteFileResource(
          `${name}-htpasswd`,
          { ...connected, path: `${dir}/auth/htpasswd`, content: pulumi.secret(htpasswd.content), mode: "0600" },
          this.childOptions(engine.ready),
        ),
      );
      env.REGISTRY_AUTH = "htpasswd";
      env.REGISTRY_AUTH_HTPASSWD_REALM = "Registry";
      env.REGISTRY_AUTH_HTPASSWD_PATH = "/auth/htpasswd";
      volumes.push(`${dir}/auth:/auth:ro`);
    }

    let ca: pulumi.Output<string | undefined> = pulumi.output(undefined);
    if (args.tls) {
      let cert: pulumi.Input<string>;
      let key: pulumi.Input<string>;
      if (args.tls === "generate") {
        const generated = new CertificateResource(
          `${name}-certificate`,
          { names: address.apply((a) => [a]), days: 825 },
          this.childOptions(),
        );
        cert = generated.certificate;
        key = generated.privateKey;
        ca = generated.caCertificate;
      } else {
        cert = args.tls.certificate;
        key = pulumi.secret(args.tls.privateKey);
        ca = pulumi.output(args.tls.caCertificate);
      }
      files.push(
        new RemoteFileResource(
          `${name}-tls-cert`,
          { ...connected, path: `${dir}/certs/domain.crt`, content: cert, mode: "0644" },
          this.childOptions(engine.ready),
        ),
      );
      files.push(
        new RemoteFileResource(
          `${name}-tls-key`,
          { ...connected, path: `${dir}/certs/domain.key`, content: pulumi.secret(key), mode: "0600" },
          this.childOptions(engine.ready),
        ),
      );
      env.REGISTRY_HTTP_TLS_CERTIFICATE = "/certs/domain.crt";
      env.REGISTRY_HTTP_TLS_KEY = "/certs/domain.key";
      volumes.push(`${dir}/certs:/certs:ro`);
      // Engines trust the CA per registry address (certs.d); docker reads it on each pull.
      const privateCa = args.tls === "generate" || args.tls.caCertificate !== undefined;
      for (const [i, e] of (privateCa ? (args.trustedBy ?? [engine]) : []).entries()) {
        const trust = ca.apply((c) => c ?? "");
        files.push(
          new RemoteFileResource(
            `${name}-trust-${i}`,
            {
              connection: e.host.connection,
              credentials: e.host.credentials,
              path: this.endpoint.apply((ep) => `/etc/docker/certs.d/${ep}/ca.crt`),
              content: trust,
              mode: "0644",
            },
            this.childOptions(e.ready),
          ),
        );
      }
    }
    if (args.proxy) {
      env.REGISTRY_PROXY_REMOTEURL = args.proxy.remoteUrl;
      if (args.proxy.username) env.REGISTRY_PROXY_USERNAME = args.proxy.username;
      if (args.proxy.password) env.REGISTRY_PROXY_PASSWORD = args.proxy.password;
    }
    this.caCertificate = ca;

    const image = new Image(
      `${name}-image`,
      { engine, ref: args.image ?? DEFAULT_REGISTRY_IMAGE, keepOnDestroy: true, ...(args.imageSource ? { source: args.imageSource } : {}) },
      this.childOptions(),
    );
    // The registry reads its files at start: a new certificate or user list means a new container.
    const filesHash = pulumi
      .all(files.map((f) => f.sha256))
      .apply((shas) => createHash("sha256").update(shas.join(",")).digest("hex").slice(0, 16));
    this.container = new Container(
      `${name}-container`,
      {
        engine,
        name: cname,
        image,
        ports: [`${port}:${LISTEN_PORT}`],
        volumes,
        env,
        restartPolicy: "always",
        labels: filesHash.apply((h) => ({ "dockyard.registry.files": h })),
      },
      this.childOptions(...files),
    );
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
