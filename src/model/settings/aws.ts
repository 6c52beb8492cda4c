// AwsHost and EcrRegistry: an EC2 instance made ready to be a Host, and a repository in Amazon ECR.
// Declared once here: the plugin's schema, the reference docs and the agreement tests read it.
// The pulumi-aws resources the classes hold (instance, security group, key pair, repository,
// lifecycle policy) are left out of the outputs: this schema refers to no other package, and what
// a caller needs of them (ids, addresses, URLs) is an output of its own.
import { DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS } from "../defaults";
import { TIME_BOUND_NAMES } from "../time-bounds";
import { hostComponent } from "./host";
import { json } from "./json";
import type { ComponentSettings, ObjectType, Settings } from "./types";

// The distributions of src/aws/distro-images.ts (AWS_DISTROS; the model may not import it): the
// agreement test reads AwsHostArgs.distro's type from there and names any difference.
const AWS_DISTROS = ["centos-stream-9", "rocky-9", "amazon-linux-2023", "ubuntu-22.04", "ubuntu-24.04", "debian-12"];

// AwsHost passes the Host's time bounds through: the same settings, said the same way.
const timeBounds: Settings = Object.fromEntries(TIME_BOUND_NAMES.map((name) => [name, hostComponent.inputs[name]]));

export const awsHostComponent: ComponentSettings = {
  token: "dockyard:aws:AwsHost",
  description:
    "An EC2 instance ready to be a Dockyard `Host`: the distro's official AMI (or a given one), a security group opening SSH to `sshCidrs` and the published container ports, a login key pair (given, or generated and kept as a secret), an encrypted gp3 root volume, IMDSv2 only. The instance makes its own SSH host key at first boot and prints the public half on its serial console; AwsHost reads it there through the EC2 API (GetConsoleOutput) and `host` pins it from the first connection. `host` connects only once the key is known, and retries while the instance boots.",
  args: { file: "src/aws/aws-host.ts", name: "AwsHostArgs" },
  class: { file: "src/aws/aws-host.ts", name: "AwsHost" },
  example: {
    name: "awsWeb",
    properties: { distro: "debian-12", instanceType: "t3.small", sshCidrs: ["203.0.113.0/24"], publishedPorts: [{ port: 80 }] },
  },
  fleet: {
    section: "AwsInstance",
    keys: {
      publishedPorts: null,
      privateKey: null,
      user: null,
      jump: null,
      connectAttempts: null,
      preflight: null,
      keepAmi: null,
      ...Object.fromEntries(TIME_BOUND_NAMES.map((name) => [name, null])),
    },
    why: "A fleet host's login (`user`, `privateKey`, `jump`), `connectAttempts` and `preflight` are the host's own keys beside `aws`; the published ports are those of the containers and registries placed on it; the fleet keeps the instance on its AMI (`keepAmi`) and gives it the default time bounds.",
  },
  inputs: {
    distro: {
      type: { enum: AWS_DISTROS },
      required: true,
      description:
        "The distribution to boot. Its newest official AMI is looked up by the publisher's account id and name pattern (CentOS Project, Rocky Enterprise Software Foundation, Amazon, Canonical, Debian), and it sets the login user (`ec2-user`, `rocky`, `ec2-user`, `ubuntu`, `admin`). With `ami` it only sets the login user.",
      example: '"rocky-9"',
    },
    ami: {
      type: "string",
      description: "An explicit AMI id instead of the lookup; it must be of `distro` (for the login user) or come with `user`.",
      default: "the newest official AMI of `distro` for `architecture` in the provider's region",
      example: '"ami-0abcdef1234567890"',
    },
    architecture: {
      type: { enum: ["x86_64", "arm64"] },
      description: "CPU architecture; picks the AMI and must match `instanceType` (Graviton types are arm64).",
      default: '"x86_64"',
      example: '"arm64"',
    },
    instanceType: {
      type: "string",
      description: "EC2 instance type.",
      default: '"t3.small" ("t4g.small" for arm64)',
      example: '"m7i.large"',
    },
    vpcId: {
      type: "string",
      description: "VPC of the security group.",
      default: "the VPC of `subnetId`, else the region's default VPC",
      example: '"vpc-0a1b2c3d4e5f67890"',
    },
    subnetId: {
      type: "string",
      description: "Subnet the instance is launched in.",
      default: "the first (by id) subnet of `vpcId` (the default subnets of the default VPC), in `availabilityZone` when given",
      example: '"subnet-0a1b2c3d4e5f67890"',
    },
    availabilityZone: {
      type: "string",
      description: "Availability zone to pick the subnet in, when `subnetId` is not given.",
      default: "any",
      example: '"eu-central-1a"',
    },
    sshCidrs: {
      type: { array: "string" },
      required: true,
      description:
        "Who may reach SSH (tcp/22): CIDR blocks. Required, with no open default: Dockyard manages the machine over SSH, and the whole internet is not a sensible default for that.",
      example: '["203.0.113.4/32"]',
    },
    publishedPorts: {
      type: { array: { ref: "PublishedPort" } },
      description:
        "Host ports the fleet's containers publish on this machine, opened to `publishedCidrs`. A Fleet passes `publishedPortsOf(container.ports)` for the containers it puts here.",
      default: "none",
      example: '[{ port: 80 }, { port: 443 }, { port: 53, protocol: "udp" }]',
    },
    publishedCidrs: {
      type: { array: "string" },
      description: "Who may reach the published ports.",
      default: '["0.0.0.0/0"]',
      example: '["10.0.0.0/8"]',
    },
    publicKey: {
      type: "string",
      description: "Login public key (OpenSSH `ssh-ed25519` or `ssh-rsa` line) imported as an EC2 key pair; give it with `privateKey`.",
      default: "a generated ed25519 pair, kept in the state (private half as a secret)",
      example: 'fs.readFileSync(`${os.homedir()}/.ssh/id_ed25519.pub`, "utf8")',
    },
    privateKey: {
      type: "string",
      description:
        "The private half of `publicKey` (or of the existing key pair `keyName`), for Dockyard to log in with. Stored as a Pulumi secret.",
      default: "the generated key",
      example: 'config.requireSecret("sshKey")',
      secret: true,
    },
    keyName: {
      type: "string",
      description: "An EC2 key pair that already exists, instead of importing `publicKey`; needs `privateKey`.",
      default: "none",
      example: '"ops-2024"',
    },
    user: {
      type: "string",
      description: "Login user.",
      default: 'the distro\'s: centos-stream-9 and amazon-linux-2023 "ec2-user", rocky-9 "rocky", ubuntu "ubuntu", debian-12 "admin"',
      example: '"ec2-user"',
    },
    rootVolumeSize: {
      type: "integer",
      description:
        "Root volume size in GiB (gp3, encrypted, deleted with the instance). At least 8, and not below the AMI's own root volume (8 GiB for most, 10 GiB for CentOS Stream and Rocky).",
      default: "20",
      example: "50",
    },
    tags: {
      type: { map: "string" },
      description: "Tags for the instance, its volumes, the security group and the key pair. `Name` defaults to the resource name.",
      default: "{ Name: <name> }",
      example: '{ team: "web", env: "prod" }',
    },
    usePrivateIp: {
      type: "boolean",
      description:
        "Connect to the instance's private IP instead of its public one (from inside the VPC, over a VPN, or through `jump`). The instance then gets no public IP unless its subnet assigns one.",
      default: "false",
      example: "true",
    },
    jump: {
      type: { ref: "JumpHostArgs" },
      description: "A bastion to reach the instance through (with `usePrivateIp`).",
      default: "none: direct connection",
      example: '{ address: "bastion.example.com", user: "ec2-user", hostKey: "ssh-ed25519 AAAA..." }',
    },
    keepAmi: {
      type: "boolean",
      description:
        "Keep the instance when a newer official AMI is published. Set false to replace the instance whenever the lookup finds a newer image (its disk is lost). Ignored with an explicit `ami`, which replaces the instance when it changes.",
      default: "true",
      example: "false",
    },
    connectAttempts: {
      type: "integer",
      description:
        "Connection attempts while the instance boots (exponential backoff, 1 s doubling up to 15 s, each attempt waiting up to 20 s); a fresh instance takes a minute or two to answer SSH.",
      default: "12",
      example: "20",
    },
    hostKeyTimeoutSeconds: {
      type: "integer",
      description:
        "Seconds to wait for a new instance to print its SSH host key on its serial console, where AwsHost reads it (EC2 GetConsoleOutput: the credentials need `ec2:GetConsoleOutput`) to pin it. The instance makes the key itself at first boot; no private key is in its user data.",
      default: json(DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS),
      example: "900",
    },
    preflight: {
      type: { ref: "PreflightPolicy" },
      description: "What the machine must satisfy before anything is changed on it; see `HostArgs.preflight`.",
      default: '{ minKernel: "3.10", requireSupportedOs: true, requireSystemd: true }',
      example: '{ minKernel: "5.10" }',
    },
    ...timeBounds,
  },
  outputs: {
    host: {
      type: { resource: "dockyard:host:Host" },
      description: "The machine as a Dockyard Host: DockerEngine and the rest take it unchanged.",
    },
    address: {
      type: "string",
      description: "The address Dockyard connects to: the public IP, or the private IP with `usePrivateIp`.",
    },
    publicIp: { type: "string", description: "The instance's public IP (empty when it has none)." },
    privateIp: { type: "string", description: "The instance's private IP in its VPC." },
    instanceId: { type: "string", description: "The EC2 instance id." },
    amiId: { type: "string", description: "The AMI the instance runs." },
    user: { type: "string", description: "The login user." },
    hostKey: {
      type: "string",
      description:
        "The SSH host public key (`ssh-ed25519 ...`) the instance made and reported on its console, pinned by `host`; add it to known_hosts to ssh in yourself.",
    },
    privateKey: { type: "string", description: "The login private key (given or generated), as a secret.", secret: true },
  },
};

