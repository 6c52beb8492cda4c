import { parseSections } from "./sections";

/** What Dockyard knows about a machine, read from the machine itself. */
export interface HostFacts {
  /** os-release `ID`, e.g. `rocky`. */
  osId: string;
  /** os-release `ID_LIKE`, split, e.g. `["rhel", "centos", "fedora"]`. */
  osIdLike: string[];
  /** os-release `VERSION_ID`, e.g. `9.3`; empty on rolling distributions. */
  osVersionId: string;
  /** os-release `VERSION_CODENAME` (or `UBUNTU_CODENAME` on Ubuntu derivatives); empty when absent. */
  osVersionCodename: string;
  /** os-release `PRETTY_NAME`. */
  osPrettyName: string;
  /** `uname -r`. */
  kernel: string;
  /** `uname -m`, e.g. `x86_64`. */
  arch: string;
  /** Name of PID 1 (`systemd`, `init`, ...). */
  init: string;
  /** True when systemd is PID 1 and running (`/run/systemd/system` exists). */
  systemd: boolean;
  /**
   * The cgroup hierarchy mounted at /sys/fs/cgroup: `v2` (unified), `v1` (legacy or hybrid), or
   * `none` (no cgroup filesystem: no container can start). Absent in facts read before it was read.
   */
  cgroup?: "v2" | "v1" | "none";
  /**
   * The backend of the `iptables` command dockerd programs its networks with: `nft`
   * (iptables-nft), `legacy` (x_tables), or `none` (no iptables command). Absent in facts read
   * before it was read.
   */
  iptables?: "nft" | "legacy" | "none";
  /** `docker --version` of the client on PATH, when one is installed. */
  dockerClientVersion?: string;
  /** The engine's version as the running daemon reports it, when one answers. */
  dockerServerVersion?: string;
}

/** Parses os-release text (shell-like KEY=value lines, values optionally quoted). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\([\\$"`])/g, "$1");
    } else if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
      value = value.slice(1, -1);
    }
    out[m[1]] = value;
  }
  return out;
}

/** The daemon's version from `docker version --format '{{json .}}'` ("" when it did not answer). */
function serverVersionOf(section: string | undefined): string {
  try {
    const v = (JSON.parse((section ?? "").trim()) as { Server?: { Version?: unknown } | null }).Server?.Version;
    return typeof v === "string" ? v : "";
  } catch {
    return "";
  }
}

/** Parses the output of `renderFactsProbe()`. */
export function parseFacts(output: string): HostFacts {
  const sections = parseSections(output);
  const osr = parseOsRelease(sections["os-release"] ?? "");
  const client = /version\s+([0-9][^\s,]*)/i.exec(sections["docker-client"] ?? "");
  const server = serverVersionOf(sections["docker-server"]);
  const facts: HostFacts = {
    osId: osr.ID ?? "",
    osIdLike: (osr.ID_LIKE ?? "").split(/\s+/).filter(Boolean),
    osVersionId: osr.VERSION_ID ?? "",
    osVersionCodename: osr.UBUNTU_CODENAME ?? osr.VERSION_CODENAME ?? "",
    osPrettyName: osr.PRETTY_NAME ?? "",
    kernel: (sections.kernel ?? "").trim(),
    arch: (sections.arch ?? "").trim(),
    init: (sections.init ?? "").trim(),
    systemd: (sections.systemd ?? "").trim() === "yes",
  };
  const cgroup = cgroupOf(sections.cgroup);
  if (cgroup) facts.cgroup = cgroup;
  const iptables = iptablesOf(sections.iptables);
  if (iptables) facts.iptables = iptables;
  if (client) facts.dockerClientVersion = client[1];
  if (/^[0-9]/.test(server)) facts.dockerServerVersion = server;
  return facts;
}

/** The filesystem type `stat -f` reports for /sys/fs/cgroup, as a hierarchy (undefined: not read). */
function cgroupOf(section: string | undefined): HostFacts["cgroup"] {
  if (section === undefined) return undefined;
  const type = section.trim();
  if (type === "cgroup2fs") return "v2";
  // v1 mounts a tmpfs of per-controller hierarchies there (hybrid adds cgroup2 under unified/).
  if (type === "tmpfs") return "v1";
  return "none";
}

/**
 * `iptables --version` as a backend: 1.8+ names it (`iptables v1.8.9 (nf_tables)`, `(legacy)`);
 * older releases (CentOS 7's 1.4.21) name none and are legacy. `none` when there is no command.
 */
function iptablesOf(section: string | undefined): HostFacts["iptables"] {
  if (section === undefined) return undefined;
  const line = section.trim();
  if (!line || line === "none") return "none";
  if (/\(nf_tables\)/.test(line)) return "nft";
  return "legacy";
}
