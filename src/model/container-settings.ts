// A container's published ports, mounts and memory limit: parsed from the short forms Docker
// takes ("127.0.0.1:8080:80/tcp", "/srv:/data:ro", "512m") and checked, without I/O, by the
// Container component, the fleet file's checks and the AWS security group rules alike.
import { isHostValue } from "./host-values";
import { invalid } from "./input-error";

/** A port a container publishes on its host. */
export interface PortArgs {
  /** @example 80 */
  containerPort: number;
  /**
   * @default the same as containerPort
   * @example 8080
   */
  hostPort?: number;
  /**
   * Host address to bind.
   * @default all addresses
   * @example "127.0.0.1"
   */
  hostIp?: string;
  /**
   * @default "tcp"
   * @example "udp"
   */
  protocol?: "tcp" | "udp";
}

/** A published port, with its defaults filled in. */
export interface PortSpec {
  containerPort: number;
  hostPort: number;
  hostIp?: string;
  protocol: "tcp" | "udp";
}

/** A mount: a host path or a named volume, at an absolute path in the container. */
export interface VolumeSpec {
  /** An absolute host path (bind mount) or a named volume. */
  source: string;
  target: string;
  readOnly?: boolean;
}

/** A published port from `"80:80"`, `"127.0.0.1:8080:80"`, `"53/udp"` or an object; the error names `ports[i]`. */
export function parsePort(p: string | PortArgs, i: number): PortSpec {
  if (typeof p === "string") {
    const m = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/.exec(p);
    if (!m) invalid(`ports[${i}]`, `must look like "80:80", "127.0.0.1:8080:80" or "53:53/udp" (got ${JSON.stringify(p)})`);
    p = {
      hostIp: m[1],
      hostPort: m[2] ? Number(m[2]) : undefined,
      containerPort: Number(m[3]),
      protocol: (m[4] as "tcp" | "udp") ?? "tcp",
    };
  }
  const spec: PortSpec = { containerPort: p.containerPort, hostPort: p.hostPort ?? p.containerPort, protocol: p.protocol ?? "tcp" };
  if (p.hostIp !== undefined && p.hostIp !== "" && !isHostValue("ipAddress", p.hostIp))
    invalid(`ports[${i}].hostIp`, `must be an IPv4 or IPv6 address (got ${JSON.stringify(p.hostIp)})`);
  if (p.hostIp) spec.hostIp = p.hostIp;
  for (const [k, v] of [
    ["containerPort", spec.containerPort],
    ["hostPort", spec.hostPort],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 65535) invalid(`ports[${i}].${k}`, `must be an integer 1-65535 (got ${JSON.stringify(v)})`);
  }
  return spec;
}

/** A mount from `"/host/path:/in/container[:ro]"`, `"name:/in/container"` or an object; the error names `volumes[i]`. */
export function parseVolume(v: string | VolumeSpec, i: number): VolumeSpec {
  if (typeof v === "string") {
    const parts = v.split(":");
    if (parts.length < 2 || parts.length > 3 || (parts[2] !== undefined && parts[2] !== "ro" && parts[2] !== "rw")) {
      invalid(`volumes[${i}]`, `must look like "/host/path:/in/container[:ro]" or "name:/in/container" (got ${JSON.stringify(v)})`);
    }
    v = { source: parts[0], target: parts[1], ...(parts[2] === "ro" ? { readOnly: true } : {}) };
  }
  if (!v.target.startsWith("/")) invalid(`volumes[${i}]`, `the path in the container must be absolute (got ${JSON.stringify(v.target)})`);
  if (!isHostValue("absolutePath", v.target))
    invalid(`volumes[${i}]`, `the path in the container must be letters, digits and -._+@: (got ${JSON.stringify(v.target)})`);
  if (!isHostValue(v.source.startsWith("/") ? "absolutePath" : "name", v.source)) {
    invalid(`volumes[${i}]`, `the source must be an absolute host path or a volume name (got ${JSON.stringify(v.source)})`);
  }
  return v;
}

/** A memory limit in bytes from a number of bytes or a size like `512m`, `2g` (at least 6 MiB, Docker's minimum). */
export function parseMemory(m: number | string): number {
  if (typeof m === "number") {
    if (!Number.isInteger(m) || m < 6 * 1024 * 1024) invalid("memory", "must be at least 6 MiB (in bytes)");
    return m;
  }
  const r = /^(\d+(?:\.\d+)?)([kmg])?b?$/i.exec(m.trim());
  if (!r) invalid("memory", `must be bytes or a size like 512m or 2g (got ${JSON.stringify(m)})`);
  const bytes = Math.round(
    Number(r[1]) * { k: 1024, m: 1024 ** 2, g: 1024 ** 3, "": 1 }[(r[2] ?? "").toLowerCase() as "k" | "m" | "g" | ""],
  );
  return parseMemory(bytes);
}
