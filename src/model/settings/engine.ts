// DockerEngine and DaemonConfig: how the engine is installed and how its daemon is configured.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
import {
  DEFAULT_CHANNEL,
  DEFAULT_DOCKER_CE_KEY_FINGERPRINT,
  DEFAULT_DOCKER_CE_MIRROR,
  DEFAULT_OFFLINE_INSTALL_DIR,
  DEFAULT_PACKAGE_SOURCE,
} from "../defaults";
import { json } from "./json";
import type { ComponentSettings, ObjectType } from "./types";

export const engineComponent: ComponentSettings = {
  token: "dockyard:engine:DockerEngine",
  description:
    "The Docker engine on a host: installed online (docker-ce or a mirror of it, or the distro's packages, version pinned), offline (a static bundle, uploaded once), or adopted as it is; started and enabled on boot, checked with `docker version`. `pulumi refresh` shows an engine removed, stopped or replaced by hand; `pulumi up` repairs it.",
  args: { file: "src/engine/docker-engine.ts", name: "DockerEngineArgs" },
  class: { file: "src/engine/docker-engine.ts", name: "DockerEngine" },
  example: { name: "docker", properties: { host: "${web1}", method: "online", version: "25.0.3" } },
  fleet: { section: "Engine", keys: { host: null }, why: "The fleet makes the host the engine is on." },
  inputs: {
    host: {
      type: { resource: "dockyard:host:Host" },
      required: true,
      description: "The machine to install on.",
      example: 'new Host("web1", { address: "10.0.0.12", privateKey, hostKey })',
    },
    method: {
      type: { enum: ["online", "offline", "adopt"] },
      description:
        "`online`: packages from a repository (docker-ce at download.docker.com or any mirror of it, or the distribution's own). `offline`: a static `docker-<v>.tgz` bundle uploaded from here, nothing downloaded by the host. `adopt`: an engine already there is checked and reported, never changed.",
      default: '"online"',
      example: '"offline"',
    },
    source: {
      type: { enum: ["docker-ce", "distro"] },
      description:
        "Where online packages come from: `docker-ce` (Docker's repository or a mirror of it) or `distro` (docker.io on Debian/Ubuntu, docker on Amazon Linux, moby-engine on Fedora).",
      default: json(DEFAULT_PACKAGE_SOURCE),
      example: '"distro"',
    },
    mirror: {
      type: "string",
      description:
        "Base URL of the docker-ce repository or of a mirror serving the same tree (`<mirror>/linux/<os>/...`). The repository definition points the packages themselves at it: the apt line and the yum `baseurl` are written with this URL, not fetched from the origin. Credentials in it (`https://user:pass@mirror/...`) are a secret: give the URL as a `pulumi.secret` (or a config secret); they reach the host only in root-only files (apt `auth.conf.d`, a 0600 `.repo` file) and curl's stdin, never a command line or a message. A plain `http://` mirror is refused unless `allowInsecureHttp`.",
      default: json(DEFAULT_DOCKER_CE_MIRROR),
      example: '"https://mirrors.aliyun.com/docker-ce"',
    },
    mirrorKeyFingerprint: {
      type: "string",
      description:
        "OpenPGP fingerprint the repository's signing key must have. The host fetches the key into a staging file and it is trusted (apt keyring, rpm key file) only when its fingerprint is this one; otherwise nothing changes and the error says which fingerprint was found. Set it for a mirror that re-signs the packages with its own key.",
      default: `${json(DEFAULT_DOCKER_CE_KEY_FINGERPRINT)} (Docker's published key)`,
      example: '"1A2B 3C4D 5E6F 7081 92A3  B4C5 D6E7 F809 1A2B 3C4D"',
    },
    allowInsecureHttp: {
      type: "boolean",
      description:
        "INSECURE: accept a plain `http://` mirror or bundle URL. Whoever is on the path can then serve other packages (only the pinned key still stands between them and root) and read any credentials in the URL. Warned about on every run.",
      default: "false",
      example: "true",
    },
    channel: { type: { enum: ["stable", "test"] }, description: "docker-ce channel.", default: json(DEFAULT_CHANNEL), example: '"test"' },
    version: {
      type: "string",
      description:
        "Engine version pin, matched by numeric components: `24.0.7` is exactly that release, `24.0` the newest 24.0.x (never 24.04). A pinned engine is held (apt-mark hold) so routine upgrades do not move it. Raising the pin upgrades; lowering it needs `allowDowngrade`.",
      default: "the newest the repository has",
      example: '"24.0.7"',
    },
    allowDowngrade: {
      type: "boolean",
      description: "Allow a pin lower than the installed version to downgrade the engine.",
      default: "false",
      example: "true",
    },
    bundle: {
      type: { oneOf: ["asset", "asset", "string"] },
      description:
        "The static bundle for `offline`: a `pulumi.asset.FileAsset` (a file here), a `pulumi.asset.RemoteAsset` (an http(s) URL that this machine fetches, never the host), or a path. Laid out like Docker's `docker-<version>.tgz`: a `docker/` folder of binaries.",
      default: "none",
      example: 'new pulumi.asset.FileAsset("bundles/docker-24.0.7.tgz")',
    },
    bundleSha256: {
      type: "string",
      description:
        "sha256 (hex) of the bundle. Checked here before upload and again on the host; a host that already has a file with this checksum gets no upload.",
      default: "none: required with `bundle`",
      example: '"a1b2...64 hex digits"',
    },
    bundles: {
      type: { map: { ref: "OfflineBundleArgs" } },
      description:
        "Offline bundles per architecture, keyed by Docker's folder names (`x86_64`, `aarch64`, `armhf`, `armel`, `ppc64le`, `s390x`): each host gets the one for its `uname -m` (`armv7l` runs `armhf`). A host whose architecture has none is refused, naming its architecture and those given, before anything is uploaded or changed. Instead of `bundle`; `bundle` alone stays one bundle for whatever architecture the host is.",
      default: "none",
      example: '{ x86_64: { bundle: new pulumi.asset.FileAsset("bundles/x86_64/docker-24.0.7.tgz"), sha256: "a1b2...64 hex digits" } }',
    },
    installDir: {
      type: "string",
      description: "Where the offline bundle's binaries go.",
      default: json(DEFAULT_OFFLINE_INSTALL_DIR),
      example: '"/usr/local/bin"',
    },
    uninstallOnDelete: {
      type: "boolean",
      description:
        "On `pulumi destroy`, remove what Dockyard installed (packages and repository, or the offline files and units). By default the engine stays, since containers may depend on it. /var/lib/docker (images, volumes) is never removed.",
      default: "false",
      example: "true",
    },
    replacePackages: {
      type: { array: "string" },
      description:
        "Packages the install may remove that it otherwise refuses to: conflicting packages (the distribution's `docker.io`, `podman-docker`, `moby-engine`, RHEL's `docker`, ...) that run an engine with containers, which their removal would stop, and installed packages that depend on a conflicting one (`podman`, `cri-o`, ...), which the package manager would remove with it. Each is named: Dockyard never removes such a package unless it is listed here. To keep an engine that is there as it is, use `method: \"adopt\"` instead.",
      default: "[] (an install that would remove any of them is refused, naming them; nothing is changed)",
      example: '["docker.io", "containerd", "runc"]',
    },
    plugins: {
      type: { array: { enum: ["compose", "buildx"] } },
      description:
        'Docker CLI plugins installed with a docker-ce engine, from the same repository: `compose` (docker-compose-plugin: `docker compose`) and `buildx` (docker-buildx-plugin). After the install `docker compose version` must answer (the `composeVersion` output); a plugin package removed by hand is drift that `up` installs again. `[]` installs none. The distribution\'s packages bring none: give `[]` there, or leave it unset. An offline engine gets compose only from `composePlugin` (then the default is `["compose"]`).',
      default: '["compose", "buildx"] with method online and source docker-ce (as Docker\'s install guide); [] otherwise',
      example: '["compose"]',
    },
    composePlugin: {
      type: { oneOf: ["asset", "asset", "string"] },
      description:
        "The compose CLI plugin for `offline`: Docker's static `docker-compose-linux-<arch>` binary, as a `pulumi.asset.FileAsset`, a `pulumi.asset.RemoteAsset` (fetched by this machine, never the host) or a path. Uploaded and kept like the bundle, installed as /usr/local/lib/docker/cli-plugins/docker-compose (0755, root); `docker compose version` must then answer (the `composeVersion` output). Removed with the offline install.",
      default: 'none (an offline engine has no compose plugin; `plugins: ["compose"]` then is refused)',
      example: 'new pulumi.asset.FileAsset("bundles/docker-compose-linux-x86_64")',
    },
    composePluginSha256: {
      type: "string",
      description: "sha256 (hex) of the compose plugin binary, checked here before upload and again on the host.",
      default: "none: required with `composePlugin`",
      example: '"a1b2...64 hex digits"',
    },
  },
  outputs: {
    version: { type: "string", description: "The server version the daemon reports, e.g. `24.0.7`." },
    apiVersion: { type: "string", description: "The Engine API version, e.g. `1.43`." },
    packageVersion: { type: "string", description: "The installed engine package version (online installs)." },
    bundleUploaded: { type: "boolean", description: "Offline: true when the last change uploaded the bundle, false when the host had it." },
    composeVersion: {
      type: "string",
      description: "`docker compose version` on the host (e.g. `2.26.1`), empty when the docker CLI has no compose plugin.",
    },
    drift: { type: { array: "string" }, description: "What refresh found different from the declaration (empty after `up`)." },
    dockerHost: {
      type: "string",
      description: "The docker CLI's `DOCKER_HOST` for this engine: `ssh://user@address:port` (IPv6 in brackets).",
    },
    knownHostsLine: {
      type: "string",
      description:
        "The host's pinned key as an OpenSSH known_hosts line (`address type key`, `[address]:port type key` off port 22), then the jump host's line when there is one; empty when only a fingerprint is pinned.",
    },
    dockerContextCommand: {
      type: "string",
      description: "`docker context create <host name> --docker host=ssh://...`, its arguments single-quoted.",
    },
    sshConfig: {
      type: "string",
      description:
        "ssh_config block(s) for the docker CLI's ssh: the host's port and user, its known_hosts file (`~/.ssh/dockyard-<context>.known_hosts`, holding `knownHostsLine`) with strict checking, and a ProxyJump (with the jump host's own block) when the Host has a jump host. No key: add `IdentityFile` or use ssh-agent.",
    },
  },
};

