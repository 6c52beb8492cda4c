// The providers' own check of their plain inputs: the same records of src/model/host-values.ts
// the components and the fleet file use, run by the provider host before diff, create or update
// (`check(olds, news)` of a dynamic provider). So a provider refuses what the component would
// have refused, whatever reached it: a config value, an older state, a program in another
// language. A value not known yet (preview) is checked when it is.
import { HOST_VALUES, isHostValue, type HostValueKindName } from "../model/host-values";

/** One refused input, as the Pulumi engine reports it: the property path and why. */
export interface CheckFailure {
  property: string;
  reason: string;
}

// The engine hands dynamic providers this sentinel in place of values not known yet.
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Collects failures of one provider's inputs. */
export class InputCheck {
  readonly failures: CheckFailure[] = [];

  /** A value of a kind; absent and unknown values pass (whether one is required is the provider's concern). */
  value(kind: HostValueKindName, property: string, value: unknown): void {
    if (value === undefined || value === null || value === UNKNOWN) return;
    if (isHostValue(kind, value)) return;
    // A URL may carry credentials, and text may be a secret (env): never quoted.
    const shown = kind === "url" || kind === "text" || typeof value !== "string" ? "" : ` (got ${JSON.stringify(value)})`;
    this.failures.push({ property, reason: `${property} must be ${HOST_VALUES[kind].says}${shown}` });
  }

  /** Each item of a list (a list that is not one is refused). */
  list(kind: HostValueKindName, property: string, values: unknown): void {
    this.each(property, values, (v, p) => this.value(kind, p, v));
  }

  /** Each item of a list, checked by `checks`. */
  each(property: string, values: unknown, checks: (item: unknown, property: string) => void): void {
    if (values === undefined || values === null || values === UNKNOWN) return;
    if (!Array.isArray(values)) {
      this.failures.push({ property, reason: `${property} must be a list` });
      return;
    }
    values.forEach((v, i) => checks(v, `${property}[${i}]`));
  }

  /** The keys and values of a map. */
  map(keyKind: HostValueKindName, valueKind: HostValueKindName, property: string, map: unknown): void {
    if (map === undefined || map === null || map === UNKNOWN) return;
    if (typeof map !== "object" || Array.isArray(map)) {
      this.failures.push({ property, reason: `${property} must be a map` });
      return;
    }
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
      this.value(keyKind, `${property} key`, k);
      this.value(valueKind, `${property}.${k}`, v);
    }
  }

  /** An SSH connection's address, user and jump host. */
  connection(property: string, c: unknown): void {
    const conn = record(c);
    this.value("address", `${property}.host`, conn.host);
    this.value("loginName", `${property}.user`, conn.user);
    const jump = record(conn.jump);
    this.value("address", `${property}.jump.host`, jump.host);
    this.value("loginName", `${property}.jump.user`, jump.user);
  }
}

