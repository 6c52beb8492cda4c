// IPv4 subnets and addresses, parsed and compared without I/O: the checks a Network and a fleet
// file make before any host is touched. IPv6 is not parsed yet (refused by name, not guessed).

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number (host bits cleared). */
  base: number;
  prefix: number;
}

/** An IPv4 address as an unsigned 32-bit number, or undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** Why `text` is not an IPv4 CIDR like 172.30.0.0/24 ("" when it is one). */
export function cidrProblem(text: string): string {
  if (text.includes(":"))
    return `must be an IPv4 CIDR like "172.30.0.0/24" (IPv6 subnets are not supported yet; got ${JSON.stringify(text)})`;
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  const ip = m ? parseIpv4(m[1]) : undefined;
  if (!m || ip === undefined || Number(m[2]) > 32) return `must be an IPv4 CIDR like "172.30.0.0/24" (got ${JSON.stringify(text)})`;
  const prefix = Number(m[2]);
  if (ip % 2 ** (32 - prefix) !== 0)
    return `has host bits set: ${JSON.stringify(text)} is not a network address (did you mean "${formatIpv4(ip - (ip % 2 ** (32 - prefix)))}/${prefix}"?)`;
  return "";
}

export function parseCidr(text: string): Ipv4Cidr | undefined {
  if (cidrProblem(text)) return undefined;
  const [ip, prefix] = text.split("/");
  return { base: parseIpv4(ip)!, prefix: Number(prefix) };
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

const size = (c: Ipv4Cidr) => 2 ** (32 - c.prefix);

/** True when the address lies inside the subnet. */
export function cidrContains(c: Ipv4Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + size(c);
}

/** True when two subnets share any address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Why `gateway` cannot be the gateway of `subnet` ("" when it can). */
export function gatewayProblem(subnet: string, gateway: string): string {
  const ip = parseIpv4(gateway);
  if (ip === undefined) return `must be an IPv4 address like "172.30.0.1" (got ${JSON.stringify(gateway)})`;
  const c = parseCidr(subnet);
  if (!c) return "";
  if (!cidrContains(c, ip)) return `${gateway} is outside the subnet ${subnet}`;
  if (c.prefix < 31 && (ip === c.base || ip === c.base + size(c) - 1))
    return `${gateway} is the ${ip === c.base ? "network" : "broadcast"} address of ${subnet}, not a usable gateway`;
  return "";
}
