// `pulumi import` of what is already on a machine: an engine, a container, a network. The engine
// calls Read with the ID and nothing else, so the ID names the machine and the object; the
// secrets (the login key) and the host key pin come from the environment of the `pulumi`
// command, never from the ID. The ID is the one Dockyard gives the resource when it creates it:
//   DockerEngine  user@host:port/docker
//   Container     user@host:port/<container name>
//   Network       user@host:port/network/<network name>
import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { DEFAULT_START_TIMEOUT_SECONDS } from "../model/defaults";
import { parseFacts } from "../model/host-facts";
import { isHostValue } from "../model/host-values";
import { containerRunOf, type ImageDefaults } from "../plan/container";
import { type NetworkInfo, networkSpecOf } from "../plan/network";
import { type ConnectedInputs, type ConnectionInputs, type Credentials, toConnectionSpec } from "../providers/connection-inputs";
import { factsProbe } from "../providers/host-probes";
import type { Kind } from "../providers/kinds";
import { targetOf } from "../remote/connection-spec";
import { withEngine } from "../remote/docker-api";
import { SshSession } from "../remote/ssh-session";

type Props = Record<string, unknown>;

/** The environment variables an import reads (documented in docs/import.md). */
export const IMPORT_ENV = {
  privateKeyFile: "DOCKYARD_IMPORT_PRIVATE_KEY_FILE",
  privateKey: "DOCKYARD_IMPORT_PRIVATE_KEY",
  passphrase: "DOCKYARD_IMPORT_PRIVATE_KEY_PASSPHRASE",
  hostKey: "DOCKYARD_IMPORT_HOST_KEY",
  insecure: "DOCKYARD_IMPORT_INSECURE_SKIP_HOST_KEY_CHECK",
  sudo: "DOCKYARD_IMPORT_SUDO",
} as const;

/** What each importable kind's ID looks like after the machine. */
const OBJECT_FORMS = { DockerEngine: "docker", Container: "<container name>", Network: "network/<network name>" } as const;
export type ImportableKind = keyof typeof OBJECT_FORMS;

export const isImportable = (kind: Kind): kind is ImportableKind => Object.hasOwn(OBJECT_FORMS, kind);

/** A parsed import ID: the machine and the object's name (the engine has none). */
export interface ImportId {
  user: string;
  host: string;
  port: number;
  name?: string;
}

/** The error for a bad ID: what is wrong, which part, and the form expected. */
function badId(kind: ImportableKind, id: string, part: string, problem: string): never {
  throw new Error(
    `import ID ${JSON.stringify(id)}: the ${part} ${problem} (a ${kind} is imported as user@host:port/${OBJECT_FORMS[kind]})`,
  );
}

/** Parses an import ID of `kind`; a bad one is refused naming the part (user, host, port, name). */
export function parseImportId(kind: ImportableKind, id: string): ImportId {
  const slash = id.indexOf("/");
  if (slash < 0) badId(kind, id, "object", "is missing");
  const machine = id.slice(0, slash);
  const object = id.slice(slash + 1);
  const at = machine.indexOf("@");
  if (at < 0) badId(kind, id, "user", "is missing");
  const user = machine.slice(0, at);
  const hostPort = machine.slice(at + 1);
  // The last colon: an IPv6 address holds colons of its own.
  const colon = hostPort.lastIndexOf(":");
  if (colon < 0) badId(kind, id, "port", "is missing");
  const host = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const portText = hostPort.slice(colon + 1);
  if (!isHostValue("loginName", user)) badId(kind, id, "user", `${JSON.stringify(user)} is not a login name`);
  if (!isHostValue("address", host)) badId(kind, id, "host", `${JSON.stringify(host)} is not a host name or IP address`);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535)
    badId(kind, id, "port", `${JSON.stringify(portText)} is not a port (1-65535)`);
  const parsed: ImportId = { user, host, port };
  if (kind === "DockerEngine") {
    if (object !== "docker") badId(kind, id, "object", `must be "docker" (got ${JSON.stringify(object)})`);
    return parsed;
  }
  const name =
    kind === "Network"
      ? object.startsWith("network/")
        ? object.slice("network/".length)
        : badId(kind, id, "object", "must start with network/")
      : object;
  if (!isHostValue("name", name)) badId(kind, id, "name", `${JSON.stringify(name)} is not a ${kind.toLowerCase()} name`);
  return { ...parsed, name };
}

const isTrue = (v: string | undefined) => v === "true" || v === "1";

/**
 * The connection and credentials of an import, from the ID's machine and the environment: the
 * private key (a file or the key itself), the pinned host key or the explicit opt-out of the
 * host key check, sudo for a login other than root.
 */