export const daemonConfigComponent: ComponentSettings = {
  token: "dockyard:engine:DaemonConfig",
  description:
    "/etc/docker/daemon.json on an engine's host: registry mirrors, insecure registries and other daemon settings, merged with what is there (or replacing it). Validated before use, backed up, written atomically, docker restarted only when the content changed, checked in `docker info`, and the old file restored if docker does not come back.",
  args: { file: "src/engine/daemon-config.ts", name: "DaemonConfigArgs" },
  class: { file: "src/engine/daemon-config.ts", name: "DaemonConfig" },
  example: {
    name: "daemon",
    properties: {
      engine: "${docker}",
      registryMirrors: ["https://mirror.gcr.io"],
      liveRestore: true,
      logDriver: "json-file",
      logOpts: { "max-size": "10m", "max-file": "3" },
    },
  },
  fleet: {
    section: "Daemon",
    keys: { engine: null, refuseOverwriting: null },
    fleetOnly: ["logRotation"],
    why: "The fleet sets refuseOverwriting itself, for its default log rotation (`logRotation`).",
  },
  inputs: {
    engine: {
      type: { resource: "dockyard:engine:DockerEngine" },
      required: true,
      description: "The engine whose daemon this configures (its host is the one changed).",
      example: 'new DockerEngine("web1-docker", { host: web1 })',
    },
    registryMirrors: {
      type: { array: "string" },
      description:
        "Registry mirrors, tried before Docker Hub for `docker pull` of Hub images. Each must be an http(s) base URL; after the restart `docker info` must list them or the run fails.",
      default: "none",
      example: '["https://mirror.gcr.io", "http://10.0.0.5:5000"]',
    },
    insecureRegistries: {
      type: { array: "string" },
      description: "Registries reached over plain http or with untrusted certificates: host[:port] or a CIDR.",
      default: "none",
      example: '["10.0.0.5:5000"]',
    },
    logDriver: {
      type: "string",
      description: "Default logging driver for containers.",
      default: "dockerd's own (json-file)",
      example: '"journald"',
    },
    logOpts: {
      type: { map: "string" },
      description: "Options of the logging driver.",
      default: "none",
      example: '{ "max-size": "10m", "max-file": "3" }',
    },
    storageDriver: { type: "string", description: "Storage driver.", default: "dockerd's choice (overlay2)", example: '"overlay2"' },
    execOpts: {
      type: { array: "string" },
      description: "dockerd exec options, e.g. the cgroup driver.",
      default: "none",
      example: '["native.cgroupdriver=systemd"]',
    },
    dataRoot: {
      type: "string",
      description: "Where docker keeps images, containers and volumes.",
      default: '"/var/lib/docker"',
      example: '"/data/docker"',
    },
    liveRestore: {
      type: "boolean",
      description: "Keep containers running while dockerd restarts (this config's own restarts included).",
      default: "false",
      example: "true",
    },
    bip: {
      type: "string",
      description: "Address and netmask of the docker0 bridge.",
      default: "dockerd's choice",
      example: '"172.26.0.1/16"',
    },
    defaultAddressPools: {
      type: { array: { ref: "AddressPool" } },
      description: "Address pools for networks docker creates.",
      default: "dockerd's own",
      example: '[{ base: "10.200.0.0/16", size: 24 }]',
    },
    maxConcurrentDownloads: { type: "number", description: "Parallel layer downloads per pull.", default: "3", example: "10" },
    profile: {
      type: { enum: ["hardened", "none"] },
      description:
        "A set of daemon.json keys to start from. `hardened`: the CIS Docker Benchmark's daemon recommendations that need nothing else built: `icc: false`, `no-new-privileges: true`, `live-restore: true`, `userland-proxy: false` and log rotation (`json-file`, 10m x 5). Every key shows in the preview like any other; a key given explicitly (an argument or `settings`) wins over the profile's. What each answers and may break: docs/hardening.md.",
      default: '"none"',
      example: '"hardened"',
    },
    usernsRemap: {
      type: "string",
      description:
        "User namespace remapping (daemon.json `userns-remap`): root in a container is an unprivileged user on the host. `default` makes the `dockremap` user; or name a user (`user[:group]`) with /etc/subuid and /etc/subgid ranges. Not in the hardened profile: it changes the owner of every container's files, so existing images and volumes are seen afresh, and it does not combine with `--privileged` or the host's PID and network namespaces.",
      default: "none",
      example: '"default"',
    },
    authorizationPlugins: {
      type: { array: "string" },
      description:
        "Authorization plugins that allow or refuse each Engine API request (daemon.json `authorization-plugins`). Not in the hardened profile: a plugin must be installed and running first, or dockerd refuses every request.",
      default: "none",
      example: '["opa-docker-authz"]',
    },
    settings: {
      type: { map: "any" },
      description:
        "Any other daemon.json settings, by their daemon.json names. Unknown names and wrong types are refused before anything changes (with a suggestion for a misspelt name).",
      default: "none",
      example: '{ "default-ulimits": { nofile: { Name: "nofile", Hard: 65536, Soft: 65536 } } }',
    },
    policy: {
      type: { enum: ["merge", "replace"] },
      description:
        "`merge`: keys Dockyard does not manage are kept and ours win; destroy removes only ours. `replace`: the file holds exactly these settings; destroy restores the file that was there.",
      default: '"merge"',
      example: '"replace"',
    },
    proxy: {
      type: { ref: "DaemonProxyArgs" },
      description:
        "dockerd behind an HTTP(S) proxy: the values go to the root-only (0600) environment file /etc/docker/dockyard-proxy.env, named by the systemd drop-in /etc/systemd/system/docker.service.d/http-proxy.conf (`EnvironmentFile=`, so `systemctl show` shows no credential to local users), applied with daemon.json in one restart, checked in `docker info`, rolled back with it. Kept as a secret in state and never logged; written over stdin, never in a command line. Dropping the argument (or destroy) removes both files.",
      default: "none (a drop-in of the same name that Dockyard did not write is left alone)",
      example: '{ https: "http://proxy.corp:3128", noProxy: ["localhost", ".corp"] }',
      secret: true,
    },
    refuseOverwriting: {
      type: { array: "string" },
      description:
        "daemon.json keys of ours that are defaults, not the user's choice: where the host's file already sets one to another value that Dockyard did not write, the run fails naming the key and both values, and changes nothing. Fleet files set it for their default log rotation.",
      default: "none (under `merge`, our keys win)",
      example: '["log-driver", "log-opts"]',
    },
  },
  outputs: {
    effectiveMirrors: { type: { array: "string" }, description: "Registry mirrors as `docker info` reports them after the change." },
    content: { type: { map: "any" }, description: "daemon.json as it is on the host." },
    drift: { type: { array: "string" }, description: "What refresh found different from the declaration (empty after `up`)." },
  },
};

