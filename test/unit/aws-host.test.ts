import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { parse } from "yaml";
import type { Registered } from "./support/mocks";
import { registeredSince, settle, valueOf } from "./support/mocks";
import {
  type Invoked,
  MOCK_DEFAULT_VPC,
  MOCK_PRIVATE_IP,
  MOCK_PUBLIC_IP,
  MOCK_REGION,
  MOCK_REPORTED_KEYS,
  MOCK_SUBNET_VPC,
  MOCK_SUBNETS,
  mockAmiId,
  setAwsMocks,
} from "./support/aws-mocks";

// Mocks must be in place before the code that creates resources is loaded.
let pulumi: typeof pulumiType;
let AwsHost: typeof import("../../src/aws/aws-host").AwsHost;
let created: Registered[] = [];
let invoked: Invoked[] = [];
const warnings: string[] = [];

test.before(async () => {
  ({ pulumi, created, invoked } = await setAwsMocks());
  const log = pulumi.log;
  const warn = log.warn;
  log.warn = ((msg: string, ...rest: unknown[]) => {
    warnings.push(msg);
    return (warn as (...a: unknown[]) => Promise<void>)(msg, ...rest);
  }) as typeof log.warn;
  ({ AwsHost } = require("../../src/aws/aws-host"));
});

const isSecret = (o: pulumiType.Output<unknown>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;
const resource = (type: string, name: string) => {
  const r = created.find((c) => c.type === type && c.name === name);
  if (!r) throw new Error(`no ${type} named ${name} was registered`);
  return r;
};
/** Waits until the program has registered everything it started (outputs resolve after registration). */
const settled = async (h: InstanceType<typeof AwsHost>) => {
  await valueOf(h.host.facts);
  await valueOf(h.address);
};
/** A resource's inputs with every secret replaced by "[secret]": what would be stored in plain text. */
function plainParts(value: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(plainParts);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainParts(v)]));
  return value;
}

const base = { sshCidrs: ["203.0.113.4/32"] };

const EXPECTED = [
  ["centos-stream-9", "125523088429", "CentOS Stream 9 x86_64 *", "ec2-user"],
  ["rocky-9", "792107900819", "Rocky-9-EC2-Base-9.*.x86_64", "rocky"],
  ["amazon-linux-2023", "137112412989", "al2023-ami-2023.*-x86_64", "ec2-user"],
  ["ubuntu-22.04", "099720109477", "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*", "ubuntu"],
  ["ubuntu-24.04", "099720109477", "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*", "ubuntu"],
  ["debian-12", "136693071363", "debian-12-amd64-*", "admin"],
] as const;

for (const [distro, owner, pattern, user] of EXPECTED) {
  test.serial(`${distro}: the publisher's AMI, and the image's login user with sudo`, async (t) => {
    const name = `h-${distro.replace(/\W/g, "")}`;
    const before = invoked.length;
    const h = new AwsHost(name, { ...base, distro });
    await settled(h);
    const query = invoked.slice(before).find((i) => i.token === "aws:ec2/getAmi:getAmi");
    t.truthy(query, "the AMI is looked up");
    t.deepEqual(query!.inputs.owners, [owner]);
    t.true(query!.inputs.mostRecent);
    const filters = Object.fromEntries((query!.inputs.filters as { name: string; values: string[] }[]).map((f) => [f.name, f.values]));
    t.deepEqual(filters, {
      name: [pattern],
      architecture: ["x86_64"],
      "virtualization-type": ["hvm"],
      "root-device-type": ["ebs"],
      state: ["available"],
    });
    t.is(resource("aws:ec2/instance:Instance", name).inputs.ami, mockAmiId([owner], query!.inputs.filters));
    t.is(await valueOf(h.amiId), mockAmiId([owner], query!.inputs.filters));
    t.is(h.user, user);
    const conn = await valueOf(h.host.connection);
    t.is(conn.user, user);
    t.true(conn.sudo);
    t.is(conn.host, MOCK_PUBLIC_IP);
    t.is(conn.port, 22);
  });
}

test.serial("arm64 looks up the arm image and defaults to a Graviton type", async (t) => {
  const before = invoked.length;
  const h = new AwsHost("arm", { ...base, distro: "rocky-9", architecture: "arm64" });
  await settled(h);
  const query = invoked.slice(before).find((i) => i.token === "aws:ec2/getAmi:getAmi")!;
  const filters = query.inputs.filters as { name: string; values: string[] }[];
  t.deepEqual(filters.find((f) => f.name === "name")!.values, ["Rocky-9-EC2-Base-9.*.aarch64"]);
  t.deepEqual(filters.find((f) => f.name === "architecture")!.values, ["arm64"]);
  t.is(resource("aws:ec2/instance:Instance", "arm").inputs.instanceType, "t4g.small");
});

