// Registry: a private registry (or pull-through mirror) run as a container.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import { DEFAULT_REGISTRY_IMAGE, DEFAULT_REGISTRY_PORT } from "../defaults";
import { json } from "./json";
import type { ComponentSettings, ObjectType } from "./types";

export const registryComponent: ComponentSettings = {
  token: "dockyard:registry:Registry",
  description:
    "A private registry running as a container on a host: storage on a host path that survives replacement, htpasswd auth from secrets, TLS from a given or generated certificate that the fleet's engines are made to trust, or a pull-through mirror of an upstream registry.",
  args: { file: "src/registry/registry.ts", name: "RegistryArgs" },
  class: { file: "src/registry/registry.ts", name: "Registry" },
  example: {
    name: "registry",
    properties: {
      engine: "${docker}",
      users: [{ username: "deploy", password: "${registryPassword}" }],
      tls: "generate",
      trustedBy: ["${docker}"],
    },
  },
  fleet: {
    section: "Registry",
    keys: { engine: "host", address: null, name: null, imageSource: null },
    fleetOnly: ["name"],
    why: "The fleet names the host (its engine) by name and the address is that host's; its `name` names the resources, the container keeps its default name. The image's source is the `source` of an `images:` entry for the registry's image on its host.",
  },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description: "The engine the registry runs on.",
      example: "engine",
    },
    image: {
      type: "string",
      description: "Registry image. In pull-through and air-gapped setups it comes through the engine's mirrors.",
      default: json(DEFAULT_REGISTRY_IMAGE),
      example: '"10.0.0.5:5000/library/registry:2"',
    },
    imageSource: {
      type: { ref: "ImageSourceArgs" },
      description:
        "Bring the registry image from an archive, or copied by this machine, instead of the host pulling it (an intranet with no registry yet).",
      default: "none: the host pulls `image`",
      example: '{ archive: "./images/registry-2.8.3.tar", sha256: "3f1c2a5e0b8d4c6e9a7b1d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c" }',
    },
    name: { type: "string", description: "Container name.", default: '"registry"', example: '"registry-mirror"' },
    port: { type: "integer", description: "Host port.", default: json(DEFAULT_REGISTRY_PORT), example: "443" },
    address: {
      type: "string",
      description: "The address clients use (and the generated certificate is made for).",
      default: "the host's address",
      example: '"registry.intra"',
    },
    storagePath: {
      type: "string",
      description: "Host directory for the registry's data; kept when the container is replaced.",
      default: '"/var/lib/dockyard/registry/<name>"',
      example: '"/data/registry"',
    },
    users: {
      type: { array: { ref: "RegistryUser" } },
      description: "Users allowed in (htpasswd, bcrypt). Without users the registry is open.",
      default: "none",
      example: '[{ username: "deploy", password: config.requireSecret("registryPassword") }]',
    },
    tls: {
      type: { oneOf: [{ ref: "RegistryTls" }, { enum: ["generate"] }] },
      description:
        'TLS: a given certificate and key, or `"generate"` for a private CA and a certificate for `address` made once and kept in the state.',
      default: "none (plain http: engines need it in insecureRegistries)",
      example: '"generate"',
    },
    trustedBy: {
      type: { array: { resource: "dockyard:engine:DockerEngine" } },
      description:
        "Engines that must trust the registry's CA: it is written to their /etc/docker/certs.d/<address:port>/ca.crt (no restart needed).",
      default: "[the registry's own engine]",
      example: "[engineA, engineB]",
    },
    proxy: {
      type: { ref: "RegistryProxy" },
      description: "Pull-through mirror mode: the registry caches an upstream registry.",
      default: "none (a private registry)",
      example: '{ remoteUrl: "https://registry-1.docker.io" }',
      secret: true,
    },
  },
  outputs: {
    endpoint: { type: "string", description: "`address:port`, what images are tagged with and engines log in to." },
    caCertificate: { type: "string", description: "The CA certificate clients need (TLS with a private CA)." },
  },
};

/** The object types these components' settings refer to. */
export const REGISTRY_TYPES: Readonly<Record<string, ObjectType>> = {
  RegistryUser: {
    description: "A user of a registry, checked with htpasswd (bcrypt).",
    source: { file: "src/registry/registry.ts", name: "RegistryUser" },
    properties: {
      username: { type: "string", required: true, description: "", example: '"deploy"' },
      password: {
        type: "string",
        required: true,
        description: "Stored as a Pulumi secret; on the host only as a bcrypt hash.",
        example: 'config.requireSecret("registryPassword")',
        secret: true,
      },
    },
  },
  RegistryTls: {
    description: "The certificate a registry serves.",
    source: { file: "src/registry/registry.ts", name: "RegistryTls" },
    properties: {
      certificate: {
        type: "string",
        required: true,
        description: "Server certificate (PEM), with the chain.",
        example: 'fs.readFileSync("registry.crt", "utf8")',
      },
      privateKey: {
        type: "string",
        required: true,
        description: "Its private key (PEM); stored as a secret.",
        example: 'config.requireSecret("registryKey")',
        secret: true,
      },
      caCertificate: {
        type: "string",
        description: "The CA that signed it, for engines to trust (certs.d); leave out for a publicly trusted one.",
        default: "none",
        example: 'fs.readFileSync("ca.crt", "utf8")',
      },
    },
  },
  RegistryProxy: {
    description: "The upstream a pull-through mirror registry serves from.",
    properties: {
      remoteUrl: { type: "string", required: true, description: "" },
      username: { type: "string", description: "" },
      password: { type: "string", description: "", secret: true },
    },
  },
};