export const ecrRegistryComponent: ComponentSettings = {
  token: "dockyard:aws:EcrRegistry",
  description:
    "A private registry in Amazon ECR: a repository (scan on push, tag mutability, optional KMS encryption), a lifecycle policy that keeps the newest images and expires untagged ones, and pull credentials for the fleet's engines. `credentials` come from ECR's GetAuthorizationToken on every `preview` and `up`, so each run hands the engines a fresh token (ECR tokens expire after 12 hours); the token is a secret.",
  args: { file: "src/aws/ecr-registry.ts", name: "EcrRegistryArgs" },
  class: { file: "src/aws/ecr-registry.ts", name: "EcrRegistry" },
  example: { name: "ecr", properties: { repositoryName: "team/web", scanOnPush: true, keepLastImages: 20 } },
  fleet: {
    section: "Ecr",
    keys: { kmsKeyArn: null },
    fleetOnly: ["name"],
    why: "The fleet file's `name` names the resources (and the repository unless `repositoryName`); a fleet's repositories use ECR's default encryption.",
  },
  inputs: {
    repositoryName: {
      type: "string",
      description: "Repository name (lowercase; `/` makes namespaces).",
      default: "the resource name",
      example: '"shop/web"',
    },
    imageTagMutability: {
      type: { enum: ["MUTABLE", "IMMUTABLE"] },
      description: '`"IMMUTABLE"` refuses a push that would move an existing tag.',
      default: '"MUTABLE"',
      example: '"IMMUTABLE"',
    },
    scanOnPush: {
      type: "boolean",
      description: "Scan each image for known vulnerabilities when it is pushed (basic scanning).",
      default: "true",
      example: "false",
    },
    forceDelete: {
      type: "boolean",
      description: "Let `pulumi destroy` delete the repository while it still holds images (they are lost).",
      default: "false",
      example: "true",
    },
    keepLastImages: {
      type: "integer",
      description: "Lifecycle policy: keep this many images (tagged or not, newest by push time); older ones expire.",
      default: "30",
      example: "100",
    },
    expireUntaggedAfterDays: {
      type: "integer",
      description: "Lifecycle policy: untagged images expire this many days after their push.",
      default: "14",
      example: "1",
    },
    kmsKeyArn: {
      type: "string",
      description: "Encrypt images with this KMS key instead of ECR's default AES-256.",
      default: "none: AES-256 with an AWS-owned key",
      example: '"arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
    },
    tags: { type: { map: "string" }, description: "Tags for the repository.", default: "none", example: '{ team: "web" }' },
  },
  outputs: {
    endpoint: {
      type: "string",
      description: "The registry host, `<account>.dkr.ecr.<region>.amazonaws.com`: what engines log in to.",
    },
    repositoryUrl: { type: "string", description: "`<endpoint>/<repositoryName>`: what images are tagged with." },
    registryId: { type: "string", description: "The AWS account id of the registry." },
    credentials: {
      type: { ref: "EcrCredentials" },
      description: "`{ server, username, password }` for `Image.credentials`, fetched fresh on every run; the password is a secret.",
      secret: true,
    },
  },
};

/** The object types these components' settings refer to. */
export const AWS_TYPES: Readonly<Record<string, ObjectType>> = {
  PublishedPort: {
    description: "A port the host's containers publish, to be opened in the security group.",
    source: { file: "src/aws/ingress-rules.ts", name: "PublishedPort" },
    properties: {
      port: { type: "integer", required: true, description: "Host port.", example: "80" },
      protocol: { type: { enum: ["tcp", "udp"] }, description: "", default: '"tcp"', example: '"udp"' },
    },
  },
  EcrCredentials: {
    description: "A registry login in the shape `Image.credentials` takes (`RegistryCredentials`).",
    source: { file: "src/aws/ecr-registry.ts", name: "EcrCredentials" },
    properties: {
      server: { type: "string", required: true, description: "The registry host, as in `docker login <server>`." },
      username: { type: "string", required: true, description: "Always `AWS` for ECR tokens." },
      password: { type: "string", required: true, description: "The authorization token, valid for 12 hours; a secret.", secret: true },
    },
  },
};
