// Checks across entries that a schema cannot express: names that must be unique or declared,
// settings that only make sense together, ports two containers would both take.
import * as pulumi from "@pulumi/pulumi";
import { daemonSettingsProblems, didYouMean, insecureRegistryProblem, mirrorProblem, proxyProblems } from "../model/daemon-settings";
import { parsePinnedHostKey } from "../remote/host-key";
import { imageRefProblem } from "../model/image-ref";
import { imageSourceOf } from "../model/image-archive";
import { InvalidArgumentError } from "../model/input-error";
import { parsePort } from "../model/container-settings";
import { parseContainerSecurity } from "../model/container-security";
import { containerSecurityArgs } from "./profile";
import { parseServicePort } from "../model/service-spec";
import { cidrProblem, cidrsOverlap, gatewayProblem, parseCidr } from "../model/cidr";
import { hostSettings, settingPath, targetHosts } from "./host-settings";
import { batchSizeProblem, rolloutBatches } from "../model/rollout-batches";
import type { DaemonSpec, FleetSpec } from "./spec";
import { DEFAULT_REGISTRY_PORT } from "../model/defaults";

export interface SpecProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Problems across entries. Also run on a spec the schema refused (so one pass reports both
 * kinds): each part whose shape it cannot read is skipped alone, and every other part is checked.
 */
export function fleetProblems(spec: FleetSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  try {
    collect(spec, problems);
  } catch {
    // A malformed part the schema has already reported.
  }
  return problems;
}

/**
 * Runs the checks of one part of the spec. A part whose shape the schema refused (and reported)
 * stops alone, so every other part is still checked and one typo hides no other problem.
 */
function part(checks: () => unknown): void {
  try {
    checks();
  } catch {
    // A malformed part the schema has already reported.
  }
}

/** The items of what should be a list (none when it is not one). */
function entries<T>(list: readonly T[] | undefined): T[] {
  return Array.isArray(list) ? (list as T[]) : [];
}

/** Each item of what should be a list, each checked on its own (see `part`). */
function each<T>(list: readonly T[] | undefined, checks: (item: T, i: number) => unknown): void {
  entries(list).forEach((item, i) => part(() => checks(item, i)));
}

/** The spec with only the hosts whose name and groups can be read, for resolving `on:` targets. */
function readable(spec: FleetSpec): FleetSpec {
  const hosts = entries(spec.hosts)
    .filter((h) => typeof h === "object" && h !== null && typeof h.name === "string")
    .map((h) => ({ ...h, groups: entries(h.groups).filter((g) => typeof g === "string") }));
  return { ...spec, hosts };
}

