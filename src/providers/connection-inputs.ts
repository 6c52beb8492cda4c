import { isDeepStrictEqual } from "node:util";
import type { ConnectionSpec } from "../remote/connection-spec";
import type { TimeBounds } from "../model/time-bounds";

/**
 * The connection as it travels in a dynamic resource's inputs and state, with the host's time
 * bounds (only those the user set; the others take their defaults where they are used).
 */
export interface ConnectionInputs extends TimeBounds {
  host: string;
  port: number;
  user: string;
  hostKey?: string;
  insecureSkipHostKeyCheck?: boolean;
  sudo?: boolean;
  connectTimeout?: number;
  connectAttempts?: number;
  jump?: Omit<ConnectionInputs, "jump" | "credentials" | keyof TimeBounds>;
}

/**
 * Key material, kept in one top-level property so the resource can mark it secret as a whole
 * (`additionalSecretOutputs` only names top-level properties).
 */
export interface Credentials {
  privateKey: string;
  privateKeyPassphrase?: string;
  /** The jump host's key; the host's own key when absent. */
  jumpPrivateKey?: string;
}

export interface ConnectedInputs {
  connection: ConnectionInputs;
  credentials: Credentials;
}

/** The name of the property that holds `Credentials` in every Dockyard dynamic resource. */
export const CREDENTIALS_PROPERTY = "credentials";

export function toConnectionSpec(inputs: ConnectedInputs): ConnectionSpec {
  const { connection: c, credentials } = inputs;
  const { jump: _jump, ...direct } = c;
  const spec: ConnectionSpec = { ...direct, privateKey: credentials.privateKey, privateKeyPassphrase: credentials.privateKeyPassphrase };
  if (c.jump) {
    spec.jump = {
      ...c.jump,
      privateKey: credentials.jumpPrivateKey ?? credentials.privateKey,
      privateKeyPassphrase: credentials.jumpPrivateKey ? undefined : credentials.privateKeyPassphrase,
    };
  }
  return spec;
}

/** The fields that decide which machine a resource talks to: a change there is another machine. */
export function machineIdentity(c: ConnectionInputs): string {
  return `${c.host}:${c.port}`;
}

/**
 * How a resource's connection changed between its state and its new inputs: another machine
 * (`replace`), the same machine reached another way (`update`: a rotated login key, host key,
 * user, sudo, jump host or timeouts; written into the state, nothing changes on the host), or
 * not at all. Every Dockyard resource decides the same way, so one `up` after a key rotation
 * writes the new key into all of them and a later refresh or destroy uses it.
 */
export function connectionChange(olds: ConnectedInputs, news: ConnectedInputs): "replace" | "update" | "same" {
  if (machineIdentity(olds.connection) !== machineIdentity(news.connection)) return "replace";
  if (!isDeepStrictEqual(olds.connection, news.connection) || !isDeepStrictEqual(olds.credentials, news.credentials)) return "update";
  return "same";
}

/** True when a value in a dynamic provider's inputs is still unknown (preview of a new host). */
export function containsUnknown(value: unknown): boolean {
  // The engine hands dynamic providers this sentinel in place of values not known yet.
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
