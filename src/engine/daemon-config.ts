import * as pulumi from "@pulumi/pulumi";
import { resourceComponentOptions, type ResourceComponentType } from "../components/resource-component";
import { HOST_VALUES, isHostValue } from "../model/host-values";
import { checked, invalid } from "../model/input-error";
import type { DaemonConfigResourceArgs } from "../providers/daemon-config-resource";
import { DockyardResource } from "../providers/dockyard-resource";
import { daemonSettingsProblems, type DaemonProxy, insecureRegistryProblem, mirrorProblem, proxyProblems } from "../model/daemon-settings";
import type { DockerEngine } from "./docker-engine";
import type { InitialDaemon } from "../plan/docker-engine";
import { pending } from "../model/pending";
import { HARDENED_DAEMON_SETTINGS } from "../model/defaults";

export interface AddressPool {
  /** @example "10.200.0.0/16" */
  base: string;
  /** @example 24 */
  size: number;
}

/** dockerd's HTTP(S) proxy. The URLs may carry credentials: they are kept as secrets. */
export interface DaemonProxyArgs {
  /**
   * Proxy for plain http registries and mirrors (HTTP_PROXY). An http(s) URL, credentials allowed.
   * @default none
   * @example "http://user:pass@proxy.corp:3128"
   */
  http?: string;
  /**
   * Proxy for https registries, Docker Hub included (HTTPS_PROXY).
   * @default none
   * @example "http://proxy.corp:3128"
   */
  https?: string;
  /**
   * Hosts, domains (leading dot), addresses or CIDRs reached without the proxy (NO_PROXY).
   * @default none
   * @example ["localhost", "127.0.0.1", ".corp", "10.0.0.0/8"]
   */
  noProxy?: string[];
}

export interface DaemonConfigArgs {
  /**
   * The engine whose daemon this configures (its host is the one changed).
   * @example new DockerEngine("web1-docker", { host: web1 })
   */
  engine: DockerEngine;
  /**
   * Registry mirrors, tried before Docker Hub for `docker pull` of Hub images. Each must be an
   * http(s) base URL; after the restart `docker info` must list them or the run fails.
   * @default none
   * @example ["https://mirror.gcr.io", "http://10.0.0.5:5000"]
   */
  registryMirrors?: pulumi.Input<string[]>;
  /**
   * Registries reached over plain http or with untrusted certificates: host[:port] or a CIDR.
   * @default none
   * @example ["10.0.0.5:5000"]
   */
  insecureRegistries?: pulumi.Input<string[]>;
  /**
   * Default logging driver for containers.
   * @default dockerd's own (json-file)
   * @example "journald"
   */
  logDriver?: pulumi.Input<string>;
  /**
   * Options of the logging driver.
   * @default none
   * @example { "max-size": "10m", "max-file": "3" }
   */
  logOpts?: pulumi.Input<Record<string, string>>;
  /**
   * Storage driver.
   * @default dockerd's choice (overlay2)
   * @example "overlay2"
   */
  storageDriver?: pulumi.Input<string>;
  /**
   * dockerd exec options, e.g. the cgroup driver.
   * @default none
   * @example ["native.cgroupdriver=systemd"]
   */
  execOpts?: pulumi.Input<string[]>;
  /**
   * Where docker keeps images, containers and volumes.
   * @default "/var/lib/docker"
   * @example "/data/docker"
   */
  dataRoot?: pulumi.Input<string>;
  /**
   * Keep containers running while dockerd restarts (this config's own restarts included).
   * @default false
   * @example true
   */
  liveRestore?: pulumi.Input<boolean>;
  /**
   * Address and netmask of the docker0 bridge.
   * @default dockerd's choice
   * @example "172.26.0.1/16"
   */
  bip?: pulumi.Input<string>;
  /**
   * Address pools for networks docker creates.
   * @default dockerd's own
   * @example [{ base: "10.200.0.0/16", size: 24 }]
   */
  defaultAddressPools?: pulumi.Input<AddressPool[]>;
  /**
   * Parallel layer downloads per pull.
   * @default 3
   * @example 10
   */
  maxConcurrentDownloads?: pulumi.Input<number>;
  /**
   * A set of daemon.json keys to start from. `hardened`: the CIS Docker Benchmark's daemon
   * recommendations that need nothing else built: `icc: false`, `no-new-privileges: true`,
   * `live-restore: true`, `userland-proxy: false` and log rotation (`json-file`, 10m x 5). Every
   * key shows in the preview like any other; a key given explicitly (an argument or `settings`)
   * wins over the profile's. What each answers and may break: docs/hardening.md.
   * @default "none"
   * @example "hardened"
   */
  profile?: "hardened" | "none";
  /**
   * User namespace remapping (daemon.json `userns-remap`): root in a container is an unprivileged
   * user on the host. `default` makes the `dockremap` user; or name a user (`user[:group]`) with
   * /etc/subuid and /etc/subgid ranges. Not in the hardened profile: it changes the owner of
   * every container's files, so existing images and volumes are seen afresh, and it does not
   * combine with `--privileged` or the host's PID and network namespaces.
   * @default none
   * @example "default"
   */
  usernsRemap?: pulumi.Input<string>;
  /**
   * Authorization plugins that allow or refuse each Engine API request (daemon.json
   * `authorization-plugins`). Not in the hardened profile: a plugin must be installed and running
   * first, or dockerd refuses every request.
   * @default none
   * @example ["opa-docker-authz"]
   */
  authorizationPlugins?: pulumi.Input<string[]>;
  /**
   * Any other daemon.json settings, by their daemon.json names. Unknown names and wrong types
   * are refused before anything changes (with a suggestion for a misspelt name).
   * @default none
   * @example { "default-ulimits": { nofile: { Name: "nofile", Hard: 65536, Soft: 65536 } } }
   */
  settings?: pulumi.Input<Record<string, unknown>>;
  /**
   * `merge`: keys Dockyard does not manage are kept and ours win; destroy removes only ours.
   * `replace`: the file holds exactly these settings; destroy restores the file that was there.
   * @default "merge"
   * @example "replace"
   */
  policy?: "merge" | "replace";
  /**
   * dockerd behind an HTTP(S) proxy: the values go to the root-only (0600) environment file
   * /etc/docker/dockyard-proxy.env, named by the systemd drop-in
   * /etc/systemd/system/docker.service.d/http-proxy.conf (`EnvironmentFile=`, so `systemctl show`
   * shows no credential to local users), applied with daemon.json in one restart, checked in
   * `docker info`, rolled back with it. Kept as a secret in state and never logged; written over
   * stdin, never in a command line. Dropping the argument (or destroy) removes both files.
   * @default none (a drop-in of the same name that Dockyard did not write is left alone)
   * @example { https: "http://proxy.corp:3128", noProxy: ["localhost", ".corp"] }
   */
  proxy?: pulumi.Input<DaemonProxyArgs>;
  /**
   * daemon.json keys of ours that are defaults, not the user's choice: where the host's file
   * already sets one to another value that Dockyard did not write, the run fails naming the key
   * and both values, and changes nothing. Fleet files set it for their default log rotation.
   * @default none (under `merge`, our keys win)
   * @example ["log-driver", "log-opts"]
   */
  refuseOverwriting?: string[];
}

