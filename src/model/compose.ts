// A compose project's declared data and its checks: the project name, the compose file's
// services, the .env. One check used by the ComposeProject component, the fleet file and the
// provider alike; what reaches the host is checked here, before any host is touched.
import { yaml } from "./yaml";
import { checkHostValue, isHostValue } from "./host-values";
import { invalid } from "./input-error";

/** The largest compose file or .env accepted (bytes): both travel over stdin and live in state. */
export const COMPOSE_MAX_BYTES = 1024 * 1024;

/**
 * The services a compose file declares, in file order, after checking it parses as YAML with a
 * `services` mapping of names compose accepts. Interpolation (`${VAR}`) and everything else is
 * compose's to check (`docker compose config -q` on the host, before `up`).
 */
export function composeServices(path: string, yamlText: unknown): string[] {
  if (typeof yamlText !== "string" || !yamlText.trim()) invalid(path, "must be the compose file's YAML (non-empty text)");
  if (Buffer.byteLength(yamlText) > COMPOSE_MAX_BYTES) invalid(path, `is larger than ${COMPOSE_MAX_BYTES} bytes`);
  if (yamlText.includes("\0")) invalid(path, "must not contain NUL characters");
  const doc = yaml().parseDocument(yamlText, { uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : "";
    invalid(path, `is not valid YAML${at}: ${e.message.split("\n")[0]}`);
  }
  const top: unknown = doc.toJS({ maxAliasCount: 100 });
  if (typeof top !== "object" || top === null || Array.isArray(top)) invalid(path, "must be a YAML mapping with a services: key");
  const services = (top as Record<string, unknown>).services;
  if (typeof services !== "object" || services === null || Array.isArray(services))
    invalid(`${path}.services`, "must be a mapping of service names to their settings");
  const names = Object.keys(services);
  if (!names.length) invalid(`${path}.services`, "declares no service");
  for (const name of names) {
    checkHostValue("composeService", `${path}.services.${name}`, name);
    const s = (services as Record<string, unknown>)[name];
    if (typeof s !== "object" || s === null || Array.isArray(s))
      invalid(`${path}.services.${name}`, "must be a mapping (image:, build:, ...)");
  }
  return names;
}

/** Checks a compose project name (it prefixes every container, network and volume compose makes). */
export function checkComposeProject(path: string, name: unknown): asserts name is string {
  checkHostValue("composeProject", path, name);
}

/**
 * The .env file's text from a map (`KEY=value` lines, values quoted where compose needs it) or
 * from text given as it is. Checked without quoting any value: it is a secret.
 */
export function composeEnvText(path: string, env: Record<string, string> | string | undefined): string {
  if (env === undefined) return "";
  if (typeof env === "string") {
    if (Buffer.byteLength(env) > COMPOSE_MAX_BYTES) invalid(path, `is larger than ${COMPOSE_MAX_BYTES} bytes`);
    if (env.includes("\0")) invalid(path, "must not contain NUL characters");
    env.split(/\r?\n/).forEach((line, i) => {
      const l = line.trim();
      if (!l || l.startsWith("#")) return;
      const key = /^(?:export\s+)?([^=\s]+)\s*=/.exec(l)?.[1];
      if (!key || !isHostValue("envName", key)) invalid(`${path} (line ${i + 1})`, "must be a KEY=value line, a comment or empty");
    });
    return env.endsWith("\n") || !env ? env : `${env}\n`;
  }
  if (typeof env !== "object" || env === null || Array.isArray(env)) invalid(path, "must be a map of names to values, or the .env text");
  const lines: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    checkHostValue("envName", `${path}.${k}`, k);
    if (typeof v !== "string") invalid(`${path}.${k}`, "must be a string");
    if (/[\r\n\0]/.test(v)) invalid(`${path}.${k}`, "must be one line (no newline or NUL)");
    // Single quotes keep the value literal for compose (no ${} interpolation, no escapes).
    lines.push(v.includes("'") ? `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "$$$$")}"` : `${k}='${v}'`);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