function collect(spec: FleetSpec, problems: SpecProblem[]): void {
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });

  const hostIndex = new Map<string, number>();
  each(spec.hosts, (h, i) => {
    const first = hostIndex.get(h.name);
    if (first !== undefined) add(["hosts", i, "name"], `duplicate host name "${h.name}" (also hosts[${first}])`);
    else hostIndex.set(h.name, i);
  });
  const groups = new Set(entries(spec.hosts).flatMap((h) => entries(h?.groups).filter((g) => typeof g === "string")));
  each(spec.hosts, (h, i) =>
    each(h.groups, (g, j) => {
      if (hostIndex.has(g)) add(["hosts", i, "groups", j], `group "${g}" has the name of a host; give it another name`);
    }),
  );
  const names = [...hostIndex.keys(), ...groups];
  const checkTargets = (on: "all" | string[] | undefined, path: (string | number)[]) => {
    if (!Array.isArray(on)) return;
    each(on, (t, j) => {
      if (hostIndex.has(t) || groups.has(t)) return;
      const hint = didYouMean(t, names);
      add(
        [...path, j],
        `"${t}" is not a host or group of this fleet${hint ? `; did you mean "${hint}"?` : ` (hosts: ${[...hostIndex.keys()].join(", ")})`}`,
      );
    });
  };

  part(() => spec.defaults?.daemon && checkDaemon(spec.defaults.daemon, ["defaults", "daemon"], add));
  each(spec.hosts, (h, i) => {
    const s = hostSettings(spec, h);
    if (typeof h.hostKey === "string") {
      try {
        parsePinnedHostKey(h.hostKey);
      } catch (e) {
        add(["hosts", i, "hostKey"], (e as Error).message.replace(/^hostKey:? ?/, ""));
      }
    }
    if (h.aws) {
      if (h.address !== undefined) add(["hosts", i, "address"], "is set by the EC2 instance; remove it or remove `aws`");
      if (h.hostKey !== undefined)
        add(["hosts", i, "hostKey"], "is generated for an EC2 host and pinned before the first connection; remove it");
      if ((h.aws.keyName || h.aws.publicKey) && !s.privateKey)
        add(["hosts", i, "privateKey"], "is required with aws.keyName or aws.publicKey (the private half, as { config: <secret key> })");
    } else if (h.address === undefined) {
      add(["hosts", i, "address"], "is required (or `aws:` to create an EC2 instance for this host)");
    }
    if (!h.aws && !s.privateKey)
      add(["hosts", i, "privateKey"], "is required, here or in defaults.privateKey: { config: <key of a Pulumi config secret> }");
    if (!h.aws && !h.hostKey && !h.insecureSkipHostKeyCheck) {
      add(
        ["hosts", i, "hostKey"],
        "is required: pin the host key (`ssh-keyscan -t ed25519 <address>`), or set insecureSkipHostKeyCheck: true to accept any key",
      );
    }
    const e = s.engine;
    const method = e.method ?? "online";
    const where = (k: string) => settingPath(spec, i, "engine", k);
    if (method === "offline") {
      if (e.bundles) {
        if (e.bundle) add(where("bundles"), "cannot be given with bundle: one bundle, or one per architecture");
        if (!Object.keys(e.bundles).length) add(where("bundles"), "names no architecture");
      } else {
        if (!e.bundle)
          add(where("bundle"), "is required for method: offline (path or URL of docker-<version>.tgz, or bundles per architecture)");
        if (!e.bundleSha256) add(where("bundleSha256"), "is required for method: offline (sha256 of the bundle)");
      }
      if (e.plugins?.includes("compose") && !e.composePlugin)
        add(where("composePlugin"), 'is required for plugins ["compose"] with method: offline (the docker-compose-linux-<arch> binary)');
      if (e.composePlugin && !e.composePluginSha256) add(where("composePluginSha256"), "is required with composePlugin (its sha256)");
      for (const k of ["mirror", "source", "channel", "version"] as const)
        if (e[k] !== undefined && h.engine && k in h.engine) add(where(k), "applies to method: online only");
    } else {
      for (const k of ["bundle", "bundleSha256", "bundles", "installDir", "composePlugin", "composePluginSha256"] as const)
        if (e[k] !== undefined && h.engine && k in h.engine)
          add(where(k), `applies to method: offline only (this host's method is ${method})`);
    }
    if (h.daemon) checkDaemon(h.daemon, ["hosts", i, "daemon"], add);
  });

  each(spec.registries, (r, i) => {
    if (!hostIndex.has(r.host)) {
      const hint = didYouMean(r.host, [...hostIndex.keys()]);
      add(["registries", i, "host"], `"${r.host}" is not a host of this fleet${hint ? `; did you mean "${hint}"?` : ""}`);
    }
    if (r.image && imageRefProblem(r.image)) add(["registries", i, "image"], imageRefProblem(r.image)!);
    checkTargets(r.trustedBy, ["registries", i, "trustedBy"]);
  });
  part(() => checkRollout(spec, add));
  each(spec.images, (img, i) => {
    if (imageRefProblem(img.ref)) add(["images", i, "ref"], imageRefProblem(img.ref)!);
    checkTargets(img.on, ["images", i, "on"]);
    if (img.source) {
      if (img.pullPolicy === "always") add(["images", i, "pullPolicy"], "cannot be always with a source: a brought image is never pulled");
      try {
        imageSourceOf(img.source, img.ref, "source");
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        add(["images", i, ...e.propertyPath.split(".")], e.reason.slice(e.propertyPath.length + 1));
      }
    }
  });

  // Per host: container names and host ports taken, by whom.
  const taken = new Map<string, string>();
  each(spec.registries, (r, i) => {
    taken.set(`${r.host}/name/${r.name}`, `registries[${i}]`);
    taken.set(`${r.host}/port/*:${r.port ?? DEFAULT_REGISTRY_PORT}/tcp`, `registries[${i}]`);
  });
  each(spec.containers, (c, i) => {
    if (imageRefProblem(c.image)) add(["containers", i, "image"], imageRefProblem(c.image)!);
    checkTargets(c.on, ["containers", i, "on"]);
    const ports = entries(c.ports).flatMap((p, j) => {
      try {
        return [parsePort(p, j)];
      } catch (e) {
        if (!pulumi.InputPropertyError.isInstance(e)) throw e;
        add(["containers", i, "ports", j], e.reason.replace(/^ports\[\d+\]\S* /, ""));
        return [];
      }
    });
    // The security settings as the Container will take them (the profile's defaults included).
    try {
      parseContainerSecurity(
        containerSecurityArgs(spec, c),
        entries(c.volumes).map((v) => (typeof v === "string" ? (v.split(":")[1] ?? "") : "")),
      );
    } catch (e) {
      if (!pulumi.InputPropertyError.isInstance(e)) throw e;
      // "capAdd[0] is ..." -> containers[i].capAdd[0]: "is ..."; "tmpfs./tmp must ..." is kept whole.
      const m = /^([A-Za-z]+)(?:\[(\d+)\])?/.exec(e.propertyPath);
      const rest = m ? e.reason.slice(m[0].length) : "";
      add(
        ["containers", i, ...(m ? [m[1], ...(m[2] === undefined ? [] : [Number(m[2])])] : [])],
        rest.startsWith(" ") ? rest.slice(1) : e.reason,
      );
    }
    for (const host of targetHosts(readable(spec), c.on)) {
      const nameKey = `${host}/name/${c.name}`;
      if (taken.has(nameKey))
        add(["containers", i, "name"], `container "${c.name}" is declared twice on host ${host} (also ${taken.get(nameKey)})`);
      else taken.set(nameKey, `containers[${i}]`);
      ports.forEach((p, j) => {
        const key = `${host}/port/${p.hostIp ?? "*"}:${p.hostPort}/${p.protocol}`;
        const other = taken.get(key) ?? taken.get(`${host}/port/*:${p.hostPort}/${p.protocol}`);
        if (other && other !== `containers[${i}]`)
          add(["containers", i, "ports", j], `host port ${p.hostPort}/${p.protocol} on ${host} is already taken by ${other}`);
        else taken.set(key, `containers[${i}]`);
      });
    }
  });
  part(() => checkSwarm(spec, hostIndex, taken, add));
  part(() => checkNetworksAndVolumes(spec, checkTargets, add));
  const projects = new Map<string, string>();
  each(spec.compose, (p, i) => {
    checkTargets(p.on, ["compose", i, "on"]);
    for (const host of targetHosts(readable(spec), p.on)) {
      const key = `${host}/${p.project}`;
      if (projects.has(key))
        add(["compose", i, "project"], `compose project "${p.project}" is declared twice on host ${host} (also ${projects.get(key)})`);
      else projects.set(key, `compose[${i}]`);
    }
  });
}

