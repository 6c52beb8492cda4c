import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import { invalid } from "../model/input-error";
import type { Host } from "../host/host";
import type * as dockerTypes from "@pulumi/docker";
import { DockerEngineResource } from "../providers/docker-engine-resource";
import { dockerProviderFor } from "./docker-provider";
import { checkEngineSpec, type EngineMethod, type EngineSpec, type EngineSpecBundle, type InitialDaemon } from "../plan/docker-engine";
import { checkBundleArchitecture } from "../model/bundle-arch";
import { known } from "../model/pending";
import {
  DEFAULT_CHANNEL,
  DEFAULT_DOCKER_CE_KEY_FINGERPRINT,
  DEFAULT_DOCKER_CE_MIRROR,
  DEFAULT_OFFLINE_INSTALL_DIR,
  DEFAULT_PACKAGE_SOURCE,
} from "../model/defaults";
import { checkHostValue, checkHttpUrl } from "../model/host-values";
import { checkUrlCredentials, hasUrlCredentials } from "../model/url-credentials";
import { dockerCliAccess } from "../model/docker-cli-access";

export interface DockerEngineArgs {
  /**
   * The machine to install on.
   * @example new Host("web1", { address: "10.0.0.12", privateKey, hostKey })
   */
  host: Host;
  /**
   * `online`: packages from a repository (docker-ce at download.docker.com or any mirror of it,
   * or the distribution's own). `offline`: a static `docker-<v>.tgz` bundle uploaded from here,
   * nothing downloaded by the host. `adopt`: an engine already there is checked and reported,
   * never changed.
   * @default "online"
   * @example "offline"
   */
  method?: EngineMethod;
  /**
   * Where online packages come from: `docker-ce` (Docker's repository or a mirror of it) or
   * `distro` (docker.io on Debian/Ubuntu, docker on Amazon Linux, moby-engine on Fedora).
   * @default "docker-ce"
   * @example "distro"
   */
  source?: "docker-ce" | "distro";
  /**
   * Base URL of the docker-ce repository or of a mirror serving the same tree
   * (`<mirror>/linux/<os>/...`). The repository definition points the packages themselves at it:
   * the apt line and the yum `baseurl` are written with this URL, not fetched from the origin.
   * Credentials in it (`https://user:pass@mirror/...`) are a secret: give the URL as a
   * `pulumi.secret` (or a config secret); they reach the host only in root-only files (apt
   * `auth.conf.d`, a 0600 `.repo` file) and curl's stdin, never a command line or a message.
   * A plain `http://` mirror is refused unless `allowInsecureHttp`.
   * @default "https://download.docker.com"
   * @example "https://mirrors.aliyun.com/docker-ce"
   */
  mirror?: pulumi.Input<string>;
  /**
   * OpenPGP fingerprint the repository's signing key must have. The host fetches the key into a
   * staging file and it is trusted (apt keyring, rpm key file) only when its fingerprint is this
   * one; otherwise nothing changes and the error says which fingerprint was found. Set it for a
   * mirror that re-signs the packages with its own key.
   * @default "9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88" (Docker's published key)
   * @example "1A2B 3C4D 5E6F 7081 92A3  B4C5 D6E7 F809 1A2B 3C4D"
   */
  mirrorKeyFingerprint?: pulumi.Input<string>;
  /**
   * INSECURE: accept a plain `http://` mirror or bundle URL. Whoever is on the path can then
   * serve other packages (only the pinned key still stands between them and root) and read any
   * credentials in the URL. Warned about on every run.
   * @default false
   * @example true
   */
  allowInsecureHttp?: boolean;
  /**
   * docker-ce channel.
   * @default "stable"
   * @example "test"
   */
  channel?: "stable" | "test";
  /**
   * Engine version pin, matched by numeric components: `24.0.7` is exactly that release, `24.0`
   * the newest 24.0.x (never 24.04). A pinned engine is held (apt-mark hold) so routine upgrades
   * do not move it. Raising the pin upgrades; lowering it needs `allowDowngrade`.
   * @default the newest the repository has
   * @example "24.0.7"
   */
  version?: pulumi.Input<string>;
  /**
   * Allow a pin lower than the installed version to downgrade the engine.
   * @default false
   * @example true
   */
  allowDowngrade?: boolean;
  /**
   * The static bundle for `offline`: a `pulumi.asset.FileAsset` (a file here), a
   * `pulumi.asset.RemoteAsset` (an http(s) URL that this machine fetches, never the host), or a
   * path. Laid out like Docker's `docker-<version>.tgz`: a `docker/` folder of binaries.
   * @default none
   * @example new pulumi.asset.FileAsset("bundles/docker-24.0.7.tgz")
   */
  bundle?: pulumi.asset.FileAsset | pulumi.asset.RemoteAsset | string;
  /**
   * sha256 (hex) of the bundle. Checked here before upload and again on the host; a host that
   * already has a file with this checksum gets no upload.
   * @default none: required with `bundle`
   * @example "a1b2...64 hex digits"
   */
  bundleSha256?: pulumi.Input<string>;
  /**
   * Offline bundles per architecture, keyed by Docker's folder names (`x86_64`, `aarch64`,
   * `armhf`, `armel`, `ppc64le`, `s390x`): each host gets the one for its `uname -m` (`armv7l`
   * runs `armhf`). A host whose architecture has none is refused, naming its architecture and
   * those given, before anything is uploaded or changed. Instead of `bundle`; `bundle` alone
   * stays one bundle for whatever architecture the host is.
   * @default none
   * @example { x86_64: { bundle: new pulumi.asset.FileAsset("bundles/x86_64/docker-24.0.7.tgz"), sha256: "a1b2...64 hex digits" } }
   */
  bundles?: Record<string, OfflineBundleArgs>;
  /**
   * Where the offline bundle's binaries go.
   * @default "/usr/bin"
   * @example "/usr/local/bin"
   */
  installDir?: string;
  /**
   * On `pulumi destroy`, remove what Dockyard installed (packages and repository, or the offline
   * files and units). By default the engine stays, since containers may depend on it.
   * /var/lib/docker (images, volumes) is never removed.
   * @default false
   * @example true
   */
  uninstallOnDelete?: boolean;
  /**
   * Packages the install may remove that it otherwise refuses to: conflicting packages (the
   * distribution's `docker.io`, `podman-docker`, `moby-engine`, RHEL's `docker`, ...) that run an
   * engine with containers, which their removal would stop, and installed packages that depend on
   * a conflicting one (`podman`, `cri-o`, ...), which the package manager would remove with it.
   * Each is named: Dockyard never removes such a package unless it is listed here. To keep an
   * engine that is there as it is, use `method: "adopt"` instead.
   * @default [] (an install that would remove any of them is refused, naming them; nothing is changed)
   * @example ["docker.io", "containerd", "runc"]
   */
  replacePackages?: string[];
  /**
   * Docker CLI plugins installed with a docker-ce engine, from the same repository:
   * `compose` (docker-compose-plugin: `docker compose`) and `buildx` (docker-buildx-plugin).
   * After the install `docker compose version` must answer (the `composeVersion` output); a
   * plugin package removed by hand is drift that `up` installs again. `[]` installs none. The
   * distribution's packages bring none: give `[]` there, or leave it unset. An offline engine gets
   * compose only from `composePlugin` (then the default is `["compose"]`).
   * @default ["compose", "buildx"] with method online and source docker-ce (as Docker's install guide); [] otherwise
   * @example ["compose"]
   */
  plugins?: ("compose" | "buildx")[];
  /**
   * The compose CLI plugin for `offline`: Docker's static `docker-compose-linux-<arch>` binary, as a
   * `pulumi.asset.FileAsset`, a `pulumi.asset.RemoteAsset` (fetched by this machine, never the
   * host) or a path. Uploaded and kept like the bundle, installed as
   * /usr/local/lib/docker/cli-plugins/docker-compose (0755, root); `docker compose version` must
   * then answer (the `composeVersion` output). Removed with the offline install.
   * @default none (an offline engine has no compose plugin; `plugins: ["compose"]` then is refused)
   * @example new pulumi.asset.FileAsset("bundles/docker-compose-linux-x86_64")
   */
  composePlugin?: pulumi.asset.FileAsset | pulumi.asset.RemoteAsset | string;
  /**
   * sha256 (hex) of the compose plugin binary, checked here before upload and again on the host.
   * @default none: required with `composePlugin`
   * @example "a1b2...64 hex digits"
   */
  composePluginSha256?: pulumi.Input<string>;
}