/** A plain object's fields (none for anything else), to read inputs that may be malformed. */
export function record(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The checks of one provider's inputs. */
export type InputChecks = (inputs: Record<string, unknown>, check: InputCheck) => void;

/** Runs a provider's checks on its new inputs: the failures, [] when they pass. */
export function checkInputs(checks: InputChecks, news: unknown): CheckFailure[] {
  const check = new InputCheck();
  checks(record(news), check);
  return check.failures;
}

const connected: InputChecks = (i, c) => c.connection("connection", i.connection);

/** A container's settings and its environment (Engine API values, also the port probe's addresses). */
function containerSpec(s: Record<string, unknown>, c: InputCheck, at: string): void {
  c.value("name", `${at}.name`, s.name);
  c.value("imageRef", `${at}.image`, s.image);
  c.list("text", `${at}.command`, s.command);
  c.each(`${at}.ports`, s.ports, (p, where) => c.value("ipAddress", `${where}.hostIp`, record(p).hostIp));
  c.each(`${at}.volumes`, s.volumes, (v, where) => {
    const source = record(v).source;
    c.value(typeof source === "string" && source.startsWith("/") ? "absolutePath" : "name", `${where}.source`, source);
    c.value("absolutePath", `${where}.target`, record(v).target);
  });
  c.each(`${at}.networks`, s.networks, (n, where) => {
    c.value("name", `${where}.name`, record(n).name);
    c.list("name", `${where}.aliases`, record(n).aliases);
  });
  c.map("labelKey", "text", `${at}.labels`, s.labels);
  c.list("text", `${at}.healthcheck.test`, record(s.healthcheck).test);
  // The security settings, by the patterns the component checks them with (model/container-security.ts).
  c.value("containerUser", `${at}.user`, s.user);
  c.list("capability", `${at}.capAdd`, s.capAdd);
  c.list("capability", `${at}.capDrop`, s.capDrop);
  c.list("securityOpt", `${at}.securityOpt`, s.securityOpt);
  c.map("absolutePath", "mountOptions", `${at}.tmpfs`, s.tmpfs);
  c.each(`${at}.ulimits`, s.ulimits, (u, where) => c.value("ulimitName", `${where}.name`, record(u).name));
}

/** Each provider's checks, by its export name in src/providers/index.ts. */
export const PROVIDER_CHECKS = {
  hostFacts: connected,
  // The engine's URLs to their pattern (the http/https policy and the key pin are the engine's
  // own model checks, beside its scripts).
  dockerEngine: (i, c) => {
    connected(i, c);
    const s = record(i.spec);
    c.value("url", "spec.mirror", s.mirror);
    c.value("url", "spec.bundle.url", record(s.bundle).url);
    c.value("sha256", "spec.bundle.sha256", record(s.bundle).sha256);
    for (const [arch, b] of Object.entries(record(s.bundles))) {
      c.value("url", `spec.bundles.${arch}.url`, record(b).url);
      c.value("sha256", `spec.bundles.${arch}.sha256`, record(b).sha256);
    }
    c.value("url", "spec.composePlugin.url", record(s.composePlugin).url);
    c.value("sha256", "spec.composePlugin.sha256", record(s.composePlugin).sha256);
    c.value("absolutePath", "spec.installDir", s.installDir);
  },
  daemonConfig: connected,
  image: (i, c) => {
    connected(i, c);
    c.value("imageRef", "spec.ref", record(i.spec).ref);
    c.value("address", "registryAuth.serveraddress", record(i.registryAuth).serveraddress);
  },
  container: (i, c) => {
    connected(i, c);
    containerSpec(record(i.spec), c, "spec");
    c.map("envName", "text", "env", i.env);
  },
  remoteFile: (i, c) => {
    connected(i, c);
    c.value("absolutePath", "path", i.path);
    c.value("fileMode", "mode", i.mode);
  },
  certificate: (i, c) => c.list("address", "names", i.names),
  sshKeyPair: (i, c) => c.value("text", "comment", i.comment),
  // User names become lines of the registry's htpasswd file on the host.
  htpasswd: (i, c) => c.each("users", i.users, (u, at) => c.value("name", `${at}.username`, record(u).username)),
  // Reaches only the EC2 API, never a host: the instance id and region to their own shapes.
  reportedHostKey: (i, c) => {
    c.value("name", "instanceId", i.instanceId);
    c.value("name", "region", i.region);
  },
  swarm: (i, c) => {
    c.each("nodes", i.nodes, (n, at) => {
      const node = record(n);
      c.connection(`${at}.connection`, node.connection);
      c.map("labelKey", "text", `${at}.labels`, node.labels);
      c.value("address", `${at}.advertiseAddr`, node.advertiseAddr);
    });
    c.list("cidr", "defaultAddrPool", i.defaultAddrPool);
  },
  service: (i, c) => {
    connected(i, c);
    const s = record(i.spec);
    c.value("name", "spec.name", s.name);
    c.value("imageRef", "spec.image", s.image);
    c.list("text", "spec.command", s.command);
    c.list("text", "spec.args", s.args);
    c.list("text", "spec.constraints", s.constraints);
    c.map("labelKey", "text", "spec.labels", s.labels);
    c.list("name", "spec.networks", s.networks);
    c.map("envName", "text", "env", i.env);
    c.value("address", "registryAuth.serveraddress", record(i.registryAuth).serveraddress);
  },
  network: (i, c) => {
    connected(i, c);
    const s = record(i.spec);
    c.value("name", "spec.name", s.name);
    c.value("driver", "spec.driver", s.driver);
    c.value("cidr", "spec.subnet", s.subnet);
    c.value("ipAddress", "spec.gateway", s.gateway);
    c.map("labelKey", "text", "spec.labels", s.labels);
  },
  volume: (i, c) => {
    connected(i, c);
    const s = record(i.spec);
    c.value("name", "spec.name", s.name);
    c.value("driver", "spec.driver", s.driver);
    c.map("labelKey", "text", "spec.driverOpts", s.driverOpts);
    c.map("labelKey", "text", "spec.labels", s.labels);
  },
  // The project name and service names reach compose's command lines; the file and .env go over stdin.
  composeProject: (i, c) => {
    connected(i, c);
    const s = record(i.spec);
    c.value("composeProject", "spec.project", s.project);
    c.list("composeService", "spec.services", s.services);
  },
  dockerUsers: (i, c) => {
    connected(i, c);
    c.list("userName", "users", i.users);
  },
  rolloutGate: (i, c) => {
    c.value("text", "label", i.label);
    c.each("targets", i.targets, (t, at) => {
      c.connection(`${at}.connection`, record(t).connection);
      c.list("name", `${at}.containers`, record(t).containers);
    });
  },
} satisfies Record<string, InputChecks>;
