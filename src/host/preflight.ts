import type { HostFacts } from "../scripts/host-facts";
import { RemoteError } from "../remote/errors";
import { compareVersions, detectDistro } from "./distro";

/** The host does not satisfy the preflight policy; nothing was changed on it. */
export class PreflightError extends RemoteError {
  static override readonly defaultCode = "DOCKYARD_PREFLIGHT_FAILED" as const;
}

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
  const minKernel = policy.minKernel ?? "3.10";
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
  const arches = policy.architectures ?? ["x86_64", "aarch64"];
  if (!arches.includes(facts.arch)) problems.push(`architecture ${facts.arch} is not one of ${arches.join(", ")}`);
  return problems;
}
