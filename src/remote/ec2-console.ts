// The EC2 API's console output of an instance: how an AwsHost learns the SSH host key the instance
// made itself (see model/reported-host-key.ts). The SDK is loaded on first use, so programs
// without AWS hosts never load it.
import type { EC2Client } from "@aws-sdk/client-ec2";

/** Where the EC2 API is reached: the region, and the shared-config profile when the stack names one (`aws:profile`). */
export interface Ec2Location {
  region: string;
  profile?: string;
}

const clients = new Map<string, EC2Client>();

/**
 * The instance's console output as text ("" while EC2 has posted none). Asks for the latest
 * output first (Nitro instances), and for the posted output where the instance type has no
 * latest. Credentials come from the SDK's default chain (environment, shared config and SSO
 * with `profile`, the instance role): the same places the aws provider reads by default.
 */
export async function readConsoleOutput(instanceId: string, where: Ec2Location): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use only
  const sdk = require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2");
  const key = `${where.region}\0${where.profile ?? ""}`;
  let client = clients.get(key);
  if (!client) {
    client = new sdk.EC2Client({ region: where.region, ...(where.profile ? { profile: where.profile } : {}) });
    clients.set(key, client);
  }
  let output: string | undefined;
  try {
    output = (await client.send(new sdk.GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }))).Output;
  } catch (e) {
    if ((e as { name?: string }).name !== "UnsupportedOperation") throw e;
    output = (await client.send(new sdk.GetConsoleOutputCommand({ InstanceId: instanceId }))).Output;
  }
  return output ? Buffer.from(output, "base64").toString("utf8") : "";
}
