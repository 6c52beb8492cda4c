// A container's security settings on the Engine API: what the create call gets, and what a
// container's inspect says about them, to find what was changed on it by hand and to take over
// (import) a container Dockyard did not make.
import type Docker from "dockerode";
import { isDeepStrictEqual } from "node:util";
import { capabilityName, type ContainerSecuritySpec, type UlimitSpec } from "../model/container-security";
import type { ContainerSpec } from "./container";

const NNP = /^no-new-privileges(?:[:=](true|false))?$/;

/** The HostConfig fields of the security settings (only those declared: the engine's defaults stand for the rest). */
export function securityHostConfig(s: ContainerSpec): Partial<Docker.HostConfig> {
  const h: Partial<Docker.HostConfig> = {};
  if (s.readOnlyRootFilesystem) h.ReadonlyRootfs = true;
  if (s.capAdd?.length) h.CapAdd = [...s.capAdd];
  if (s.capDrop?.length) h.CapDrop = [...s.capDrop];
  const opts = [...(s.securityOpt ?? []), ...(s.noNewPrivileges === undefined ? [] : [`no-new-privileges:${s.noNewPrivileges}`])];
  if (opts.length) h.SecurityOpt = opts;
  if (s.pidsLimit !== undefined) h.PidsLimit = s.pidsLimit;
  if (s.tmpfs && Object.keys(s.tmpfs).length) h.Tmpfs = { ...s.tmpfs };
  if (s.ulimits?.length) h.Ulimits = s.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  if (s.privileged) h.Privileged = true;
  return h;
}

/** The HostConfig and Config fields the security settings are read from. */
interface Inspected {
  Config?: { User?: string };
  HostConfig?: {
    ReadonlyRootfs?: boolean;
    CapAdd?: unknown;
    CapDrop?: unknown;
    SecurityOpt?: unknown;
    PidsLimit?: number | null;
    Tmpfs?: Record<string, string> | null;
    Ulimits?: { Name?: string; Soft?: number; Hard?: number }[] | null;
    Privileged?: boolean;
  };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/**
 * The security settings a container runs with, as the spec would declare them. The image's own
 * user is left out (`image.User`): it is not a setting of the container.
 */
export function securityOf(info: Inspected, image: { User?: string | null } = {}): ContainerSecuritySpec {
  const hc = info.HostConfig ?? {};
  const s: ContainerSecuritySpec = {};
  const user = info.Config?.User ?? "";
  if (user && user !== (image.User ?? "")) s.user = user;
  if (hc.ReadonlyRootfs) s.readOnlyRootFilesystem = true;
  const capAdd = strings(hc.CapAdd).map(capabilityName);
  const capDrop = strings(hc.CapDrop).map(capabilityName);
  if (capAdd.length) s.capAdd = capAdd;
  if (capDrop.length) s.capDrop = capDrop;
  const opts = strings(hc.SecurityOpt);
  const nnp = opts.map((o) => NNP.exec(o)).find((m) => m);
  if (nnp) s.noNewPrivileges = nnp[1] !== "false";
  const rest = opts.filter((o) => !NNP.test(o));
  if (rest.length) s.securityOpt = rest;
  if (hc.PidsLimit && hc.PidsLimit > 0) s.pidsLimit = hc.PidsLimit;
  if (hc.Tmpfs && Object.keys(hc.Tmpfs).length) s.tmpfs = { ...hc.Tmpfs };
  const ulimits = (hc.Ulimits ?? []).map((u): UlimitSpec => ({ name: u.Name ?? "", soft: u.Soft ?? 0, hard: u.Hard ?? 0 }));
  if (ulimits.length) s.ulimits = ulimits;
  if (hc.Privileged) s.privileged = true;
  return s;
}

const sorted = (l: string[] | undefined) => [...(l ?? [])].sort();
const shown = (v: unknown) => (v === undefined ? "not set" : JSON.stringify(v));

/**
 * How the security settings and the published ports' host addresses read back from the container
 * differ from the spec ([] when they match). Only declared settings are compared (what the spec
 * leaves out is the engine's or the image's), except `privileged`, which is never allowed unsaid.
 */
export function securityDrift(spec: ContainerSpec, info: Docker.ContainerInspectInfo): string[] {
  const has = securityOf(info as unknown as Inspected);
  const out: string[] = [];
  const differs = (setting: string, onHost: unknown, declared: unknown) =>
    out.push(`container ${spec.name}: ${setting} is ${shown(onHost)} on the host, declared ${shown(declared)}`);
  const user = info.Config?.User ?? "";
  if (spec.user !== undefined && user !== spec.user) differs("user", user || undefined, spec.user);
  if (spec.readOnlyRootFilesystem && !has.readOnlyRootFilesystem) differs("readOnlyRootFilesystem", false, true);
  if (!!spec.privileged !== !!has.privileged) differs("privileged", !!has.privileged, !!spec.privileged);
  for (const k of ["capAdd", "capDrop"] as const) {
    if (spec[k] !== undefined && !isDeepStrictEqual(sorted(spec[k]), sorted(has[k]))) differs(k, has[k], spec[k]);
  }
  if (spec.noNewPrivileges !== undefined && has.noNewPrivileges !== spec.noNewPrivileges)
    differs("noNewPrivileges", has.noNewPrivileges, spec.noNewPrivileges);
  const missingOpts = (spec.securityOpt ?? []).filter((o) => !(has.securityOpt ?? []).includes(o));
  if (missingOpts.length) differs("securityOpt", has.securityOpt, spec.securityOpt);
  if (spec.pidsLimit !== undefined && has.pidsLimit !== spec.pidsLimit) differs("pidsLimit", has.pidsLimit, spec.pidsLimit);
  for (const [target, options] of Object.entries(spec.tmpfs ?? {})) {
    if (has.tmpfs?.[target] !== options) differs(`tmpfs ${target}`, has.tmpfs?.[target], options);
  }
  for (const u of spec.ulimits ?? []) {
    const h = has.ulimits?.find((x) => x.name === u.name);
    if (!h || h.soft !== u.soft || h.hard !== u.hard) differs(`ulimit ${u.name}`, h && `${h.soft}:${h.hard}`, `${u.soft}:${u.hard}`);
  }
  out.push(...portAddressDrift(spec, info));
  return out;
}

/** A published port bound to another host address than declared (`-p 8080:80` made by hand in place of `127.0.0.1:8080:80`). */
function portAddressDrift(spec: ContainerSpec, info: Docker.ContainerInspectInfo): string[] {
  const bindings = (info.HostConfig?.PortBindings ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  const any = (ip: string | undefined) => (!ip || ip === "0.0.0.0" || ip === "::" ? "" : ip);
  return spec.ports.flatMap((p) => {
    const given = (bindings[`${p.containerPort}/${p.protocol}`] ?? []).filter((b) => Number(b.HostPort || p.containerPort) === p.hostPort);
    if (given.some((b) => any(b.HostIp) === any(p.hostIp))) return [];
    const where = given.map((b) => any(b.HostIp) || "every address");
    return [
      `container ${spec.name}: port ${p.hostPort}/${p.protocol} is published on ${where.length ? where.join(", ") : "no address"} on the host, declared ${any(p.hostIp) || "every address"}`,
    ];
  });
}