// --- networks and volumes ---
/**
 * Networks and volumes: names once per host, subnets and gateways that parse and fit, no two
 * subnets overlapping on one host, and containers naming only networks and volumes declared on
 * every host they run on.
 */
function checkNetworksAndVolumes(
  spec: FleetSpec,
  checkTargets: (on: "all" | string[] | undefined, path: (string | number)[]) => void,
  add: (p: (string | number)[], m: string) => void,
): void {
  // Per host: network and volume names, and the subnets taken, by whom.
  const networks = new Map<string, string>();
  const volumes = new Map<string, string>();
  const subnets = new Map<string, { cidr: NonNullable<ReturnType<typeof parseCidr>>; text: string; by: string }[]>();
  each(spec.networks, (n, i) => {
    const at = ["networks", i];
    checkTargets(n.on, [...at, "on"]);
    const subnetProblem = n.subnet === undefined ? "" : cidrProblem(n.subnet);
    if (subnetProblem) add([...at, "subnet"], subnetProblem);
    if (n.gateway !== undefined) {
      if (n.subnet === undefined) add([...at, "gateway"], "needs a subnet to lie in: set subnet too");
      else if (!subnetProblem && gatewayProblem(n.subnet, n.gateway)) add([...at, "gateway"], gatewayProblem(n.subnet, n.gateway));
    }
    const cidr = n.subnet && !subnetProblem ? parseCidr(n.subnet) : undefined;
    for (const host of targetHosts(readable(spec), n.on)) {
      const key = `${host}/${n.name}`;
      if (networks.has(key)) add([...at, "name"], `network "${n.name}" is declared twice on host ${host} (also ${networks.get(key)})`);
      else networks.set(key, `networks[${i}]`);
      if (!cidr) continue;
      const onHost = subnets.get(host) ?? [];
      const clash = onHost.find((o) => cidrsOverlap(o.cidr, cidr));
      if (clash) add([...at, "subnet"], `${n.subnet} overlaps ${clash.text} of ${clash.by} on host ${host}`);
      onHost.push({ cidr, text: n.subnet!, by: `networks[${i}]` });
      subnets.set(host, onHost);
    }
  });
  each(spec.volumes, (v, i) => {
    checkTargets(v.on, ["volumes", i, "on"]);
    for (const host of targetHosts(readable(spec), v.on)) {
      const key = `${host}/${v.name}`;
      if (volumes.has(key)) add(["volumes", i, "name"], `volume "${v.name}" is declared twice on host ${host} (also ${volumes.get(key)})`);
      else volumes.set(key, `volumes[${i}]`);
    }
  });
  const declared = (list: { name: string }[] | undefined) => [
    ...new Set(entries(list).flatMap((x) => (typeof x?.name === "string" ? [x.name] : []))),
  ];
  each(spec.containers, (c, i) => {
    const hosts = targetHosts(readable(spec), c.on);
    each(c.networks, (entry, j) => {
      const net = typeof entry === "string" ? entry : entry.network;
      const at = typeof entry === "string" ? ["containers", i, "networks", j] : ["containers", i, "networks", j, "network"];
      const missing = hosts.filter((h) => !networks.has(`${h}/${net}`));
      if (!missing.length) return;
      const names = declared(spec.networks);
      const hint = names.includes(net) ? "" : didYouMean(net, names);
      add(
        at,
        names.includes(net)
          ? `network "${net}" is not on host ${missing.join(", ")}: add the host to the network's on:`
          : `"${net}" is not a network of this fleet${hint ? `; did you mean "${hint}"?` : names.length ? ` (networks: ${names.join(", ")})` : " (declare it under networks:)"}`,
      );
    });
    each(c.volumes, (m, j) => {
      const source = m.split(":")[0];
      if (source.startsWith("/")) return;
      const missing = hosts.filter((h) => !volumes.has(`${h}/${source}`));
      if (!missing.length) return;
      const names = declared(spec.volumes);
      const hint = names.includes(source) ? "" : didYouMean(source, names);
      add(
        ["containers", i, "volumes", j],
        names.includes(source)
          ? `volume "${source}" is not on host ${missing.join(", ")}: add the host to the volume's on:`
          : `"${source}" is not a volume of this fleet${hint ? `; did you mean "${hint}"?` : " (declare it under volumes:, or mount an absolute host path)"}`,
      );
    });
  });
}
// --- end networks and volumes ---