/** A plain value, or an Output that depends on no resource (a config value): known without any registration. */
function standsAlone(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (v instanceof Promise) return false;
  if (!pulumi.Output.isInstance(v)) return typeof v !== "object" || !Object.values(v as object).some((x) => !standsAlone(x));
  const resources = (v as unknown as { resources?: () => Set<unknown> }).resources;
  return typeof resources === "function" && resources.call(v).size === 0;
}

/** Checks a proxy argument; throws naming the field at fault, never quoting a credential. */
export function checkProxy(proxy: DaemonProxy | undefined): DaemonProxy | undefined {
  if (proxy === undefined || proxy === null) return undefined;
  if (typeof proxy !== "object") invalid("proxy", "must be an object { http?, https?, noProxy? }");
  const [first] = proxyProblems(proxy);
  if (first) invalid(first[0], first[1]);
  // Only the keys that are set, so the state and the diff are stable.
  const out: DaemonProxy = {};
  if (proxy.http !== undefined) out.http = proxy.http;
  if (proxy.https !== undefined) out.https = proxy.https;
  if (proxy.noProxy?.length) out.noProxy = [...proxy.noProxy];
  return out;
}

/** Builds our daemon.json keys from the typed arguments; throws naming the argument at fault. */
export function daemonSettingsFrom(a: {
  profile?: "hardened" | "none";
  usernsRemap?: string;
  authorizationPlugins?: string[];
  registryMirrors?: string[];
  insecureRegistries?: string[];
  logDriver?: string;
  logOpts?: Record<string, string>;
  storageDriver?: string;
  execOpts?: string[];
  dataRoot?: string;
  liveRestore?: boolean;
  bip?: string;
  defaultAddressPools?: AddressPool[];
  maxConcurrentDownloads?: number;
  settings?: Record<string, unknown>;
}): Record<string, unknown> {
  const typed: [string, string, unknown][] = [
    ["registryMirrors", "registry-mirrors", a.registryMirrors],
    ["insecureRegistries", "insecure-registries", a.insecureRegistries],
    ["logDriver", "log-driver", a.logDriver],
    ["logOpts", "log-opts", a.logOpts],
    ["storageDriver", "storage-driver", a.storageDriver],
    ["execOpts", "exec-opts", a.execOpts],
    ["dataRoot", "data-root", a.dataRoot],
    ["liveRestore", "live-restore", a.liveRestore],
    ["bip", "bip", a.bip],
    ["defaultAddressPools", "default-address-pools", a.defaultAddressPools],
    ["maxConcurrentDownloads", "max-concurrent-downloads", a.maxConcurrentDownloads],
    ["usernsRemap", "userns-remap", a.usernsRemap],
    ["authorizationPlugins", "authorization-plugins", a.authorizationPlugins],
  ];
  if (a.profile !== undefined && a.profile !== "hardened" && a.profile !== "none")
    invalid("profile", `must be hardened or none (got ${JSON.stringify(a.profile)})`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.settings ?? {})) out[k] = v;
  const settingsProblems = daemonSettingsProblems(out);
  if (settingsProblems.length) {
    const [first, ...rest] = settingsProblems;
    invalid(first.split(":")[0], [first.replace(/^[^:]+: /, ""), ...rest].join("; "));
  }
  for (const [arg, key, value] of typed) {
    if (value === undefined) continue;
    if (key in out) invalid(`settings.${key}`, `is also given as ${arg}; give it once`);
    const p = daemonSettingsProblems({ [key]: value }, "x");
    if (p.length) invalid(arg, p[0].replace(/^x\.[^:]+: /, ""));
    out[key] = value;
  }
  (out["registry-mirrors"] as string[] | undefined)?.forEach((m, i) => {
    const p = mirrorProblem(m);
    if (p) invalid(`registryMirrors[${i}]`, p);
  });
  (out["insecure-registries"] as string[] | undefined)?.forEach((r, i) => {
    const p = insecureRegistryProblem(r);
    if (p) invalid(`insecureRegistries[${i}]`, p);
  });
  if (out["data-root"] !== undefined && !isHostValue("absolutePath", out["data-root"]))
    invalid("dataRoot", `must be ${HOST_VALUES.absolutePath.says} (got ${JSON.stringify(out["data-root"])})`);
  if (typeof out.bip === "string" && !/^[0-9.]+\/[0-9]{1,2}$/.test(out.bip as string))
    invalid("bip", `must be an address with a prefix length, like 172.26.0.1/16 (got ${JSON.stringify(out.bip)})`);
  const remap = out["userns-remap"];
  if (remap !== undefined && !/^[a-z_][a-z0-9_-]{0,31}(?::[a-z_][a-z0-9_-]{0,31})?$/.test(remap as string))
    invalid("usernsRemap", `must be default or a user name, optionally :group (got ${JSON.stringify(remap)})`);
  ((out["authorization-plugins"] as string[] | undefined) ?? []).forEach((p, i) => {
    if (!isHostValue("driver", p)) invalid(`authorizationPlugins[${i}]`, `must be ${HOST_VALUES.driver.says} (got ${JSON.stringify(p)})`);
  });
  if (a.profile === "hardened") Object.assign(out, profileKeys(out));
  const mcd = out["max-concurrent-downloads"];
  if (mcd !== undefined && (mcd as number) < 1) invalid("maxConcurrentDownloads", "must be at least 1");
  ((out["default-address-pools"] as AddressPool[] | undefined) ?? []).forEach((p, i) => {
    if (typeof p.base !== "string" || !/^[0-9.]+\/[0-9]{1,2}$/.test(p.base))
      invalid(`defaultAddressPools[${i}].base`, "must be a CIDR like 10.200.0.0/16");
    if (!Number.isInteger(p.size) || p.size < 1 || p.size > 32) invalid(`defaultAddressPools[${i}].size`, "must be a prefix length 1-32");
  });
  return out;
}