/** The object types these components' settings refer to. */
export const ENGINE_TYPES: Readonly<Record<string, ObjectType>> = {
  OfflineBundleArgs: {
    description: "One architecture's offline bundle: Docker's `docker-<version>.tgz` for it and its checksum.",
    source: { file: "src/engine/docker-engine.ts", name: "OfflineBundleArgs" },
    fleet: { section: "EngineBundle" },
    properties: {
      bundle: {
        type: { oneOf: ["asset", "asset", "string"] },
        required: true,
        description:
          "The bundle: a `pulumi.asset.FileAsset`, a `pulumi.asset.RemoteAsset` (fetched by this machine, never the host) or a path.",
        example: 'new pulumi.asset.FileAsset("bundles/aarch64/docker-24.0.7.tgz")',
      },
      sha256: {
        type: "string",
        required: true,
        description: "sha256 (hex) of the bundle, checked here before upload and again on the host.",
        example: '"a1b2...64 hex digits"',
      },
    },
  },
  AddressPool: {
    description: "A pool dockerd takes network subnets from: a base CIDR split into subnets of `size` bits.",
    source: { file: "src/engine/daemon-config.ts", name: "AddressPool" },
    properties: {
      base: { type: "string", required: true, description: "", example: '"10.200.0.0/16"' },
      size: { type: "integer", required: true, description: "", example: "24" },
    },
  },
  DaemonProxyArgs: {
    description: "dockerd's HTTP(S) proxy. The URLs may carry credentials: they are kept as secrets.",
    source: { file: "src/engine/daemon-config.ts", name: "DaemonProxyArgs" },
    fleet: { section: "DaemonProxy" },
    properties: {
      http: {
        type: "string",
        description: "Proxy for plain http registries and mirrors (HTTP_PROXY). An http(s) URL, credentials allowed.",
        default: "none",
        example: '"http://user:pass@proxy.corp:3128"',
      },
      https: {
        type: "string",
        description: "Proxy for https registries, Docker Hub included (HTTPS_PROXY).",
        default: "none",
        example: '"http://proxy.corp:3128"',
      },
      noProxy: {
        type: { array: "string" },
        description: "Hosts, domains (leading dot), addresses or CIDRs reached without the proxy (NO_PROXY).",
        default: "none",
        example: '["localhost", "127.0.0.1", ".corp", "10.0.0.0/8"]',
      },
    },
  },
};