/** Swarm nodes must be fleet hosts, each once; services must fit the nodes their host-mode ports take. */
function checkSwarm(
  spec: FleetSpec,
  hostIndex: Map<string, number>,
  taken: Map<string, string>,
  add: (p: (string | number)[], m: string) => void,
): void {
  const sw = spec.swarm;
  if (!sw) return;
  const nodes: string[] = [];
  const seen = new Map<string, string>();
  for (const list of ["managers", "workers"] as const) {
    each(sw[list], (n, i) => {
      const host = typeof n === "string" ? n : n.host;
      const at = typeof n === "string" ? ["swarm", list, i] : ["swarm", list, i, "host"];
      if (!hostIndex.has(host)) {
        const hint = didYouMean(host, [...hostIndex.keys()]);
        add(at, `"${host}" is not a host of this fleet${hint ? `; did you mean "${hint}"?` : ""}`);
        return;
      }
      if (seen.has(host)) add(at, `host "${host}" is already a node of the swarm (${seen.get(host)})`);
      else {
        seen.set(host, `swarm.${list}[${i}]`);
        nodes.push(host);
      }
    });
  }
  const names = new Map<string, number>();
  each(sw.services, (svc, i) => {
    const at = ["swarm", "services", i];
    if (names.has(svc.name)) add([...at, "name"], `service "${svc.name}" is declared twice (also swarm.services[${names.get(svc.name)}])`);
    else names.set(svc.name, i);
    if (imageRefProblem(svc.image)) add([...at, "image"], imageRefProblem(svc.image)!);
    if (svc.mode === "global" && svc.replicas !== undefined) add([...at, "replicas"], "only applies to mode replicated");
    each(svc.ports, (p, j) => {
      const r = parseServicePort(p);
      if (typeof r === "string") {
        add([...at, "ports", j], r);
        return;
      }
      // Host mode: every node that may run a task opens the port itself.
      for (const host of nodes) {
        const other =
          taken.get(`${host}/port/*:${r.publishedPort}/${r.protocol}`) ??
          [...taken.entries()].find(([k]) => k.startsWith(`${host}/port/`) && k.endsWith(`:${r.publishedPort}/${r.protocol}`))?.[1];
        if (other) add([...at, "ports", j], `host port ${r.publishedPort}/${r.protocol} on ${host} is already taken by ${other}`);
        else taken.set(`${host}/port/*:${r.publishedPort}/${r.protocol}`, `swarm.services[${i}]`);
      }
    });
    const first = entries(svc.ports)
      .map(parseServicePort)
      .find((r) => typeof r !== "string");
    const replicas = svc.mode === "global" ? 0 : (svc.replicas ?? 1);
    if (first && typeof first !== "string" && replicas > nodes.length) {
      add(
        [...at, "replicas"],
        `${replicas} tasks cannot each publish host port ${first.publishedPort} on the swarm's ${nodes.length} nodes (one per node in host mode)`,
      );
    }
  });
}