/**
 * The hardened profile's keys that `given` (the explicit settings) leaves to it. The log keys go
 * together: another log driver given alone would not take json-file's options.
 */
export function profileKeys(given: Record<string, unknown>): Record<string, unknown> {
  const logGiven = "log-driver" in given || "log-opts" in given;
  return Object.fromEntries(
    Object.entries(HARDENED_DAEMON_SETTINGS).filter(([k]) => !(k in given) && !(logGiven && (k === "log-driver" || k === "log-opts"))),
  );
}

/** The schema's component type, and where a stack made before 0.4.0 keeps a DaemonConfig. */
const DAEMON_CONFIG_TYPE: ResourceComponentType = {
  token: "dockyard:engine:DaemonConfig",
  kind: "DaemonConfig",
  legacySuffix: "-daemon-json",
};

/**
 * /etc/docker/daemon.json on an engine's host: registry mirrors, insecure registries and other
 * daemon settings, merged with what is there (or replacing it). Validated before use, backed up,
 * written atomically, docker restarted only when the content changed, checked in `docker info`,
 * and the old file restored if docker does not come back. It is the one resource it manages
 * (served by the plugin), not a component around it.
 *
 * @example
 * const cfg = new DaemonConfig("web1-daemon", {
 *   engine,
 *   registryMirrors: ["https://mirror.example.cn"],
 *   liveRestore: true,
 * });
 * export const mirrors = cfg.effectiveMirrors;
 */
