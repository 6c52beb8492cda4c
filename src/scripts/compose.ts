// The shell of a ComposeProject: its files written root-only from stdin, checked with
// `docker compose config -q` before they replace the running ones, `up -d --wait` (bounded),
// the read of its files and containers, and `down`.
import { shq } from "../model/shell";
import { parseSections, sectionMarker } from "../model/sections";
import { script } from "./shell";

/** Where a project's compose file and .env live on the host (root-only). */
export const COMPOSE_ROOT = "/var/lib/dockyard/compose";
export const composeDir = (project: string): string => `${COMPOSE_ROOT}/${project}`;

/** `docker compose` for the project, from its directory: the same project name and files every time. */
function compose(project: string, dir = composeDir(project)): string {
  return `docker compose -p ${shq(project)} --project-directory ${shq(dir)} -f ${shq(`${dir}/compose.yaml`)} --env-file ${shq(`${dir}/.env`)}`;
}

/** Seconds compose itself may wait, and the command around it a little longer (compose ends first, saying why). */
export function composeWaitWords(waitSeconds: number): { wait: number; command: number } {
  const wait = Math.max(1, Math.floor(waitSeconds));
  return { wait, command: wait + 30 };
}

/** The plugin must answer before anything is written: otherwise nothing changes. */
const PLUGIN_CHECK = [
  "if ! timeout 30 docker compose version >/dev/null 2>&1; then",
  "  echo 'dockyard: docker compose does not answer here: the engine has no compose v2 plugin (DockerEngine plugins: [\"compose\"])' >&2",
  "  exit 3",
  "fi",
];

/**
 * Writes the compose file and the .env (stdin: two lines, each base64: the file, then the .env)
 * into a root-only staging directory, checks them with `docker compose config -q` there, and only
 * then moves them over the project's files. Never echoes either file: the .env is a secret, and
 * is read into the shell and decoded by builtins and base64 from a pipe, never a process argument.
 * Exit 3: no compose plugin; 4: compose refused the files (the running project untouched).
 */
export function renderComposeWrite(project: string): string {
  const dir = composeDir(project);
  const staging = `${dir}/.staging`;
  return script(
    ...PLUGIN_CHECK,
    "umask 077",
    `install -d -m 0700 ${COMPOSE_ROOT} ${shq(dir)}`,
    `rm -rf ${shq(staging)} && install -d -m 0700 ${shq(staging)}`,
    "IFS= read -r compose_b64",
    "IFS= read -r env_b64 || true",
    `printf '%s' "$compose_b64" | base64 -d > ${shq(`${staging}/compose.yaml`)}`,
    `printf '%s' "$env_b64" | base64 -d > ${shq(`${staging}/.env`)}`,
    "unset compose_b64 env_b64",
    `chmod 0600 ${shq(`${staging}/compose.yaml`)} ${shq(`${staging}/.env`)}`,
    `if ! out="$(timeout 60 ${compose(project, staging)} config -q 2>&1)"; then`,
    // compose names the file and the key; the .env's values are not in its messages.
    `  printf '%s\\n' "$out" | sed "s|${staging}/||g" >&2`,
    `  rm -rf ${shq(staging)}`,
    "  exit 4",
    "fi",
    `mv -f ${shq(`${staging}/compose.yaml`)} ${shq(`${dir}/compose.yaml`)}`,
    `mv -f ${shq(`${staging}/.env`)} ${shq(`${dir}/.env`)}`,
    `rmdir ${shq(staging)}`,
  );
}

/**
 * `docker compose up -d --wait`: containers missing, stopped or out of date with the files are
 * made or started; services not in the file any more are removed (--remove-orphans). Bounded:
 * compose's own --wait-timeout, and `timeout` a little past it. Exit 5: compose failed.
 */
