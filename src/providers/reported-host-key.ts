import type * as pulumi from "@pulumi/pulumi";
import { DockyardError } from "../model/error-codes";
import { parseReportedHostKey } from "../model/reported-host-key";
import { type Ec2Location, readConsoleOutput } from "../remote/ec2-console";

export interface ReportedHostKeyInputs extends Ec2Location {
  instanceId: string;
  /** How long to wait for the key on the console. */
  timeoutSeconds: number;
}

export interface ReportedHostKeyOutputs extends ReportedHostKeyInputs {
  /** `ssh-ed25519 AAAA...`, as the instance printed it at first boot. */
  publicKey: string;
}

/** How the wait reads the console; replaced in unit tests. */
export interface ConsoleReader {
  read(instanceId: string, where: Ec2Location): Promise<string>;
  sleep(ms: number): Promise<void>;
  now(): number;
}

const realConsole: ConsoleReader = {
  read: readConsoleOutput,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
};

/** Seconds between two reads of the console. */
const POLL_SECONDS = 10;

/**
 * Waits until the instance's console shows its host key, and returns it. Fails (nothing pinned)
 * when the wait runs out or the console shows two different keys.
 */
export async function waitForReportedHostKey(inputs: ReportedHostKeyInputs, reader: ConsoleReader = realConsole): Promise<string> {
  const deadline = reader.now() + inputs.timeoutSeconds * 1000;
  for (;;) {
    const found = parseReportedHostKey(await reader.read(inputs.instanceId, inputs));
    if (found.kind === "key") return found.publicKey;
    if (found.kind === "ambiguous") {
      throw new DockyardError(
        "DOCKYARD_AWS_HOST_KEY_NOT_REPORTED",
        `${inputs.instanceId}: its console shows ${found.count} different SSH host keys, so none is pinned; replace the instance`,
      );
    }
    const left = deadline - reader.now();
    if (left <= 0) {
      throw new DockyardError(
        "DOCKYARD_AWS_HOST_KEY_NOT_REPORTED",
        `${inputs.instanceId}: no SSH host key on its console after ${inputs.timeoutSeconds} s (hostKeyTimeoutSeconds), so none is pinned and nothing was run on it`,
      );
    }
    await reader.sleep(Math.min(POLL_SECONDS * 1000, left));
  }
}

/**
 * The SSH host key an EC2 instance made itself and printed on its console at first boot
 * (aws/cloud-init.ts): read once, when the instance is new, and kept in the state. A new instance
 * is a new resource; refresh keeps the key (a console read later could show what something on
 * the machine printed since).
 */
export const reportedHostKey = {
  async create(inputs: ReportedHostKeyInputs): Promise<pulumi.dynamic.CreateResult<ReportedHostKeyOutputs>> {
    const publicKey = await waitForReportedHostKey(inputs);
    return { id: `${inputs.instanceId}-host-key`, outs: { ...inputs, publicKey } };
  },
  async diff(_id: string, olds: ReportedHostKeyOutputs, news: ReportedHostKeyInputs): Promise<pulumi.dynamic.DiffResult> {
    if (olds.instanceId !== news.instanceId) return { changes: true, replaces: ["instanceId"], deleteBeforeReplace: true };
    return { changes: false };
  },
  async read(id: string, props: ReportedHostKeyOutputs): Promise<pulumi.dynamic.ReadResult<ReportedHostKeyOutputs>> {
    return { id, props };
  },
  async update(_id: string, olds: ReportedHostKeyOutputs): Promise<pulumi.dynamic.UpdateResult<ReportedHostKeyOutputs>> {
    return { outs: olds };
  },
  async delete(): Promise<void> {},
};