export class DaemonConfig extends DockyardResource {
  /** The schema's component type it is served as in other languages. */
  static readonly schemaType = DAEMON_CONFIG_TYPE;
  /** Registry mirrors as `docker info` reports them after the change. */
  declare readonly effectiveMirrors: pulumi.Output<string[]>;
  /** daemon.json as it is on the host. */
  declare readonly content: pulumi.Output<Record<string, unknown>>;
  /** What refresh found different from the declaration (empty after `up`). */
  declare readonly drift: pulumi.Output<string[]>;
  /** What dependents wait for: the daemon settings themselves. */
  readonly ready: pulumi.Resource;

  constructor(name: string, args: DaemonConfigArgs, opts?: pulumi.ComponentResourceOptions) {
    const what = `DaemonConfig ${name}`;
    const policy = args?.policy ?? "merge";
    checked(what, () => {
      if (!args?.engine) invalid("engine", "is required");
      if (policy !== "merge" && policy !== "replace") invalid("policy", `must be merge or replace (got ${JSON.stringify(policy)})`);
    });
    const fields = {
      registryMirrors: args.registryMirrors,
      insecureRegistries: args.insecureRegistries,
      logDriver: args.logDriver,
      logOpts: args.logOpts,
      storageDriver: args.storageDriver,
      execOpts: args.execOpts,
      dataRoot: args.dataRoot,
      liveRestore: args.liveRestore,
      bip: args.bip,
      defaultAddressPools: args.defaultAddressPools,
      maxConcurrentDownloads: args.maxConcurrentDownloads,
      usernsRemap: args.usernsRemap,
      authorizationPlugins: args.authorizationPlugins,
      settings: args.settings,
      profile: args.profile,
    };
    // Plain values are checked now, before anything is registered; Outputs when they resolve.
    if (!Object.values(fields).some(pending)) checked(what, () => daemonSettingsFrom(fields as Parameters<typeof daemonSettingsFrom>[0]));
    const settings = pulumi
      .all(fields)
      .apply((f) => checked(what, () => daemonSettingsFrom(f as Parameters<typeof daemonSettingsFrom>[0])));
    if (args.proxy !== undefined && !pending(args.proxy)) checked(what, () => checkProxy(args.proxy as DaemonProxy));
    // Secret whether or not the caller made it one: proxy URLs may carry credentials.
    const proxy =
      args.proxy === undefined
        ? undefined
        : pulumi.secret(pulumi.output(args.proxy).apply((p) => checked(what, () => checkProxy(p as DaemonProxy))));
    // The settings go to the engine too, for a fresh engine to start with (one start of dockerd),
    // when none of them waits on a resource: the engine's registration waits for them, and a
    // value made from the engine itself (or anything after it) would never come.
    const offer = (args.engine as Partial<Pick<DockerEngine, "offerDaemonSettings">>).offerDaemonSettings;
    if (typeof offer === "function" && [...Object.values(fields), args.proxy].every(standsAlone)) {
      const initial = pulumi
        .all([settings, proxy])
        .apply(([s, p]): InitialDaemon => ({ settings: s as Record<string, unknown>, policy, ...(p ? { proxy: p as DaemonProxy } : {}) }));
      offer.call(args.engine, (proxy === undefined ? initial : pulumi.secret(initial)) as pulumi.Output<InitialDaemon>);
    }
    const host = args.engine.host;
    super(
      "DaemonConfig",
      name,
      {
        connection: host.connection,
        credentials: host.credentials,
        settings,
        policy,
        proxy,
        refuseOverwriting: args.refuseOverwriting?.length ? [...args.refuseOverwriting] : undefined,
      } satisfies DaemonConfigResourceArgs,
      resourceComponentOptions(DAEMON_CONFIG_TYPE, name, opts, [args.engine.ready]),
    );
    this.ready = this;
  }
}
