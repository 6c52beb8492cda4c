import type { HostFacts } from "./host-facts";
import { codenamesOf, supportedReleases } from "./support-matrix";

/** How Dockyard installs Docker on a distribution. */
export interface Distro {
  /** `rhel` (yum/dnf, rpm) or `debian` (apt, dpkg). */
  family: "rhel" | "debian";
  /** os-release ID as read, e.g. `rocky`. */
  id: string;
  /** Major version (`9`, `22.04`, `2023`): what the support matrix is keyed by. */
  version: string;
  /** The folder of docker-ce's repository for this distribution: `<base>/linux/<repoOs>`. */
  repoOs: "centos" | "rhel" | "fedora" | "debian" | "ubuntu";
  /** Package manager command. */
  packageManager: "apt-get" | "yum" | "dnf";
  /** apt suite (codename), for Debian-like hosts. */
  codename?: string;
  /** Fixed `$releasever` for the docker-ce yum repository where the distro's own does not fit (Amazon Linux). */
  releasever?: string;
  /** The distribution's own Docker engine package, when it has one. */
  distroPackage?: string;
  /** True when the version is outside the tested matrix (a derivative recognised by ID_LIKE). */
  derivative: boolean;
}

/**
 * Releases Dockyard recognises, by os-release ID: derived from the support matrix
 * (`SUPPORT_MATRIX` in support-matrix.ts, which says how each is tested and which are past their
 * end of life).
 */
export const SUPPORTED: Record<string, string[]> = supportedReleases();

const DEBIAN_CODENAMES = codenamesOf("debian");
const UBUNTU_CODENAMES = codenamesOf("ubuntu");

function majorOf(versionId: string, id: string): string {
  // Ubuntu's releases are YY.MM; everything else is keyed by the major number.
  if (id === "ubuntu") return versionId.split(".").slice(0, 2).join(".");
  return versionId.split(".")[0] ?? "";
}

/**
 * Recognises the distribution from os-release: by ID when it is one we know, else by ID_LIKE
 * (so Rocky, Alma, Oracle, Amazon Linux and derivatives of Debian or Ubuntu are not refused for
 * a name we never heard of). Returns the reason as a string when Docker cannot be installed.
 */
export function detectDistro(
  f: Pick<HostFacts, "osId" | "osIdLike" | "osVersionId" | "osVersionCodename" | "osPrettyName">,
): Distro | string {
  const id = f.osId.toLowerCase();
  const like = f.osIdLike.map((x) => x.toLowerCase());
  const name = f.osPrettyName || id || "an unknown OS";
  const version = majorOf(f.osVersionId, id);
  const isRhel =
    ["rhel", "centos", "fedora", "rocky", "almalinux", "ol", "amzn"].includes(id) ||
    like.some((l) => ["rhel", "centos", "fedora"].includes(l));
  const isDebian = ["debian", "ubuntu"].includes(id) || like.some((l) => ["debian", "ubuntu"].includes(l));
  const known = SUPPORTED[id];
  if (known && !known.includes(version)) {
    return `${name} is not supported (supported ${id} releases: ${known.join(", ")})`;
  }
  const derivative = !known;
  if (isRhel) {
    const major = Number(version);
    if (id === "amzn") {
      return version === "2"
        ? { family: "rhel", id, version, repoOs: "centos", packageManager: "yum", releasever: "7", distroPackage: "docker", derivative }
        : { family: "rhel", id, version, repoOs: "centos", packageManager: "dnf", releasever: "9", distroPackage: "docker", derivative };
    }
    if (id === "fedora" || (derivative && like.includes("fedora") && !like.includes("rhel") && !like.includes("centos"))) {
      return { family: "rhel", id, version, repoOs: "fedora", packageManager: "dnf", distroPackage: "moby-engine", derivative };
    }
    if (!Number.isInteger(major) || major < 7) return `${name}: cannot tell its RHEL release from VERSION_ID '${f.osVersionId}'`;
    const repoOs = id === "rhel" && major >= 8 ? "rhel" : "centos";
    return major === 7
      ? { family: "rhel", id, version, repoOs, packageManager: "yum", distroPackage: "docker", derivative }
      : { family: "rhel", id, version, repoOs, packageManager: "dnf", derivative };
  }
  if (isDebian) {
    const ubuntuLike = id === "ubuntu" || like.includes("ubuntu");
    const codename =
      f.osVersionCodename || (id === "ubuntu" ? UBUNTU_CODENAMES[version] : id === "debian" ? DEBIAN_CODENAMES[version] : undefined);
    if (!codename) return `${name}: no VERSION_CODENAME in os-release, so the apt suite is unknown`;
    return {
      family: "debian",
      id,
      version,
      repoOs: ubuntuLike ? "ubuntu" : "debian",
      packageManager: "apt-get",
      codename,
      distroPackage: "docker.io",
      derivative,
    };
  }
  return `${name} is not a supported family (neither RHEL-like nor Debian-like by ID '${f.osId}' and ID_LIKE '${f.osIdLike.join(" ")}')`;
}