test.serial("an explicit AMI is used as given, with the distro's login user", async (t) => {
  const before = invoked.length;
  const h = new AwsHost("pinned-ami", { ...base, distro: "debian-12", ami: "ami-0123456789abcdef0", instanceType: "m7i.large" });
  await settled(h);
  t.false(
    invoked.slice(before).some((i) => i.token === "aws:ec2/getAmi:getAmi"),
    "no lookup",
  );
  const inst = resource("aws:ec2/instance:Instance", "pinned-ami").inputs;
  t.is(inst.ami, "ami-0123456789abcdef0");
  t.is(inst.instanceType, "m7i.large");
  t.is((await valueOf(h.host.connection)).user, "admin");
});

test.serial("security group: SSH from sshCidrs, published ports from publishedCidrs, all egress", async (t) => {
  const h = new AwsHost("web", {
    distro: "ubuntu-24.04",
    sshCidrs: ["203.0.113.4/32", "2001:db8::/64"],
    publishedPorts: [{ port: 443 }, { port: 80 }, { port: 53, protocol: "udp" }, { port: 80, protocol: "tcp" }],
    publishedCidrs: ["10.0.0.0/8", "::/0"],
  });
  await settled(h);
  const sg = resource("aws:ec2/securityGroup:SecurityGroup", "web").inputs;
  const ingress = (sg.ingress as Record<string, unknown>[]).map(({ description: _d, ...rule }) => rule);
  t.deepEqual(ingress, [
    { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.4/32"], ipv6CidrBlocks: ["2001:db8::/64"] },
    { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: ["::/0"] },
    { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: ["::/0"] },
    { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: ["::/0"] },
  ]);
  t.deepEqual(
    (sg.egress as Record<string, unknown>[]).map(({ description: _d, ...rule }) => rule),
    [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
  );
  t.is(sg.vpcId, MOCK_DEFAULT_VPC);
  const inst = resource("aws:ec2/instance:Instance", "web").inputs;
  t.deepEqual(inst.vpcSecurityGroupIds, ["web-id"]);
});

test.serial("published ports default to everyone; only SSH without them", async (t) => {
  const h = new AwsHost("open", { ...base, distro: "debian-12", publishedPorts: [{ port: 8080 }] });
  const h2 = new AwsHost("ssh-only", { ...base, distro: "debian-12" });
  await Promise.all([settled(h), settled(h2)]);
  const rules = resource("aws:ec2/securityGroup:SecurityGroup", "open").inputs.ingress as { fromPort: number; cidrBlocks: string[] }[];
  t.deepEqual(
    rules.map((r) => [r.fromPort, r.cidrBlocks]),
    [
      [22, ["203.0.113.4/32"]],
      [8080, ["0.0.0.0/0"]],
    ],
  );
  t.is((resource("aws:ec2/securityGroup:SecurityGroup", "ssh-only").inputs.ingress as unknown[]).length, 1);
});

test.serial("the instance makes its own host key: no private key in the user data; the Host pins what the instance reported", async (t) => {
  const h = new AwsHost("pin", { ...base, distro: "amazon-linux-2023" });
  await settled(h);
  const hostKey = await valueOf(h.hostKey);
  t.regex(hostKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+$/);
  const instanceId = (await valueOf(h.instanceId))!;
  t.is(MOCK_REPORTED_KEYS.get(instanceId) ?? "(none reported)", hostKey, "the key the instance printed on its console");
  t.is((await valueOf(h.host.connection)).hostKey, hostKey, "the Host pins it");
  t.falsy((await valueOf(h.host.connection)).insecureSkipHostKeyCheck);

  // The user data: no key material at all, nothing secret.
  const userData = resource("aws:ec2/instance:Instance", "pin").inputs.userData;
  t.false(pulumi.runtime.isRpcSecret(userData), "nothing secret in it");
  const text = userData as string;
  t.false(text.includes("PRIVATE KEY"), "no private key in the user data");
  t.false(text.includes("AAAAC3NzaC1lZDI1NTE5"), "no key of any kind");
  t.true(text.startsWith("#cloud-config\n"));
  const config = parse(text);
  t.true(config.ssh_deletekeys);
  t.deepEqual(config.ssh_genkeytypes, ["ed25519"], "the instance makes one ed25519 key itself");
  t.is(config.ssh_keys, undefined);
  t.regex(config.runcmd[0], /dockyard-host-key: \$key/);

  // Read once, from the instance's console, in its region; no key pair made for the host.
  const reported = resource("dockyard:index:ReportedHostKey", "pin-host-key").inputs;
  t.is(reported.instanceId, instanceId);
  t.is(reported.region, MOCK_REGION);
  t.is(reported.timeoutSeconds, 600);
  t.false(created.some((r) => r.type === "dockyard:index:SshKeyPair" && r.name === "pin-host-key"));
  t.is(resource("aws:ec2/instance:Instance", "pin").inputs.userDataReplaceOnChange, false);
});

test.serial("the host's time bounds reach the Host it makes, the others take their defaults", async (t) => {
  const h = new AwsHost("bounded", { ...base, distro: "debian-12", downloadTimeout: 300, engineApiTimeout: 45 });
  const conn = await valueOf(h.host.connection);
  t.is(conn.downloadTimeout, 300);
  t.is(conn.engineApiTimeout, 45);
  t.is(conn.commandTimeout, undefined);
});

test.serial("hostKeyTimeoutSeconds is passed on and checked", async (t) => {
  const h = new AwsHost("slow", { ...base, distro: "debian-12", hostKeyTimeoutSeconds: 900 });
  await settled(h);
  t.is(resource("dockyard:index:ReportedHostKey", "slow-host-key").inputs.timeoutSeconds, 900);
  for (const bad of [0, 10, 1.5, 7200]) {
    t.throws(
      () => new AwsHost(`bad-wait-${String(bad).replace(/\W/g, "")}`, { ...base, distro: "debian-12", hostKeyTimeoutSeconds: bad }),
      {
        message: /hostKeyTimeoutSeconds must be a whole number of seconds from 30 to 3600/,
      },
    );
  }
});

test.serial("a generated login key: imported as a key pair, the private half a secret everywhere", async (t) => {
  const h = new AwsHost("gen", { ...base, distro: "ubuntu-22.04" });
  await settled(h);
  const kp = resource("aws:ec2/keyPair:KeyPair", "gen").inputs;
  t.regex(kp.publicKey as string, /^ssh-ed25519 \S+ dockyard-login-gen$/);
  t.is(resource("aws:ec2/instance:Instance", "gen").inputs.keyName, "gen-20250101000000000000000001");
  t.true(await isSecret(h.privateKey));
  t.true(await isSecret(h.host.credentials));
  const key = await valueOf(h.privateKey);
  t.regex(key, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
  t.is((await valueOf(h.host.credentials)).privateKey, key);

  // Nothing registered holds a private key outside a secret; plain outputs hold none either.
  for (const r of created) {
    t.false(JSON.stringify(plainParts(r.inputs)).includes("PRIVATE KEY"), `${r.type} ${r.name} has key material in plain text`);
  }
  const plain = await Promise.all(
    [h.address, h.publicIp, h.privateIp, h.amiId, h.instanceId, h.hostKey, h.host.connection].map((o) =>
      valueOf(o as pulumiType.Output<unknown>),
    ),
  );
  t.false(JSON.stringify(plain).includes("PRIVATE KEY"));
});

test.serial("a given key pair is imported and used; no login key is generated", async (t) => {
  const pair = keyPair({ comment: "ops" });
  const h = new AwsHost("given", { ...base, distro: "debian-12", publicKey: pair.public + "\n", privateKey: pulumi.secret(pair.private) });
  await settled(h);
  t.is(resource("aws:ec2/keyPair:KeyPair", "given").inputs.publicKey, pair.public);
  await settle(created);
  t.false(created.some((c) => c.name === "given-login-key"));
  t.is((await valueOf(h.host.credentials)).privateKey, pair.private);
  t.true(await isSecret(h.privateKey));
});

test.serial("an existing EC2 key pair by name", async (t) => {
  const pair = keyPair();
  const h = new AwsHost("named", { ...base, distro: "debian-12", keyName: "ops-2024", privateKey: pair.private });
  await settled(h);
  await settle(created);
  t.false(created.some((c) => c.type === "aws:ec2/keyPair:KeyPair" && c.name === "named"));
  t.is(resource("aws:ec2/instance:Instance", "named").inputs.keyName, "ops-2024");
  t.true(await isSecret(h.privateKey), "a plain private key given in is still kept as a secret");
});

test.serial("network: default VPC and its first default subnet, or the given subnet's VPC", async (t) => {
  let before = invoked.length;
  const a = new AwsHost("net-default", { ...base, distro: "debian-12", availabilityZone: "eu-central-1b" });
  await settled(a);
  const mine = invoked.slice(before);
  t.deepEqual(mine.find((i) => i.token === "aws:ec2/getVpc:getVpc")!.inputs.default, true);
  t.deepEqual(mine.find((i) => i.token === "aws:ec2/getSubnets:getSubnets")!.inputs.filters, [
    { name: "vpc-id", values: [MOCK_DEFAULT_VPC] },
    { name: "default-for-az", values: ["true"] },
    { name: "availability-zone", values: ["eu-central-1b"] },
  ]);
  t.is(resource("aws:ec2/instance:Instance", "net-default").inputs.subnetId, [...MOCK_SUBNETS].sort()[0]);

  before = invoked.length;
  const b = new AwsHost("net-subnet", { ...base, distro: "debian-12", subnetId: "subnet-0123456789abcdef0" });
  await settled(b);
  t.deepEqual(invoked.slice(before).find((i) => i.token === "aws:ec2/getSubnet:getSubnet")!.inputs.id, "subnet-0123456789abcdef0");
  t.false(invoked.slice(before).some((i) => i.token === "aws:ec2/getVpc:getVpc"));
  t.is(resource("aws:ec2/securityGroup:SecurityGroup", "net-subnet").inputs.vpcId, MOCK_SUBNET_VPC);
  t.is(resource("aws:ec2/instance:Instance", "net-subnet").inputs.subnetId, "subnet-0123456789abcdef0");

  const c = new AwsHost("net-vpc", { ...base, distro: "debian-12", vpcId: "vpc-0123456789abcdef0" });
  before = invoked.length;
  await settled(c);
  t.false(
    invoked.slice(before).some((i) => i.token === "aws:ec2/getVpc:getVpc"),
    "a given vpcId is not looked up as the default VPC",
  );
  t.is(resource("aws:ec2/securityGroup:SecurityGroup", "net-vpc").inputs.vpcId, "vpc-0123456789abcdef0");
});

test.serial("usePrivateIp connects to the private address and asks for no public IP", async (t) => {
  const h = new AwsHost("inner", { ...base, distro: "debian-12", usePrivateIp: true });
  await settled(h);
  t.is(await valueOf(h.address), MOCK_PRIVATE_IP);
  t.is((await valueOf(h.host.connection)).host, MOCK_PRIVATE_IP);
  t.false("associatePublicIpAddress" in resource("aws:ec2/instance:Instance", "inner").inputs);
});

test.serial(
  "instance: encrypted gp3 root of the given size, IMDSv2 only, tags everywhere, connection retried while it boots",
  async (t) => {
    const h = new AwsHost("disk", { ...base, distro: "debian-12", rootVolumeSize: 50, tags: { team: "web" } });
    await settled(h);
    const inst = resource("aws:ec2/instance:Instance", "disk").inputs;
    t.deepEqual(inst.rootBlockDevice, { volumeSize: 50, volumeType: "gp3", encrypted: true, deleteOnTermination: true });
    t.is((inst.metadataOptions as { httpTokens: string }).httpTokens, "required");
    t.deepEqual(inst.tags, { Name: "disk", team: "web" });
    t.deepEqual(inst.volumeTags, { Name: "disk", team: "web" });
    t.deepEqual(resource("aws:ec2/securityGroup:SecurityGroup", "disk").inputs.tags, { Name: "disk", team: "web" });
    t.true(inst.associatePublicIpAddress as boolean);
    t.is((await valueOf(h.host.connection)).connectAttempts, 12);
    const small = new AwsHost("disk-default", { ...base, distro: "debian-12" });
    await settled(small);
    t.is((resource("aws:ec2/instance:Instance", "disk-default").inputs.rootBlockDevice as { volumeSize: number }).volumeSize, 20);
  },
);

test.serial("the Host is a child that waits for the instance", async (t) => {
  const h = new AwsHost("order", { ...base, distro: "debian-12" });
  await settled(h);
  const facts = resource("dockyard:index:HostFacts", "order");
  t.is(
    (facts.inputs.connection as { host: string }).host,
    MOCK_PUBLIC_IP,
    "the address is the instance's, so it exists only once the instance does",
  );
});

test.serial("SSH open to everyone must be written out, and is warned about", async (t) => {
  const h = new AwsHost("world", { distro: "debian-12", sshCidrs: ["0.0.0.0/0"] });
  await settled(h);
  t.true(warnings.some((w) => w.includes("AwsHost world") && w.includes("whole internet")));
});

for (const [label, args, path, reason] of [
  ["an unknown distro, with a suggestion", { distro: "rocky9" }, "distro", /must be one of .*did you mean "rocky-9"\?/],
  ["a family name alone", { distro: "debian" }, "distro", /did you mean "debian-12"\?/],
  ["a distro that is not offered", { distro: "windows-2022" }, "distro", /must be one of centos-stream-9, rocky-9/],
  ["no sshCidrs", { sshCidrs: undefined }, "sshCidrs", /is required.*no 0\.0\.0\.0\/0 default/],
  ["empty sshCidrs", { sshCidrs: [] }, "sshCidrs", /is required/],
  ["an address without a prefix", { sshCidrs: ["203.0.113.4"] }, "sshCidrs[0]", /CIDR block like/],
  ["an octet out of range", { sshCidrs: ["10.0.0.0/8", "300.1.2.3/32"] }, "sshCidrs[1]", /CIDR block/],
  ["host bits set", { sshCidrs: ["10.1.2.3/16"] }, "sshCidrs[0]", /host bits set: write "10\.1\.0\.0\/16"/],
  ["a bad published CIDR", { publishedCidrs: ["everyone"] }, "publishedCidrs[0]", /CIDR block/],
  ["a published port out of range", { publishedPorts: [{ port: 80 }, { port: 70000 }] }, "publishedPorts[1].port", /1-65535/],
  [
    "a published protocol that is not tcp or udp",
    { publishedPorts: [{ port: 80, protocol: "icmp" }] },
    "publishedPorts[0].protocol",
    /"tcp" or "udp"/,
  ],
  ["a root volume too small", { rootVolumeSize: 4 }, "rootVolumeSize", /8 to 16384/],
  ["a root volume size that is not whole", { rootVolumeSize: 20.5 }, "rootVolumeSize", /whole number of GiB/],
  ["a Graviton type on x86_64", { instanceType: "t4g.small" }, "instanceType", /arm64 \(Graviton\).*architecture: "arm64"/],
  ["an x86 type on arm64", { instanceType: "t3.small", architecture: "arm64" }, "instanceType", /x86_64 type/],
  ["a malformed AMI id", { ami: "ubuntu-latest" }, "ami", /AMI id like/],
  [
    "a public key without its private key",
    { publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBm6vd3U8Yb5BVnB7I9CGGvN8hO2sWm5eTnsSmZhbbA2" },
    "privateKey",
    /required with publicKey/,
  ],
  [
    "a private key without its public key",
    { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----" },
    "publicKey",
    /required with privateKey/,
  ],
  [
    "an ECDSA login key (EC2 imports none)",
    { publicKey: "ecdsa-sha2-nistp256 AAAA", privateKey: "-----BEGIN PRIVATE KEY-----" },
    "publicKey",
    /ssh-ed25519 or ssh-rsa/,
  ],
  ["a malformed subnet id", { subnetId: "my-subnet" }, "subnetId", /subnet-0a1b/],
  ["a reserved tag key", { tags: { "aws:owner": "me" } }, "tags.aws:owner", /not starting with aws:/],
] as const) {
  test.serial(`refused before anything is made: ${label}`, async (t) => {
    const before = await settle(created);
    const name = `bad-${label.replace(/\W+/g, "-")}`;
    const err = t.throws(() => new AwsHost(name, { ...base, distro: "debian-12", ...(args as object) } as never));
    t.is((err as { propertyPath?: string }).propertyPath, path);
    t.regex(err!.message, reason);
    t.true(err!.message.includes("AwsHost bad-"), "the message names the component");
    t.false(err!.message.includes("PRIVATE KEY"), "no key material in the message");
    // Only the component's own shell (registered before its arguments are checked); no AWS resource.
    t.deepEqual(
      (await registeredSince(created, before)).map((r) => `${r.type} ${r.name}`),
      [`dockyard:aws:AwsHost ${name}`],
      "no AWS resource registered",
    );
  });
}