/** One architecture's offline bundle: Docker's `docker-<version>.tgz` for it and its checksum. */
export interface OfflineBundleArgs {
  /**
   * The bundle: a `pulumi.asset.FileAsset`, a `pulumi.asset.RemoteAsset` (fetched by this
   * machine, never the host) or a path.
   * @example new pulumi.asset.FileAsset("bundles/aarch64/docker-24.0.7.tgz")
   */
  bundle: pulumi.asset.FileAsset | pulumi.asset.RemoteAsset | string;
  /**
   * sha256 (hex) of the bundle, checked here before upload and again on the host.
   * @example "a1b2...64 hex digits"
   */
  sha256: pulumi.Input<string>;
}

/** Refuses a mirror (or bundle URL) the host must not be given; names the field, never quotes credentials. */
export function checkMirror(mirror: string, path = "mirror", allowInsecureHttp = false): void {
  checkHttpUrl(path, mirror, { allowInsecureHttp });
  checkUrlCredentials(path, mirror);
}

function checkArgs(args: DockerEngineArgs): void {
  const method = args.method ?? "online";
  if (!["online", "offline", "adopt"].includes(method))
    invalid("method", `must be online, offline or adopt (got ${JSON.stringify(method)})`);
  if (args.source !== undefined && !["docker-ce", "distro"].includes(args.source)) invalid("source", "must be docker-ce or distro");
  if (args.channel !== undefined && !["stable", "test"].includes(args.channel)) invalid("channel", "must be stable or test");
  if (known(args.mirror)) checkMirror(args.mirror as unknown as string, "mirror", args.allowInsecureHttp === true);
  if (known(args.mirrorKeyFingerprint)) checkHostValue("pgpFingerprint", "mirrorKeyFingerprint", args.mirrorKeyFingerprint);
  if (args.allowInsecureHttp !== undefined && typeof args.allowInsecureHttp !== "boolean")
    invalid("allowInsecureHttp", "must be true or false");
  if (known(args.version)) checkHostValue("releasePin", "version", args.version);
  if (typeof args.bundle === "string" && /^[a-z]+:\/\//i.test(args.bundle))
    checkMirror(args.bundle, "bundle", args.allowInsecureHttp === true);
  const checkSha = (path: string, sha: unknown) => {
    if (known(sha) && !/^[0-9a-f]{64}$/i.test(String(sha))) invalid(path, "must be 64 hex digits (sha256sum of the bundle)");
  };
  if (args.bundles !== undefined) {
    if (typeof args.bundles !== "object" || args.bundles === null || Array.isArray(args.bundles))
      invalid("bundles", "must map architectures (x86_64, aarch64, armhf, ...) to { bundle, sha256 }");
    if (args.bundle !== undefined) invalid("bundles", "cannot be given with bundle: give one bundle, or one per architecture");
    if (!Object.keys(args.bundles).length) invalid("bundles", "names no architecture");
    for (const [arch, b] of Object.entries(args.bundles)) {
      checkBundleArchitecture(`bundles.${arch}`, arch);
      if (b?.bundle === undefined) invalid(`bundles.${arch}.bundle`, "is required");
      if (b.sha256 === undefined) invalid(`bundles.${arch}.sha256`, "is required");
      if (typeof b.bundle === "string" && /^[a-z]+:\/\//i.test(b.bundle))
        checkMirror(b.bundle, `bundles.${arch}.bundle`, args.allowInsecureHttp === true);
      checkSha(`bundles.${arch}.sha256`, b.sha256);
    }
  }
  if (method === "offline") {
    if (args.bundles === undefined) {
      if (args.bundle === undefined) invalid("bundle", "is required for method offline (or bundles, one per architecture)");
      if (args.bundleSha256 === undefined) invalid("bundleSha256", "is required with bundle");
      checkSha("bundleSha256", args.bundleSha256);
    }
  } else if (args.bundle !== undefined) {
    invalid("bundle", `only applies to method offline (method is ${method})`);
  } else if (args.bundles !== undefined) {
    invalid("bundles", `only applies to method offline (method is ${method})`);
  }
  if (args.replacePackages !== undefined) {
    if (!Array.isArray(args.replacePackages)) invalid("replacePackages", "must be a list of package names");
    args.replacePackages.forEach((p, i) => checkHostValue("packageName", `replacePackages[${i}]`, p));
  }
  if (typeof args.composePlugin === "string" && /^[a-z]+:\/\//i.test(args.composePlugin))
    checkMirror(args.composePlugin, "composePlugin", args.allowInsecureHttp === true);
  if (args.composePlugin !== undefined && args.composePluginSha256 === undefined)
    invalid("composePluginSha256", "is required with composePlugin");
  if (args.composePluginSha256 !== undefined && args.composePlugin === undefined)
    invalid("composePlugin", "is required with composePluginSha256");
  checkSha("composePluginSha256", args.composePluginSha256);
  if (args.plugins !== undefined && !Array.isArray(args.plugins)) invalid("plugins", "must be a list of compose, buildx");
  if (args.plugins !== undefined || args.composePlugin !== undefined) {
    // The plan's own check: a stand-in sha256 here, the real one is checked above (it may be unknown yet).
    checkEngineSpec({
      method,
      ...(args.source ? { source: args.source } : {}),
      ...(args.plugins ? { plugins: [...args.plugins] } : {}),
      ...(args.composePlugin !== undefined ? { composePlugin: { sha256: "0".repeat(64) } } : {}),
    });
  }
  if (args.installDir !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(args.installDir)) {
    invalid("installDir", "must be an absolute path");
  }
}

/** Every architecture's bundle as the spec holds it (sources resolved, checksums lower-cased). */
function bundlesSpec(
  bundles: DockerEngineArgs["bundles"],
  allowInsecureHttp: boolean,
): pulumi.Output<Record<string, EngineSpecBundle> | undefined> {
  if (bundles === undefined) return pulumi.output(undefined);
  const entries = Object.entries(bundles).map(([arch, b]) =>
    pulumi
      .all([bundleSource(b.bundle, allowInsecureHttp, `bundles.${arch}.bundle`), b.sha256])
      .apply(([source, sha256]): [string, EngineSpecBundle] => [arch, { ...source, sha256: String(sha256).toLowerCase() }]),
  );
  return pulumi.all(entries).apply((pairs) => Object.fromEntries(pairs));
}

function bundleSource(
  bundle: DockerEngineArgs["bundle"],
  allowInsecureHttp: boolean,
  path = "bundle",
): pulumi.Output<{ path?: string; url?: string }> {
  if (bundle === undefined) return pulumi.output({});
  if (typeof bundle === "string") return pulumi.output(/^[a-z]+:\/\//i.test(bundle) ? { url: bundle } : { path: bundle });
  // Asset.isInstance checks the SDK's marker property rather than the class, so an asset made by
  // another copy of @pulumi/pulumi (a program with its own) is recognised too.
  if (!pulumi.asset.Asset.isInstance(bundle)) return invalid(path, "must be a FileAsset, a RemoteAsset or a path");
  if ("path" in bundle) return pulumi.output(bundle.path).apply((p) => ({ path: p }));
  if ("uri" in bundle) {
    return pulumi.output(bundle.uri).apply((url) => {
      checkMirror(url, path, allowInsecureHttp);
      return { url };
    });
  }
  return invalid(path, "must be a FileAsset, a RemoteAsset or a path");
}

/**
 * The Docker engine on a host: installed online (docker-ce or a mirror of it, or the distro's
 * packages, version pinned), offline (a static bundle, uploaded once), or adopted as it is;
 * started and enabled on boot, checked with `docker version`. `pulumi refresh` shows an engine
 * removed, stopped or replaced by hand; `pulumi up` repairs it.
 *
 * @example
 * const engine = new DockerEngine("web1-docker", {
 *   host: web1,
 *   mirror: "https://mirrors.aliyun.com/docker-ce",
 *   version: "24.0.7",
 * });
 * export const dockerVersion = engine.version;
 */
export class DockerEngine extends DockyardComponent {
  /** The server version the daemon reports, e.g. `24.0.7`. */
  readonly version: pulumi.Output<string>;
  /** The Engine API version, e.g. `1.43`. */
  readonly apiVersion: pulumi.Output<string>;
  /** The installed engine package version (online installs). */
  readonly packageVersion: pulumi.Output<string>;
  /** Offline: true when the last change uploaded the bundle, false when the host had it. */
  readonly bundleUploaded: pulumi.Output<boolean>;
  /** `docker compose version` on the host (e.g. `2.26.1`), empty when the docker CLI has no compose plugin. */
  readonly composeVersion: pulumi.Output<string>;
  /** What refresh found different from the declaration (empty after `up`). */
  readonly drift: pulumi.Output<string[]>;
  /** The docker CLI's `DOCKER_HOST` for this engine: `ssh://user@address:port` (IPv6 in brackets). */
  readonly dockerHost: pulumi.Output<string>;
  /**
   * The host's pinned key as an OpenSSH known_hosts line (`address type key`, `[address]:port type key`
   * off port 22), then the jump host's line when there is one; empty when only a fingerprint is pinned.
   */
  readonly knownHostsLine: pulumi.Output<string>;
  /** `docker context create <host name> --docker host=ssh://...`, its arguments single-quoted. */
  readonly dockerContextCommand: pulumi.Output<string>;
  /**
   * ssh_config block(s) for the docker CLI's ssh: the host's port and user, its known_hosts file
   * (`~/.ssh/dockyard-<context>.known_hosts`, holding `knownHostsLine`) with strict checking, and a
   * ProxyJump (with the jump host's own block) when the Host has a jump host. No key: add
   * `IdentityFile` or use ssh-agent.
   */
  readonly sshConfig: pulumi.Output<string>;
  /** The host this engine runs on. */
  readonly host: Host;
  /** The resource that dependents (daemon config, images, containers) should depend on. */
  readonly ready: pulumi.Resource;
  private readonly engineName: string;
  /** The daemon settings DaemonConfigs declared in the same turn offered to this engine (see offerDaemonSettings). */
  private readonly daemonOffers: pulumi.Output<InitialDaemon>[] = [];

  constructor(name: string, args: DockerEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:engine:DockerEngine", name, opts);
    this.engineName = name;
    this.checked(() => {
      if (!args?.host) invalid("host", "is required");
      checkArgs(args);
    });
    const method = args.method ?? "online";
    const insecure = args.allowInsecureHttp === true;
    if (insecure) {
      this.notice(
        "warn",
        `${this.what}: allowInsecureHttp is set: plain http:// mirrors and bundles are accepted, so anyone on the path can serve other packages and read credentials in the URL.`,
      );
    }
    const spec: pulumi.Output<EngineSpec> = pulumi
      .all([
        args.mirror,
        args.version,
        args.bundleSha256,
        bundleSource(args.bundle, insecure),
        args.mirrorKeyFingerprint,
        bundlesSpec(args.bundles, insecure),
        bundleSource(args.composePlugin, insecure, "composePlugin"),
        args.composePluginSha256,
      ])
      .apply(([mirror, version, sha256, source, fingerprint, bundles, composeSource, composeSha256]) => {
        if (mirror !== undefined) this.checked(() => checkMirror(mirror, "mirror", insecure));
        if (fingerprint !== undefined) this.checked(() => checkHostValue("pgpFingerprint", "mirrorKeyFingerprint", fingerprint));
        const s: EngineSpec = { method };
        if (method === "online") {
          s.source = args.source ?? DEFAULT_PACKAGE_SOURCE;
          s.mirror = (mirror ?? DEFAULT_DOCKER_CE_MIRROR).replace(/\/+$/, "");
          // Only a pin the user gave is kept: the default (Docker's key) is the plan's fallback.
          if (fingerprint !== undefined && fingerprint !== DEFAULT_DOCKER_CE_KEY_FINGERPRINT) s.mirrorKeyFingerprint = fingerprint;
          s.channel = args.channel ?? DEFAULT_CHANNEL;
          if (version) s.version = version;
          if (args.allowDowngrade) s.allowDowngrade = true;
        }
        if (method === "offline") {
          if (bundles) s.bundles = bundles;
          else s.bundle = { ...source, sha256: String(sha256).toLowerCase() };
          s.installDir = args.installDir ?? DEFAULT_OFFLINE_INSTALL_DIR;
          if (args.composePlugin !== undefined) s.composePlugin = { ...composeSource, sha256: String(composeSha256).toLowerCase() };
        }
        if (insecure) s.allowInsecureHttp = true;
        if (args.uninstallOnDelete) s.uninstallOnDelete = true;
        if (args.replacePackages?.length && method !== "adopt") s.replacePackages = [...args.replacePackages];
        // Only plugins the user gave are kept: the default is the plan's (enginePlugins).
        if (args.plugins !== undefined) s.plugins = [...args.plugins];
        // Credentials in a URL make the whole spec a secret (in the state and every output).
        const urls = [s.mirror, s.bundle?.url, s.composePlugin?.url, ...Object.values(s.bundles ?? {}).map((b) => b.url)];
        const secretUrl = urls.some((u) => u !== undefined && hasUrlCredentials(u));
        return (secretUrl ? pulumi.secret(s) : pulumi.output(s)) as pulumi.Output<EngineSpec>;
      });
    // A DaemonConfig declared for this engine in the same turn of the program (as the program
    // gate holds every registration until then) hands its settings over, so that a fresh engine
    // starts with them: one start of dockerd. Two or more DaemonConfigs on one engine: none is.
    const offers = this.daemonOffers;
    const daemon = pulumi
      .output(new Promise<boolean>((turnEnded) => setImmediate(() => turnEnded(true))))
      .apply(() => (offers.length === 1 ? offers[0] : undefined)) as unknown as pulumi.Output<InitialDaemon | undefined>;
    const res = new DockerEngineResource(
      `${name}-engine`,
      { connection: args.host.connection, credentials: args.host.credentials, facts: args.host.facts, spec, daemon },
      this.childOptions(args.host.ready),
    );
    this.host = args.host;
    this.version = res.version;
    this.apiVersion = res.apiVersion;
    this.packageVersion = res.packageVersion;
    this.drift = res.drift;
    this.bundleUploaded = res.bundleUploaded;
    this.composeVersion = res.composeVersion;
    this.ready = res;
    // Computed from the Host's connection (its name names the context): nothing here is read from the machine.
    const hostName = pulumi.output(args.host.urn).apply((urn) => urn.slice(urn.lastIndexOf("::") + 2));
    const cli = pulumi.all([hostName, args.host.connection]).apply(([n, c]) => dockerCliAccess(n, c));
    this.dockerHost = cli.dockerHost;
    this.knownHostsLine = cli.knownHostsLine;
    this.dockerContextCommand = cli.dockerContextCommand;
    this.sshConfig = cli.sshConfig;
    this.registerOutputs({
      version: this.version,
      apiVersion: this.apiVersion,
      drift: this.drift,
      dockerHost: this.dockerHost,
      knownHostsLine: this.knownHostsLine,
      dockerContextCommand: this.dockerContextCommand,
      sshConfig: this.sshConfig,
    });
  }

  /**
   * Called by a DaemonConfig of this engine as it is declared: its settings, for a fresh engine to
   * start with. Taken only until the end of the turn the engine was declared in (later, the
   * engine is registered without them and the DaemonConfig applies them itself, with a restart).
   * @internal
   */
  offerDaemonSettings(daemon: pulumi.Output<InitialDaemon>): void {
    this.daemonOffers.push(daemon);
  }

  /**
   * A @pulumi/docker Provider for this engine's host, for the whole @pulumi/docker resource set:
   * `ssh://user@host:port`, the pinned host key written to a known_hosts file and checked
   * (StrictHostKeyChecking=yes), the key in a 0600 file under ~/.cache/dockyard/ssh.
   *
   * @example
   * const provider = engine.dockerProvider();
   * new docker.Network("backend", {}, { provider });
   */
  dockerProvider(name = `${this.engineName}-docker`, opts?: pulumi.CustomResourceOptions): dockerTypes.Provider {
    return dockerProviderFor(
      name,
      this.host.connection,
      this.host.credentials,
      pulumi.mergeOptions({ parent: this, dependsOn: [this.ready] }, opts ?? {}),
    );
  }
}