/** Daemon settings dockerd would refuse (unknown keys, wrong types, bad mirrors), found before any host is touched. */
function checkDaemon(d: DaemonSpec, path: (string | number)[], add: (p: (string | number)[], m: string) => void): void {
  each(d.registryMirrors, (m, j) => {
    const problem = typeof m === "string" ? mirrorProblem(m) : undefined;
    if (problem) add([...path, "registryMirrors", j], problem);
  });
  each(d.insecureRegistries, (r, j) => {
    const problem = typeof r === "string" ? insecureRegistryProblem(r) : undefined;
    if (problem) add([...path, "insecureRegistries", j], problem);
  });
  for (const problem of daemonSettingsProblems(d.settings ?? {}, "")) {
    const m = /^\.([^:]+): (.*)$/.exec(problem);
    if (m) add([...path, "settings", m[1]], m[2]);
  }
  checkEngineSettings(d, path, add);
}

// Engine settings (proxy, log rotation).
function checkEngineSettings(d: DaemonSpec, path: (string | number)[], add: (p: (string | number)[], m: string) => void): void {
  for (const key of ["http", "https"] as const) {
    const url = d.proxy?.[key];
    if (typeof url !== "string") continue;
    const problem = proxyProblems({ [key]: url }).find(([k]) => k === `proxy.${key}`);
    if (problem) add([...path, "proxy", key], problem[1]);
    else if (/^[a-z]+:\/\/[^/@]*@/i.test(url))
      add(
        [...path, "proxy", key],
        "carries credentials: give it as { config: <key> } of a Pulumi config secret, never in plain text in the file",
      );
  }
  if (d.logRotation && typeof d.logRotation === "object") {
    const own = [
      d.logDriver !== undefined && "logDriver",
      d.logOpts !== undefined && "logOpts",
      d.settings && ("log-driver" in d.settings || "log-opts" in d.settings) && "settings",
    ].filter(Boolean);
    if (own.length)
      add(
        [...path, "logRotation"],
        `conflicts with ${own.join(" and ")}: give the log settings one way (logRotation sets json-file with max-size/max-file)`,
      );
  }
}

/**
 * Every host's pulls wait for the fleet's registries, so with a rollout a registry (and the hosts
 * that get its certificate authority) must change in the first batch: a later one would wait on
 * pulls that wait on it.
 */
function checkRollout(spec: FleetSpec, add: (path: (string | number)[], message: string) => void): void {
  if (!spec.rollout || batchSizeProblem(spec.rollout.batch)) return;
  const first = new Set(
    rolloutBatches(
      readable(spec).hosts.map((h) => h.name),
      spec.rollout.batch,
    )[0],
  );
  const firstList = [...first].join(", ");
  each(spec.registries, (r, i) => {
    if (spec.hosts.some((h) => h.name === r.host) && !first.has(r.host)) {
      add(
        ["registries", i, "host"],
        `with rollout, a registry's host must be in the first batch (${firstList}): every host's pulls wait for the registry. Move ${r.host} up in hosts or make the batch larger`,
      );
    }
    const late = targetHosts(readable(spec), r.trustedBy).filter((h) => !first.has(h));
    if (late.length)
      add(
        ["registries", i, "trustedBy"],
        `with rollout, the hosts that trust a registry must be in the first batch (${firstList}); not: ${late.join(", ")}`,
      );
  });
}
