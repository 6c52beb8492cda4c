// A compose project's decisions: what the declaration is, how a change is applied (replace,
// update, or only the host can tell), what on the host differs from it (drift), and the outputs
// per service. Pure: the provider reads the host and runs the scripts.
import { createHash } from "node:crypto";
import { checkComposeProject, composeServices } from "../model/compose";
import { invalid } from "../model/input-error";
import { MAX_BOUND_SECONDS } from "../model/time-bounds";
import type { ComposeContainer, ComposeHostState } from "../scripts/compose";

/** What the project should be; plain data, compared field by field in diff (the .env is apart: a secret). */
export interface ComposeSpec {
  /** `docker compose -p` name. */
  project: string;
  /** The compose file's YAML. */
  composeYaml: string;
  /** The services the file declares (checked from it when declared). */
  services: string[];
  /** `down --volumes` on destroy. */
  removeVolumesOnDestroy: boolean;
  /** Seconds `up -d --wait` may take. */
  waitTimeout: number;
}

/** One service as the host runs it. */
export interface ComposeServiceState {
  containerIds: string[];
  /** `running` when every container runs; otherwise the states seen, e.g. `exited`, or `missing`. */
  state: string;
  /** Published ports as docker shows them (`0.0.0.0:8080->80/tcp`). */
  ports: string[];
}

/** The provider's checks again (a state or config value reaches it without the component's). */
export function checkComposeSpec(spec: ComposeSpec): void {
  checkComposeProject("projectName", spec.project);
  const services = composeServices("compose", spec.composeYaml);
  if (JSON.stringify(services) !== JSON.stringify(spec.services)) invalid("compose", "declares other services than the spec lists");
  if (!Number.isInteger(spec.waitTimeout) || spec.waitTimeout < 1 || spec.waitTimeout > MAX_BOUND_SECONDS)
    invalid("waitTimeout", `must be a whole number of seconds from 1 to ${MAX_BOUND_SECONDS}`);
}

export const sha256Of = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * How a change is applied before the host is read: another project name or machine replaces (the
 * old project is taken down after the new one is up: they have different names); another file,
 * .env or setting is an update (write, check, up); otherwise only the host can tell (`probe`).
 */
export function composeChange(
  olds: { spec: ComposeSpec; env: string },
  news: { spec: ComposeSpec; env: string },
  connection: "replace" | "update" | "same",
): { changes: true; replaces?: string[]; deleteBeforeReplace?: boolean } | "probe" {
  if (connection === "replace") return { changes: true, replaces: ["connection"], deleteBeforeReplace: false };
  // The same project on the same machine cannot be made twice: the old one goes first.
  if (olds.spec.project !== news.spec.project) return { changes: true, replaces: ["spec"], deleteBeforeReplace: false };
  if (olds.spec.composeYaml !== news.spec.composeYaml || olds.env !== news.env || connection === "update") return { changes: true };
  if (olds.spec.removeVolumesOnDestroy !== news.spec.removeVolumesOnDestroy || olds.spec.waitTimeout !== news.spec.waitTimeout)
    return { changes: true };
  return "probe";
}

/**
 * Every way the host differs from the declaration (empty when it matches): compose missing, the
 * files removed or edited by hand, a service without a running container, containers of services
 * the file does not declare. Never quotes the .env.
 */
export function composeDrift(spec: ComposeSpec, env: string, host: ComposeHostState): string[] {
  const reasons: string[] = [];
  if (!host.composeVersion) reasons.push("`docker compose` does not answer (no compose plugin, or docker is down)");
  if (!host.fileSha256) reasons.push("compose.yaml is missing on the host");
  else if (host.fileSha256 !== sha256Of(spec.composeYaml))
    reasons.push("compose.yaml on the host differs from the declared one (edited by hand?)");
  if (!host.envSha256) reasons.push(".env is missing on the host");
  else if (host.envSha256 !== sha256Of(env)) reasons.push(".env on the host differs from the declared one");
  for (const service of spec.services) {
    const mine = host.containers.filter((c) => c.service === service);
    if (!mine.length) reasons.push(`service ${service} has no container`);
    for (const c of mine)
      if (c.state !== "running") reasons.push(`service ${service}: container ${c.id.slice(0, 12)} is ${c.state || "not running"}`);
  }
  const orphans = [...new Set(host.containers.filter((c) => !spec.services.includes(c.service)).map((c) => c.service))];
  for (const o of orphans) reasons.push(`service ${o} is not in the compose file but has containers`);
  return reasons;
}

/** The outputs per declared service, from the host's containers. */
export function composeServiceStates(spec: ComposeSpec, containers: ComposeContainer[]): Record<string, ComposeServiceState> {
  const out: Record<string, ComposeServiceState> = {};
  for (const service of spec.services) {
    const mine = containers.filter((c) => c.service === service);
    const states = [...new Set(mine.map((c) => c.state || "unknown"))];
    out[service] = {
      containerIds: mine.map((c) => c.id),
      state: !mine.length ? "missing" : states.length === 1 ? states[0] : states.join(","),
      ports: [
        ...new Set(
          mine.flatMap((c) =>
            c.ports
              .split(",")
              .map((p) => p.trim())
              .filter((p) => p.includes("->")),
          ),
        ),
      ],
    };
  }
  return out;
}

/** stdin of the write step: the compose file, then the .env, each base64 on its own line. */
export function composeWriteInput(spec: ComposeSpec, env: string): string {
  return `${Buffer.from(spec.composeYaml).toString("base64")}\n${Buffer.from(env).toString("base64")}\n`;
}
