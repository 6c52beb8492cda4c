import { DEFAULT_ARCHITECTURES, DEFAULT_MIN_KERNEL } from "./defaults";
import { detectDistro } from "./distro";
import type { HostFacts } from "./host-facts";
import { compareVersions } from "./version";

/** What a host must satisfy before Dockyard changes anything on it. */
export interface PreflightPolicy {
  /**
   * Lowest kernel release accepted (Docker needs 3.10 or later).
   * @default "3.10"
   * @example "4.18"
   */
  minKernel?: string;
  /**
   * Require a supported distribution family and release (see the support matrix).
   * @default true
   * @example false
   */
  requireSupportedOs?: boolean;
  /**
   * Require systemd as PID 1 (engine installs manage docker.service).
   * @default true
   * @example false
   */
  requireSystemd?: boolean;
  /**
   * CPU architectures accepted (`uname -m`).
   * @default ["x86_64", "aarch64"]
   * @example ["x86_64"]
   */
  architectures?: string[];
}

/** Every reason the host fails the policy (empty when it passes). Pure. */
export function preflightProblems(facts: HostFacts, policy: PreflightPolicy = {}): string[] {
  const problems: string[] = [];
  const minKernel = policy.minKernel ?? DEFAULT_MIN_KERNEL;
  if (!facts.kernel || compareVersions(facts.kernel, minKernel) < 0) {
    problems.push(`kernel ${facts.kernel || "(unknown)"} is older than the required ${minKernel}`);
  }
  if (policy.requireSupportedOs ?? true) {
    const distro = detectDistro(facts);
    if (typeof distro === "string") problems.push(distro);
  }
  if ((policy.requireSystemd ?? true) && !facts.systemd) {
    problems.push(`systemd is not running as PID 1 (PID 1 is '${facts.init || "unknown"}')`);
  }
  // Without a cgroup filesystem no container starts, whatever engine is installed (a chroot, or
  // an init that mounts none): refused here, before an engine is installed that cannot run.
  if (facts.cgroup === "none") {
    problems.push(
      "no cgroup filesystem is mounted at /sys/fs/cgroup, so docker cannot start containers: boot the machine with systemd (it mounts cgroup2 there) or mount it (mount -t cgroup2 none /sys/fs/cgroup)",
    );
  }
  const arches = policy.architectures ?? DEFAULT_ARCHITECTURES;
  if (!arches.includes(facts.arch)) problems.push(`architecture ${facts.arch} is not one of ${arches.join(", ")}`);
  return problems;
}
