// A container's security settings (user, read-only root, capabilities, no-new-privileges, security
// options, PIDs limit, tmpfs mounts, ulimits, privileged): checked here, without I/O, by the
// Container component and the fleet file's checks; the provider checks the same values by the
// HOST_VALUES patterns they use (src/providers/input-checks.ts).
import { nearest } from "./edit-distance";
import { checkHostValue, HOST_VALUES, isHostValue } from "./host-values";
import { invalid } from "./input-error";

/** A resource limit of the container's processes, as `docker run --ulimit name=soft:hard`. */
export interface UlimitArgs {
  /**
   * The limit: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss,
   * rtprio, rttime, sigpending or stack.
   * @example "nofile"
   */
  name: string;
  /**
   * Soft limit (-1: unlimited).
   * @example 1024
   */
  soft: number;
  /**
   * Hard limit (-1: unlimited).
   * @default the same as soft
   * @example 2048
   */
  hard?: number;
}

/** A ulimit with its hard limit filled in. */
export interface UlimitSpec {
  name: string;
  soft: number;
  hard: number;
}

/** The security settings as a component or a fleet file takes them. */
export interface ContainerSecurityArgs {
  user?: string;
  readOnlyRootFilesystem?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  noNewPrivileges?: boolean;
  securityOpt?: string[];
  pidsLimit?: number;
  tmpfs?: Record<string, string>;
  ulimits?: UlimitArgs[];
  insecurePrivileged?: boolean;
}

/** The security settings a container is made with; only those declared are present (so older states keep their hash). */
export interface ContainerSecuritySpec {
  user?: string;
  readOnlyRootFilesystem?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  noNewPrivileges?: boolean;
  securityOpt?: string[];
  pidsLimit?: number;
  tmpfs?: Record<string, string>;
  ulimits?: UlimitSpec[];
  privileged?: boolean;
}

/** The Linux capabilities (capabilities(7)), without their CAP_ prefix. */
export const CAPABILITIES = [
  "AUDIT_CONTROL",
  "AUDIT_READ",
  "AUDIT_WRITE",
  "BLOCK_SUSPEND",
  "BPF",
  "CHECKPOINT_RESTORE",
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "IPC_LOCK",
  "IPC_OWNER",
  "KILL",
  "LEASE",
  "LINUX_IMMUTABLE",
  "MAC_ADMIN",
  "MAC_OVERRIDE",
  "MKNOD",
  "NET_ADMIN",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_RAW",
  "PERFMON",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_CHROOT",
  "SYS_MODULE",
  "SYS_NICE",
  "SYS_PACCT",
  "SYS_PTRACE",
  "SYS_RAWIO",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "SYSLOG",
  "WAKE_ALARM",
] as const;

/** A capability's name without CAP_ (the Engine API takes both, and reports what it was given). */
export const capabilityName = (c: string): string => c.toUpperCase().replace(/^CAP_/, "");

function capabilities(path: string, list: unknown, allowAll: boolean): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) invalid(path, "must be a list of capabilities like NET_BIND_SERVICE");
  const out = list.map((c: unknown, i) => {
    checkHostValue("capability", `${path}[${i}]`, c);
    const name = capabilityName(c);
    if (name === "ALL") {
      if (!allowAll)
        invalid(
          `${path}[${i}]`,
          "gives every capability: name the ones the process needs (or, for a privileged container, insecurePrivileged)",
        );
      return name;
    }
    if (!(CAPABILITIES as readonly string[]).includes(name)) {
      const hint = nearest(name, [...CAPABILITIES]);
      invalid(
        `${path}[${i}]`,
        `is not a Linux capability (got ${JSON.stringify(c)})${hint && hint.distance <= 3 ? `; did you mean ${hint.match}?` : ""}`,
      );
    }
    return name;
  });
  out.forEach((c, i) => {
    if (out.indexOf(c) !== i) invalid(`${path}[${i}]`, `names ${c} twice`);
  });
  return out.length ? out : undefined;
}

/**
 * The security settings, checked: every value to its strict pattern, conflicts refused
 * (a capability both added and dropped, a tmpfs at a path a volume takes). `mountTargets` are the
 * container's volume targets. Throws the bad-argument error naming the setting.
 */