export function renderComposeUp(project: string, waitSeconds: number): string {
  const { wait, command } = composeWaitWords(waitSeconds);
  return script(
    ...PLUGIN_CHECK,
    `rc=0; out="$(timeout ${command} ${compose(project)} up -d --wait --wait-timeout ${wait} --remove-orphans --quiet-pull 2>&1)" || rc=$?`,
    'if [ "$rc" -ne 0 ]; then',
    `  ${compose(project)} ps -a >&2 || true`,
    `  printf '%s\\n' "$out" | tail -n 20 >&2`,
    // Last: the line the SSH layer reads as the bound that ended the step.
    `  if [ "$rc" -eq 124 ]; then echo 'dockyard: compose up did not end within ${command} s (bound: waitTimeout)' >&2; fi`,
    "  exit 5",
    "fi",
  );
}

/**
 * Reads the project without changing it: the sha256 of its compose file and .env as they are on
 * the host (never their text), whether compose answers, and its containers (`ps -a`, JSON).
 */
export function renderComposeRead(project: string): string {
  const dir = composeDir(project);
  return [
    `${sectionMarker("files")}; for f in ${shq(`${dir}/compose.yaml`)} ${shq(`${dir}/.env`)}; do if [ -f "$f" ]; then sha256sum "$f" | cut -c1-64; else echo missing; fi; done`,
    `${sectionMarker("compose")}; timeout 30 docker compose version --short 2>/dev/null || true`,
    // By the project's label: containers of a project whose files are gone are still seen.
    `${sectionMarker("containers")}; timeout 30 docker ps -a --filter ${shq(`label=com.docker.compose.project=${project}`)} --format '{{json .}}' 2>/dev/null || true`,
    "",
  ].join("\n");
}

/** What renderComposeRead saw. */
export interface ComposeHostState {
  /** sha256 of the compose file and the .env on the host; undefined when missing. */
  fileSha256?: string;
  envSha256?: string;
  /** `docker compose version --short`, "" when compose does not answer. */
  composeVersion: string;
  containers: ComposeContainer[];
}

export interface ComposeContainer {
  id: string;
  service: string;
  /** `running`, `exited`, `created`, ... */
  state: string;
  /** Docker's Ports column: `0.0.0.0:8080->80/tcp, ...`. */
  ports: string;
}

export function parseComposeRead(output: string): ComposeHostState {
  const s = parseSections(output);
  const [file, env] = (s.files ?? "").split("\n").map((l) => l.trim());
  const hash = (h: string | undefined) => (h && /^[0-9a-f]{64}$/.test(h) ? h : undefined);
  const containers: ComposeContainer[] = [];
  for (const line of (s.containers ?? "").split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    try {
      const c = JSON.parse(line) as { ID?: string; Labels?: string; State?: string; Ports?: string };
      const service = /(?:^|,)com\.docker\.compose\.service=([^,]*)/.exec(c.Labels ?? "")?.[1];
      if (c.ID && service) containers.push({ id: c.ID, service, state: c.State ?? "", ports: c.Ports ?? "" });
    } catch {
      // a line docker did not finish is left out
    }
  }
  return { fileSha256: hash(file), envSha256: hash(env), composeVersion: (s.compose ?? "").trim(), containers };
}

/**
 * `docker compose down` for the project (by its name: works without its files), volumes removed
 * only when asked, then its files. Named volumes stay by default: they hold the data.
 */
export function renderComposeDown(project: string, removeVolumes: boolean): string {
  const dir = composeDir(project);
  return script(
    "if timeout 30 docker compose version >/dev/null 2>&1; then",
    `  timeout 300 docker compose -p ${shq(project)} down --remove-orphans${removeVolumes ? " --volumes" : ""}`,
    "else",
    // Without the plugin (removed since), the project's containers go by its label.
    `  ids="$(docker ps -aq --filter ${shq(`label=com.docker.compose.project=${project}`)})"`,
    "  # shellcheck disable=SC2086",
    '  if [ -n "$ids" ]; then docker rm -f $ids >/dev/null; fi',
    "fi",
    `rm -rf ${shq(dir)}`,
    `rmdir ${COMPOSE_ROOT} 2>/dev/null || true`,
  );
}
