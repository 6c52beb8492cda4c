import type * as pulumiType from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { Registered } from "./mocks";

/** An invoke (data source call) the program made under mocks. */
export interface Invoked {
  token: string;
  inputs: Record<string, unknown>;
}

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "eu-central-1";
export const MOCK_REGISTRY = `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com`;
export const MOCK_ECR_PASSWORD = "eyJwYXlsb2FkIjoiZWNyLXRva2VuLWZvci11bml0LXRlc3RzIn0-ECR-TOKEN";
export const MOCK_DEFAULT_VPC = "vpc-0d0d0d0d0d0d0d0d0";
export const MOCK_SUBNET_VPC = "vpc-0s0s0s0s0s0s0s0s0";
/** What getSubnets answers for any VPC: not in id order, so the pick is seen to sort. */
export const MOCK_SUBNETS = ["subnet-0bbbbbbbbbbbbbbbb", "subnet-0aaaaaaaaaaaaaaaa", "subnet-0cccccccccccccccc"];
export const MOCK_PUBLIC_IP = "203.0.113.10";
export const MOCK_PRIVATE_IP = "172.31.5.10";

/**
 * The serial console of a mocked instance at first boot: boot noise, cloud-init's own lines and
 * the report line of aws/cloud-init.ts (printed on two consoles, with a kernel prefix on one), for
 * an ed25519 key the "instance" made. Only the public half exists outside the instance.
 */
export function mockConsoleOutput(publicKey: string): string {
  return [
    "[    0.000000] Linux version 6.1.0-13-cloud-amd64",
    "[    3.141592] cloud-init[512]: Cloud-init v. 23.1 running 'init' at Mon, 01 Jan 2025 00:00:00 +0000.",
    "ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----",
    "ec2: 256 SHA256:abc root@ip-172-31-5-10 (ED25519)",
    "ec2: -----END SSH HOST KEY FINGERPRINTS-----",
    `dockyard-host-key: ${publicKey}`,
    `[   42.000000] dockyard-host-key: ${publicKey}\r`,
    "Cloud-init v. 23.1 finished at Mon, 01 Jan 2025 00:01:00 +0000.",
    "",
  ].join("\n");
}

/** The public keys the mocked instances reported, by instance id. */
export const MOCK_REPORTED_KEYS = new Map<string, string>();

/** The AMI id the getAmi mock answers for a query: derived from owner and name pattern. */
export function mockAmiId(owners: unknown, filters: unknown): string {
  const name = (filters as { name: string; values: string[] }[] | undefined)?.find((f) => f.name === "name")?.values?.[0];
  return (
    "ami-" +
    createHash("sha256")
      .update(`${JSON.stringify(owners)} ${name}`)
      .digest("hex")
      .slice(0, 17)
  );
}

/**
 * Mocks for the AWS components: EC2, ECR, the SshKeyPair resource (which makes a real
 * key, as its provider would) and ReportedHostKey (the instance's own key read from its console), plus the invokes they make (getAmi, getVpc, getSubnets, getSubnet,
 * getAuthorizationToken). Must be set before the code under test is loaded. Secrets arrive in a
 * resource's `inputs` wrapped (see `isRpcSecret`), as the engine would receive them. `outputs` adds
 * what the other providers would report for each resource (as setUnitMocks).
 */
export async function setAwsMocks(
  outputs: Record<string, unknown> = {},
): Promise<{ pulumi: typeof pulumiType; created: Registered[]; invoked: Invoked[] }> {
  const pulumi = require("@pulumi/pulumi") as typeof pulumiType;
  const { generateSshKeyPair } = require("../../../src/providers/ssh-key-pair") as typeof import("../../../src/providers/ssh-key-pair");
  const { waitForReportedHostKey } =
    require("../../../src/providers/reported-host-key") as typeof import("../../../src/providers/reported-host-key");
  const created: Registered[] = [];
  const invoked: Invoked[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs, ...(args.type.startsWith("aws:") ? {} : outputs) };
        switch (args.type) {
          case "dockyard:index:SshKeyPair":
            Object.assign(state, generateSshKeyPair({ algorithm: "ed25519", comment: String(args.inputs.comment) }));
            break;
          case "dockyard:index:ReportedHostKey": {
            // The instance made its pair; its console shows the public half; the provider's real wait reads it.
            const instanceId = String(args.inputs.instanceId);
            const made = generateSshKeyPair({ algorithm: "ed25519", comment: "root@instance" }).publicKey.split(" ").slice(0, 2).join(" ");
            MOCK_REPORTED_KEYS.set(instanceId, made);
            const output = mockConsoleOutput(made);
            return waitForReportedHostKey(args.inputs as never, {
              read: async () => output,
              sleep: async () => undefined,
              now: () => 0,
            }).then((publicKey) => ({ id: `${args.name}-id`, state: { ...state, publicKey } }));
          }
          case "dockyard:index:HostFacts":
            state.facts = {
              osId: "debian",
              osIdLike: [],
              osVersionId: "12",
              osVersionCodename: "bookworm",
              osPrettyName: "Debian",
              kernel: "6.1.0",
              arch: "x86_64",
              init: "systemd",
              systemd: true,
            };
            break;
          case "aws:ec2/instance:Instance":
            Object.assign(state, {
              publicIp: args.inputs.associatePublicIpAddress ? MOCK_PUBLIC_IP : "",
              privateIp: MOCK_PRIVATE_IP,
              arn: `arn:aws:ec2:${MOCK_REGION}:${MOCK_ACCOUNT}:instance/i-0123`,
            });
            break;
          case "aws:ec2/keyPair:KeyPair":
            state.keyName = `${args.name}-20250101000000000000000001`;
            break;
          case "aws:ecr/repository:Repository":
            Object.assign(state, {
              registryId: MOCK_ACCOUNT,
              repositoryUrl: `${MOCK_REGISTRY}/${args.inputs.name}`,
              arn: `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/${args.inputs.name}`,
            });
            break;
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => {
        invoked.push({ token: args.token, inputs: args.inputs });
        switch (args.token) {
          case "aws:ec2/getAmi:getAmi":
            return { ...args.inputs, id: mockAmiId(args.inputs.owners, args.inputs.filters), architecture: "x86_64" };
          case "aws:ec2/getVpc:getVpc":
            return { ...args.inputs, id: MOCK_DEFAULT_VPC, cidrBlock: "172.31.0.0/16" };
          case "aws:ec2/getSubnets:getSubnets":
            return { ...args.inputs, id: MOCK_REGION, ids: MOCK_SUBNETS };
          case "aws:ec2/getSubnet:getSubnet":
            return { ...args.inputs, vpcId: MOCK_SUBNET_VPC };
          case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
              ...args.inputs,
              id: MOCK_REGION,
              proxyEndpoint: `https://${MOCK_REGISTRY}`,
              userName: "AWS",
              password: MOCK_ECR_PASSWORD,
              authorizationToken: Buffer.from(`AWS:${MOCK_ECR_PASSWORD}`).toString("base64"),
              expiresAt: "2030-01-01T12:00:00Z",
            };
          default:
            return args.inputs;
        }
      },
    },
    "dockyard",
    "unit",
    false,
  );
  return { pulumi, created, invoked };
}