export function importConnection(id: ImportId, env: NodeJS.ProcessEnv = process.env): ConnectedInputs {
  const connection: ConnectionInputs = { host: id.host, port: id.port, user: id.user };
  const hostKey = env[IMPORT_ENV.hostKey]?.trim();
  if (hostKey) connection.hostKey = hostKey;
  else if (isTrue(env[IMPORT_ENV.insecure])) connection.insecureSkipHostKeyCheck = true;
  else
    throw new Error(
      `importing from ${targetOf(id)}: set ${IMPORT_ENV.hostKey} to the machine's SSH host key (a line of \`ssh-keyscan -t ed25519 ${id.host}\`, ` +
        `or its SHA256: fingerprint); ${IMPORT_ENV.insecure}=true accepts any key instead (throwaway labs only)`,
    );
  if (isTrue(env[IMPORT_ENV.sudo])) connection.sudo = true;
  const file = env[IMPORT_ENV.privateKeyFile];
  let privateKey = env[IMPORT_ENV.privateKey];
  if (file) {
    try {
      privateKey = readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`importing from ${targetOf(id)}: ${IMPORT_ENV.privateKeyFile} (${file}) cannot be read: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  if (!privateKey?.trim())
    throw new Error(
      `importing from ${targetOf(id)}: set ${IMPORT_ENV.privateKeyFile} to the SSH private key's file (or ${IMPORT_ENV.privateKey} to the key itself)`,
    );
  const credentials: Credentials = { privateKey };
  const passphrase = env[IMPORT_ENV.passphrase];
  if (passphrase) credentials.privateKeyPassphrase = passphrase;
  return { connection, credentials };
}

/** What an import reads from the machine; the plugin's default reaches it over SSH, tests give their own. */
export interface ImportReads {
  facts(c: ConnectedInputs): Promise<Props>;
  container(c: ConnectedInputs, name: string): Promise<{ info: Docker.ContainerInspectInfo; image: ImageDefaults } | undefined>;
  network(c: ConnectedInputs, name: string): Promise<NetworkInfo | undefined>;
}

const notFound = (e: unknown) => {
  if ((e as { statusCode?: number }).statusCode === 404) return undefined;
  throw e;
};

export const hostReads: ImportReads = {
  async facts(c) {
    const session = await SshSession.for(toConnectionSpec(c));
    const p = factsProbe(session.bounds);
    return parseFacts((await session.exec(p.script, { what: p.what })).stdout) as unknown as Props;
  },
  container: (c, name) =>
    withEngine(toConnectionSpec(c), `reading container ${name} to import it`, async (docker) => {
      const info = await docker.getContainer(name).inspect().catch(notFound);
      if (!info) return undefined;
      const image = await docker
        .getImage(info.Image)
        .inspect()
        .then((i) => i.Config as ImageDefaults)
        .catch(() => ({}) as ImageDefaults);
      return { info, image };
    }),
  network: (c, name) =>
    withEngine(toConnectionSpec(c), `reading network ${name} to import it`, async (docker) =>
      (docker.getNetwork(name).inspect() as Promise<NetworkInfo>).catch(notFound),
    ),
};

/**
 * The properties of the object an import ID names, as the kind's `read` takes them (it then adds
 * what it reads on every refresh): the inputs a program declares to keep it as it is, and the
 * identity (container or network ID) that makes it Dockyard's from now on.
 */
export async function importedProps(kind: ImportableKind, id: string, reads: ImportReads = hostReads, env = process.env): Promise<Props> {
  const parsed = parseImportId(kind, id);
  const connected = importConnection(parsed, env);
  const target = targetOf(parsed);
  const name = parsed.name ?? "";
  switch (kind) {
    case "DockerEngine":
      // Taken as it is: `adopt` installs nothing; a program may declare another method later.
      return {
        ...connected,
        facts: await reads.facts(connected),
        spec: { method: "adopt" },
        version: "",
        apiVersion: "",
        clientVersion: "",
        packageVersion: "",
        bundleUploaded: false,
        composeVersion: "",
        drift: [],
      };
    case "Container": {
      const found = await reads.container(connected, name);
      if (!found) throw new Error(`${target}: there is no container named ${name} to import`);
      const run = containerRunOf(found.info, found.image, DEFAULT_START_TIMEOUT_SECONDS);
      return { ...connected, ...run, containerId: found.info.Id, state: found.info.State.Status, drift: [] };
    }
    case "Network": {
      const info = await reads.network(connected, name);
      if (!info) throw new Error(`${target}: there is no network named ${name} to import`);
      return { ...connected, spec: networkSpecOf(info), networkId: info.Id, drift: [] };
    }
  }
}

/** An imported engine must answer: an import of nothing is refused. */
export function checkImported(kind: ImportableKind, id: string, outs: Props): void {
  if (kind === "DockerEngine" && !outs.version)
    throw new Error(`${id}: no Docker engine answers on this machine; there is nothing to import`);
}