export function parseContainerSecurity(
  a: ContainerSecurityArgs & { privileged?: unknown },
  mountTargets: string[] = [],
): ContainerSecuritySpec {
  // `privileged` is not a setting: a privileged container is root on the host, so it is asked for by the loud name only.
  if (a.privileged !== undefined)
    invalid(
      "privileged",
      "is not a setting: a privileged container has every capability and every device of the host (root on the host). If you mean it, set insecurePrivileged: true",
    );
  const s: ContainerSecuritySpec = {};
  if (a.user !== undefined) {
    checkHostValue("containerUser", "user", a.user);
    s.user = a.user;
  }
  for (const k of ["readOnlyRootFilesystem", "noNewPrivileges", "insecurePrivileged"] as const) {
    if (a[k] !== undefined && typeof a[k] !== "boolean") invalid(k, `must be true or false (got ${JSON.stringify(a[k])})`);
  }
  if (a.readOnlyRootFilesystem) s.readOnlyRootFilesystem = true;
  // false is kept: it overrides the daemon's no-new-privileges default for this container.
  if (a.noNewPrivileges !== undefined) s.noNewPrivileges = a.noNewPrivileges;
  if (a.insecurePrivileged) s.privileged = true;
  const capAdd = capabilities("capAdd", a.capAdd, false);
  const capDrop = capabilities("capDrop", a.capDrop, true);
  capAdd?.forEach((c, i) => {
    if (capDrop?.includes(c)) invalid(`capAdd[${i}]`, `is also in capDrop: give ${c} in one of them`);
  });
  if (capAdd) s.capAdd = capAdd;
  if (capDrop) s.capDrop = capDrop;
  if (a.securityOpt !== undefined) {
    if (!Array.isArray(a.securityOpt)) invalid("securityOpt", `must be a list like ["apparmor=docker-default"]`);
    a.securityOpt.forEach((o: unknown, i) => {
      if (typeof o === "string" && /^no-new-privileges/.test(o)) invalid(`securityOpt[${i}]`, "is set with noNewPrivileges: true");
      checkHostValue("securityOpt", `securityOpt[${i}]`, o);
      if (a.securityOpt!.indexOf(o as string) !== i) invalid(`securityOpt[${i}]`, `gives ${o as string} twice`);
    });
    if (a.securityOpt.length) s.securityOpt = [...a.securityOpt];
  }
  if (a.pidsLimit !== undefined) {
    if (!Number.isInteger(a.pidsLimit) || a.pidsLimit < 1 || a.pidsLimit > 4194304)
      invalid("pidsLimit", `must be an integer 1-4194304 (got ${JSON.stringify(a.pidsLimit)})`);
    s.pidsLimit = a.pidsLimit;
  }
  if (a.tmpfs !== undefined) {
    if (typeof a.tmpfs !== "object" || a.tmpfs === null || Array.isArray(a.tmpfs))
      invalid("tmpfs", 'must be a map of paths to mount options, like { "/tmp": "rw,noexec,nosuid,size=64m" }');
    for (const [target, options] of Object.entries(a.tmpfs)) {
      checkHostValue("absolutePath", "tmpfs key", target);
      if (target === "/") invalid("tmpfs key", "cannot be / (the root filesystem)");
      if (!isHostValue("mountOptions", options))
        invalid(`tmpfs.${target}`, `must be ${HOST_VALUES.mountOptions.says} (got ${JSON.stringify(options)})`);
      if (mountTargets.includes(target)) invalid(`tmpfs.${target}`, "is also the target of a volume: mount one thing there");
    }
    if (Object.keys(a.tmpfs).length) s.tmpfs = { ...a.tmpfs };
  }
  if (a.ulimits !== undefined) {
    if (!Array.isArray(a.ulimits)) invalid("ulimits", 'must be a list like [{ name: "nofile", soft: 1024, hard: 2048 }]');
    const ulimits = a.ulimits.map((u: UlimitArgs, i): UlimitSpec => {
      checkHostValue("ulimitName", `ulimits[${i}].name`, u?.name);
      const hard = u.hard ?? u.soft;
      for (const [k, v] of [
        ["soft", u.soft],
        ["hard", hard],
      ] as const) {
        if (!Number.isInteger(v) || v < -1)
          invalid(`ulimits[${i}].${k}`, `must be an integer, -1 for unlimited (got ${JSON.stringify(v)})`);
      }
      if (hard !== -1 && (u.soft === -1 || u.soft > hard)) invalid(`ulimits[${i}].soft`, `must not be above the hard limit ${hard}`);
      return { name: u.name, soft: u.soft, hard };
    });
    ulimits.forEach((u, i) => {
      if (ulimits.findIndex((o) => o.name === u.name) !== i) invalid(`ulimits[${i}]`, `sets ${u.name} twice`);
    });
    if (ulimits.length) s.ulimits = ulimits;
  }
  return s;
}
