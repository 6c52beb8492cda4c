import { isIPv4, isIPv6 } from "node:net";
import { invalid } from "../model/input-error";
import { parsePort, type PortArgs } from "../model/container-settings";

/** A port the host's containers publish, to be opened in the security group. */
export interface PublishedPort {
  /**
   * Host port.
   * @example 80
   */
  port: number;
  /**
   * @default "tcp"
   * @example "udp"
   */
  protocol?: "tcp" | "udp";
}

/** One inbound rule of a security group, in the shape `aws.ec2.SecurityGroup` takes inline. */
export interface IngressRule {
  protocol: "tcp" | "udp";
  fromPort: number;
  toPort: number;
  cidrBlocks?: string[];
  ipv6CidrBlocks?: string[];
  description: string;
}

/** Why a string is not a CIDR block AWS takes as it is, or undefined when it is one. */
export function cidrProblem(cidr: unknown): string | undefined {
  if (typeof cidr !== "string") return `must be a CIDR block like "203.0.113.4/32" (got ${JSON.stringify(cidr)})`;
  const [address, prefix, ...rest] = cidr.split("/");
  const bits = isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
  if (!bits || rest.length || prefix === undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    return `must be a CIDR block like "203.0.113.4/32" or "2001:db8::/32" (got ${JSON.stringify(cidr)})`;
  }
  if (bits === 32) {
    // AWS stores the network address; a block with host bits set would differ on every refresh.
    const value = address.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(prefix));
    const network = value - (value % size);
    if (network !== value) {
      const o = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256);
      return `has host bits set: write "${o.join(".")}/${prefix}" (got ${JSON.stringify(cidr)})`;
    }
  }
  return undefined;
}

/** Splits CIDR blocks into the IPv4 and IPv6 lists a rule takes (an empty list is left out). */
function sources(cidrs: string[]): Pick<IngressRule, "cidrBlocks" | "ipv6CidrBlocks"> {
  const v4 = cidrs.filter((c) => !c.includes(":"));
  const v6 = cidrs.filter((c) => c.includes(":"));
  return { ...(v4.length ? { cidrBlocks: v4 } : {}), ...(v6.length ? { ipv6CidrBlocks: v6 } : {}) };
}

/** SSH (tcp/22) from the given CIDR blocks. */
export function sshIngressRule(cidrs: string[]): IngressRule {
  return { protocol: "tcp", fromPort: 22, toPort: 22, ...sources(cidrs), description: "SSH (Dockyard)" };
}

/**
 * One inbound rule per published port (duplicates merged, ordered by protocol and port), open to
 * `cidrs`. Throws an InputPropertyError naming `publishedPorts[i]` for a bad port.
 *
 * @example
 * publishedPortRules([{ port: 80 }, { port: 53, protocol: "udp" }])
 * // [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ... },
 * //  { protocol: "udp", fromPort: 53, toPort: 53, ... }]
 */
export function publishedPortRules(ports: PublishedPort[], cidrs: string[] = ["0.0.0.0/0"]): IngressRule[] {
  const seen = new Map<string, { protocol: "tcp" | "udp"; port: number }>();
  ports.forEach((p, i) => {
    const port = p?.port;
    const protocol = p?.protocol ?? "tcp";
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      invalid(`publishedPorts[${i}].port`, `must be an integer 1-65535 (got ${JSON.stringify(port)})`);
    if (protocol !== "tcp" && protocol !== "udp")
      invalid(`publishedPorts[${i}].protocol`, `must be "tcp" or "udp" (got ${JSON.stringify(protocol)})`);
    seen.set(`${protocol}/${port}`, { protocol, port });
  });
  return [...seen.values()]
    .sort((a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port)
    .map(({ protocol, port }) => ({
      protocol,
      fromPort: port,
      toPort: port,
      ...sources(cidrs),
      description: `published ${protocol}/${port} (Dockyard)`,
    }));
}

/**
 * The host ports a container publishes, in the form `publishedPorts` takes: what a Fleet passes
 * for the containers it puts on an AwsHost. Ports bound to a loopback address are left out (they
 * are not reachable from outside the machine).
 *
 * @example
 * publishedPortsOf(["80:80", "127.0.0.1:9000:9000", "53:53/udp"]) // [{ port: 80, protocol: "tcp" }, { port: 53, protocol: "udp" }]
 */
export function publishedPortsOf(ports: (string | PortArgs)[]): PublishedPort[] {
  return ports
    .map((p, i) => parsePort(p, i))
    .filter((p) => !(p.hostIp && (p.hostIp.startsWith("127.") || p.hostIp === "::1")))
    .map((p) => ({ port: p.hostPort, protocol: p.protocol }));
}
