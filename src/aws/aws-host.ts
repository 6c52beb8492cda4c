import type * as aws from "@pulumi/aws";
import { awsSdk } from "./aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import { Host, type HostArgs, type JumpHostArgs } from "../host/host";
import { TIME_BOUND_NAMES, type TimeBoundName } from "../model/time-bounds";
import type { PreflightPolicy } from "../model/preflight";
import { invalid } from "../model/input-error";
import { DockyardError } from "../model/error-codes";
import { DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS } from "../model/defaults";
import { ReportedHostKeyResource } from "../providers/reported-host-key-resource";
import { SshKeyPairResource } from "../providers/ssh-key-pair-resource";
import { renderHostKeyUserData } from "./cloud-init";
import { AWS_DISTROS, type AwsArchitecture, type AwsDistro, amiQuery, closestDistro, isAwsDistro, loginUserOf } from "./distro-images";
import { cidrProblem, publishedPortRules, sshIngressRule, type PublishedPort } from "./ingress-rules";
import { pending } from "../model/pending";

/**
 * The AWS host's time bounds, as on `Host` (`commandTimeout`, `engineApiTimeout`, `pullTimeout`,
 * `downloadTimeout`, `engineStartTimeout`, `swarmWaitTimeout`), passed to the Host it makes.
 */
export interface AwsHostArgs extends Pick<HostArgs, TimeBoundName> {
  /**
   * The distribution to boot. Its newest official AMI is looked up by the publisher's account id
   * and name pattern (CentOS Project, Rocky Enterprise Software Foundation, Amazon, Canonical,
   * Debian), and it sets the login user (`ec2-user`, `rocky`, `ec2-user`, `ubuntu`, `admin`).
   * With `ami` it only sets the login user.
   * @example "rocky-9"
   */
  distro: AwsDistro;
  /**
   * An explicit AMI id instead of the lookup; it must be of `distro` (for the login user) or
   * come with `user`.
   * @default the newest official AMI of `distro` for `architecture` in the provider's region
   * @example "ami-0abcdef1234567890"
   */
  ami?: pulumi.Input<string>;
  /**
   * CPU architecture; picks the AMI and must match `instanceType` (Graviton types are arm64).
   * @default "x86_64"
   * @example "arm64"
   */
  architecture?: AwsArchitecture;
  /**
   * EC2 instance type.
   * @default "t3.small" ("t4g.small" for arm64)
   * @example "m7i.large"
   */
  instanceType?: pulumi.Input<string>;
  /**
   * VPC of the security group.
   * @default the VPC of `subnetId`, else the region's default VPC
   * @example "vpc-0a1b2c3d4e5f67890"
   */
  vpcId?: pulumi.Input<string>;
  /**
   * Subnet the instance is launched in.
   * @default the first (by id) subnet of `vpcId` (the default subnets of the default VPC), in `availabilityZone` when given
   * @example "subnet-0a1b2c3d4e5f67890"
   */
  subnetId?: pulumi.Input<string>;
  /**
   * Availability zone to pick the subnet in, when `subnetId` is not given.
   * @default any
   * @example "eu-central-1a"
   */
  availabilityZone?: pulumi.Input<string>;
  /**
   * Who may reach SSH (tcp/22): CIDR blocks. Required, with no open default: Dockyard manages the
   * machine over SSH, and the whole internet is not a sensible default for that.
   * @example ["203.0.113.4/32"]
   */
  sshCidrs: string[];
  /**
   * Host ports the fleet's containers publish on this machine, opened to `publishedCidrs`. A
   * Fleet passes `publishedPortsOf(container.ports)` for the containers it puts here.
   * @default none
   * @example [{ port: 80 }, { port: 443 }, { port: 53, protocol: "udp" }]
   */
  publishedPorts?: PublishedPort[];
  /**
   * Who may reach the published ports.
   * @default ["0.0.0.0/0"]
   * @example ["10.0.0.0/8"]
   */
  publishedCidrs?: string[];
  /**
   * Login public key (OpenSSH `ssh-ed25519` or `ssh-rsa` line) imported as an EC2 key pair; give
   * it with `privateKey`.
   * @default a generated ed25519 pair, kept in the state (private half as a secret)
   * @example fs.readFileSync(`${os.homedir()}/.ssh/id_ed25519.pub`, "utf8")
   */
  publicKey?: pulumi.Input<string>;
  /**
   * The private half of `publicKey` (or of the existing key pair `keyName`), for Dockyard to log
   * in with. Stored as a Pulumi secret.
   * @default the generated key
   * @example config.requireSecret("sshKey")
   */
  privateKey?: pulumi.Input<string>;
  /**
   * An EC2 key pair that already exists, instead of importing `publicKey`; needs `privateKey`.
   * @default none
   * @example "ops-2024"
   */
  keyName?: pulumi.Input<string>;
  /**
   * Login user.
   * @default the distro's: centos-stream-9 and amazon-linux-2023 "ec2-user", rocky-9 "rocky", ubuntu "ubuntu", debian-12 "admin"
   * @example "ec2-user"
   */
  user?: string;
  /**
   * Root volume size in GiB (gp3, encrypted, deleted with the instance). At least 8, and not
   * below the AMI's own root volume (8 GiB for most, 10 GiB for CentOS Stream and Rocky).
   * @default 20
   * @example 50
   */
  rootVolumeSize?: number;
  /**
   * Tags for the instance, its volumes, the security group and the key pair. `Name` defaults to
   * the resource name.
   * @default { Name: <name> }
   * @example { team: "web", env: "prod" }
   */
  tags?: Record<string, string>;
  /**
   * Connect to the instance's private IP instead of its public one (from inside the VPC, over a
   * VPN, or through `jump`). The instance then gets no public IP unless its subnet assigns one.
   * @default false
   * @example true
   */
  usePrivateIp?: boolean;
  /**
   * A bastion to reach the instance through (with `usePrivateIp`).
   * @default none: direct connection
   * @example { address: "bastion.example.com", user: "ec2-user", hostKey: "ssh-ed25519 AAAA..." }
   */
  jump?: JumpHostArgs;
  /**
   * Keep the instance when a newer official AMI is published. Set false to replace the instance
   * whenever the lookup finds a newer image (its disk is lost). Ignored with an explicit `ami`,
   * which replaces the instance when it changes.
   * @default true
   * @example false
   */
  keepAmi?: boolean;
  /**
   * Connection attempts while the instance boots (exponential backoff, 1 s doubling up to 15 s,
   * each attempt waiting up to 20 s); a fresh instance takes a minute or two to answer SSH.
   * @default 12
   * @example 20
   */
  connectAttempts?: number;
  /**
   * Seconds to wait for a new instance to print its SSH host key on its serial console, where
   * AwsHost reads it (EC2 GetConsoleOutput: the credentials need `ec2:GetConsoleOutput`) to pin
   * it. The instance makes the key itself at first boot; no private key is in its user data.
   * @default 600
   * @example 900
   */
  hostKeyTimeoutSeconds?: number;
  /**
   * What the machine must satisfy before anything is changed on it; see `HostArgs.preflight`.
   * @default { minKernel: "3.10", requireSupportedOs: true, requireSystemd: true }
   * @example { minKernel: "5.10" }
   */
  preflight?: PreflightPolicy;
}

/** Graviton instance types (a1, and a "g" in the suffix after the generation: t4g, m7gd, c7gn). */
export function isArmInstanceType(instanceType: string): boolean {
  const family = instanceType.split(".")[0];
  if (family === "a1") return true;
  const m = /^[a-z]+[0-9]+([a-z-]*)$/.exec(family);
  return !!m && m[1].includes("g");
}

function checkCidrs(path: string, cidrs: unknown, required: boolean): void {
  if (cidrs === undefined && !required) return;
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    invalid(
      path,
      path === "sshCidrs"
        ? 'is required: list the CIDR blocks allowed to reach SSH, e.g. ["203.0.113.4/32"] (there is no 0.0.0.0/0 default; write it out to open SSH to everyone)'
        : 'must be a non-empty list of CIDR blocks, e.g. ["0.0.0.0/0"]',
    );
  }
  cidrs.forEach((c, i) => {
    const problem = cidrProblem(c);
    if (problem) invalid(`${path}[${i}]`, problem);
  });
}

function checkArgs(args: AwsHostArgs): void {
  if (!args) invalid("distro", "is required");
  if (args.distro === undefined) invalid("distro", `is required: one of ${AWS_DISTROS.join(", ")}`);
  if (!isAwsDistro(args.distro)) {
    const guess = typeof args.distro === "string" ? closestDistro(args.distro) : undefined;
    invalid(
      "distro",
      `must be one of ${AWS_DISTROS.join(", ")} (got ${JSON.stringify(args.distro)})${guess ? `; did you mean "${guess}"?` : ""}`,
    );
  }
  const arch = args.architecture ?? "x86_64";
  if (arch !== "x86_64" && arch !== "arm64") invalid("architecture", `must be "x86_64" or "arm64" (got ${JSON.stringify(arch)})`);
  if (args.ami !== undefined && !pending(args.ami) && !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(String(args.ami))) {
    invalid("ami", `must be an AMI id like "ami-0abcdef1234567890" (got ${JSON.stringify(args.ami)})`);
  }
  if (args.instanceType !== undefined && !pending(args.instanceType)) {
    const t = args.instanceType;
    if (typeof t !== "string" || !/^[a-z0-9][a-z0-9-]*\.[a-z0-9-]+$/.test(t))
      invalid("instanceType", `must be an EC2 instance type like "t3.small" (got ${JSON.stringify(t)})`);
    if (isArmInstanceType(t) !== (arch === "arm64")) {
      invalid(
        "instanceType",
        `${t} is ${isArmInstanceType(t) ? "an arm64 (Graviton)" : "an x86_64"} type but architecture is ${arch}: set architecture: "${isArmInstanceType(t) ? "arm64" : "x86_64"}" or pick another type`,
      );
    }
  }
  for (const [field, prefix] of [
    ["vpcId", "vpc"],
    ["subnetId", "subnet"],
  ] as const) {
    const v = args[field];
    if (v !== undefined && !pending(v) && !new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(String(v)))
      invalid(field, `must be an id like "${prefix}-0a1b2c3d4e5f67890" (got ${JSON.stringify(v)})`);
  }
  checkCidrs("sshCidrs", args.sshCidrs, true);
  checkCidrs("publishedCidrs", args.publishedCidrs, false);
  if (args.publishedPorts !== undefined && !Array.isArray(args.publishedPorts))
    invalid("publishedPorts", "must be a list of { port, protocol }");
  publishedPortRules(args.publishedPorts ?? []);
  if (args.keyName !== undefined && args.publicKey !== undefined)
    invalid("keyName", "and publicKey are exclusive: import a public key or use an existing key pair");
  if ((args.publicKey !== undefined || args.keyName !== undefined) && args.privateKey === undefined) {
    invalid("privateKey", `is required with ${args.keyName !== undefined ? "keyName" : "publicKey"}: Dockyard logs in with it`);
  }
  if (args.privateKey !== undefined && args.publicKey === undefined && args.keyName === undefined) {
    invalid("publicKey", "is required with privateKey (or give keyName): the instance must be given the matching public key");
  }
  if (
    args.publicKey !== undefined &&
    !pending(args.publicKey) &&
    !/^(ssh-ed25519|ssh-rsa) [A-Za-z0-9+/]+=*( .*)?$/.test(String(args.publicKey).trim())
  ) {
    invalid("publicKey", "must be an OpenSSH ssh-ed25519 or ssh-rsa public key line (EC2 imports no other kind)");
  }
  if (args.privateKey !== undefined && !pending(args.privateKey) && !String(args.privateKey).includes("PRIVATE KEY")) {
    invalid("privateKey", "must be the text of a private key (PEM or OpenSSH format)");
  }
  if (args.user !== undefined && (typeof args.user !== "string" || !/^[a-z_][a-z0-9_.-]*$/i.test(args.user)))
    invalid("user", `must be a login name (got ${JSON.stringify(args.user)})`);
  const size = args.rootVolumeSize;
  if (size !== undefined && (!Number.isInteger(size) || size < 8 || size > 16384)) {
    invalid("rootVolumeSize", `must be a whole number of GiB from 8 to 16384 (got ${JSON.stringify(size)})`);
  }
  for (const [k, v] of Object.entries(args.tags ?? {})) {
    if (!k || k.length > 128 || k.toLowerCase().startsWith("aws:"))
      invalid(`tags.${k}`, "must be a key of 1-128 characters not starting with aws:");
    if (typeof v !== "string" || v.length > 256) invalid(`tags.${k}`, "must be a string of at most 256 characters");
  }
  const wait = args.hostKeyTimeoutSeconds;
  if (wait !== undefined && (!Number.isInteger(wait) || wait < 30 || wait > 3600))
    invalid("hostKeyTimeoutSeconds", `must be a whole number of seconds from 30 to 3600 (got ${JSON.stringify(wait)})`);
  const attempts = args.connectAttempts;
  if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 1))
    invalid("connectAttempts", `must be a positive integer (got ${JSON.stringify(attempts)})`);
}

/**
 * An EC2 instance ready to be a Dockyard `Host`: the distro's official AMI (or a given one), a
 * security group opening SSH to `sshCidrs` and the published container ports, a login key pair
 * (given, or generated and kept as a secret), an encrypted gp3 root volume, IMDSv2 only.
 *
 * The instance makes its own SSH host key at first boot and prints the public half on its serial
 * console; AwsHost reads it there through the EC2 API (GetConsoleOutput) and `host` pins it from
 * the first connection: never blind trust, and no private key in the user data, which every
 * process on the machine (containers included) can read from the instance metadata service.
 * `host` connects only once the key is known, and retries while the instance boots.
 *
 * @example
 * const web = new AwsHost("web", {
 *   distro: "ubuntu-24.04",
 *   sshCidrs: ["203.0.113.4/32"],
 *   publishedPorts: [{ port: 80 }],
 * });
 * const engine = new DockerEngine("web-docker", { host: web.host });
 * export const address = web.address;
 */
export class AwsHost extends DockyardComponent {
  /** The machine as a Dockyard Host: DockerEngine and the rest take it unchanged. */
  readonly host: Host;
  readonly instance: aws.ec2.Instance;
  readonly securityGroup: aws.ec2.SecurityGroup;
  /** The imported or generated login key pair (none with `keyName`). */
  readonly keyPair?: aws.ec2.KeyPair;
  /** The address Dockyard connects to: the public IP, or the private IP with `usePrivateIp`. */
  readonly address: pulumi.Output<string>;
  /** The instance's public IP (empty when it has none). */
  readonly publicIp: pulumi.Output<string>;
  /** The instance's private IP in its VPC. */
  readonly privateIp: pulumi.Output<string>;
  /** The EC2 instance id. */
  readonly instanceId: pulumi.Output<string>;
  /** The AMI the instance runs. */
  readonly amiId: pulumi.Output<string>;
  /** The login user. */
  readonly user: string;
  /** The SSH host public key (`ssh-ed25519 ...`) the instance made and reported on its console, pinned by `host`; add it to known_hosts to ssh in yourself. */
  readonly hostKey: pulumi.Output<string>;
  /** The login private key (given or generated), as a secret. */
  readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: AwsHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:aws:AwsHost", name, opts);
    const sdk = awsSdk();
    this.checked(() => checkArgs(args));
    for (const c of args.sshCidrs) {
      if (c === "0.0.0.0/0" || c === "::/0")
        this.notice("warn", `${this.what}: sshCidrs includes ${c}: SSH is open to the whole internet.`);
    }
    // Look-ups are invokes: parented here, they wait for nothing.
    const lookup = { parent: this };
    const distro = args.distro;
    const architecture = args.architecture ?? "x86_64";
    this.user = args.user ?? loginUserOf(distro);
    const tags = { Name: name, ...args.tags };

    // Network: the given subnet, or one of the VPC's (the default VPC's default subnets).
    const vpcId = pulumi.output(
      args.vpcId ??
        (args.subnetId !== undefined
          ? sdk.ec2.getSubnetOutput({ id: args.subnetId }, lookup).vpcId
          : sdk.ec2.getVpcOutput({ default: true }, lookup).id),
    );
    const subnetId =
      args.subnetId !== undefined
        ? pulumi.output(args.subnetId)
        : sdk.ec2
            .getSubnetsOutput(
              {
                filters: pulumi
                  .all([vpcId, args.availabilityZone])
                  .apply(([vpc, az]) => [
                    { name: "vpc-id", values: [vpc] },
                    ...(args.vpcId === undefined ? [{ name: "default-for-az", values: ["true"] }] : []),
                    ...(az ? [{ name: "availability-zone", values: [az] }] : []),
                  ]),
              },
              lookup,
            )
            .apply((r) => {
              const ids = [...r.ids].sort();
              if (!ids.length)
                throw new DockyardError(
                  "DOCKYARD_AWS_SUBNET_NOT_FOUND",
                  `${this.what}: no subnet found in ${args.vpcId === undefined ? "the default VPC" : "vpcId"}${args.availabilityZone ? " in availabilityZone" : ""}; give subnetId`,
                );
              return ids[0];
            });

    this.securityGroup = new sdk.ec2.SecurityGroup(
      name,
      {
        vpcId,
        description: "Dockyard host: SSH from the given CIDR blocks and the published container ports",
        ingress: [sshIngressRule(args.sshCidrs), ...publishedPortRules(args.publishedPorts ?? [], args.publishedCidrs ?? ["0.0.0.0/0"])],
        egress: [
          { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "all outbound" },
        ],
        tags,
      },
      this.childOptions(),
    );

    // No private key in the user data (the instance metadata service gives it to every process
    // on the machine): the instance makes its own host key and prints the public half on its
    // serial console, read back below.
    const userData = renderHostKeyUserData();

    let keyName: pulumi.Input<string>;
    let privateKey: pulumi.Input<string>;
    if (args.keyName !== undefined) {
      keyName = args.keyName;
      privateKey = args.privateKey!;
    } else {
      let publicKey: pulumi.Input<string>;
      if (args.publicKey !== undefined) {
        publicKey = pulumi.output(args.publicKey).apply((k) => k.trim());
        privateKey = args.privateKey!;
      } else {
        const login = new SshKeyPairResource(`${name}-login-key`, { comment: `dockyard-login-${name}` }, this.childOptions());
        publicKey = login.publicKey;
        privateKey = login.privateKey;
      }
      this.keyPair = new sdk.ec2.KeyPair(name, { publicKey, tags }, this.childOptions());
      keyName = this.keyPair.keyName;
    }
    this.privateKey = pulumi.secret(pulumi.output(privateKey));

    const lookedUp = args.ami === undefined;
    const ami = lookedUp ? sdk.ec2.getAmiOutput(amiQuery(distro, architecture), lookup).id : args.ami!;
    this.instance = new sdk.ec2.Instance(
      name,
      {
        ami,
        instanceType: args.instanceType ?? (architecture === "arm64" ? "t4g.small" : "t3.small"),
        subnetId,
        vpcSecurityGroupIds: [this.securityGroup.id],
        keyName,
        associatePublicIpAddress: args.usePrivateIp ? undefined : true,
        userData,
        userDataReplaceOnChange: false,
        rootBlockDevice: { volumeSize: args.rootVolumeSize ?? 20, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
        tags,
        volumeTags: tags,
      },
      // A newly published AMI would otherwise replace the machine on the next `up`.
      { ...this.childOptions(), ignoreChanges: lookedUp && args.keepAmi !== false ? ["ami"] : undefined },
    );
    this.instanceId = this.instance.id;
    this.amiId = this.instance.ami;
    this.publicIp = this.instance.publicIp;
    this.privateIp = this.instance.privateIp;
    // The key the instance reported at first boot, read once through the EC2 API (a channel its
    // network neighbours cannot write to) with the stack's region and profile, and kept in the state.
    const reported = new ReportedHostKeyResource(
      `${name}-host-key`,
      {
        instanceId: this.instance.id,
        region: this.instance.arn.apply((arn) => arn.split(":")[3]),
        profile: new pulumi.Config("aws").get("profile"),
        timeoutSeconds: args.hostKeyTimeoutSeconds ?? DEFAULT_HOST_KEY_REPORT_TIMEOUT_SECONDS,
      },
      this.childOptions(this.instance),
    );
    this.hostKey = reported.publicKey;
    this.address = (args.usePrivateIp ? this.instance.privateIp : this.instance.publicIp).apply((ip) =>
      this.checked(() => {
        if (!ip) {
          invalid(
            "usePrivateIp",
            args.usePrivateIp
              ? "is set but the instance has no private IP"
              : "is not set and the instance has no public IP: launch it in a subnet with internet access, or set usePrivateIp (with jump) to connect from inside the VPC",
          );
        }
        return ip;
      }),
    );

    this.host = new Host(
      name,
      {
        address: this.address,
        user: this.user,
        privateKey: this.privateKey,
        hostKey: this.hostKey,
        sudo: this.user !== "root",
        jump: args.jump,
        connectAttempts: args.connectAttempts ?? 12,
        preflight: args.preflight,
        ...Object.fromEntries(TIME_BOUND_NAMES.filter((n) => args[n] !== undefined).map((n) => [n, args[n]])),
      },
      // Never connect before the instance runs and its key is known (the inputs already wait; this says so).
      this.childOptions(this.instance, reported),
    );

    this.registerOutputs({
      address: this.address,
      publicIp: this.publicIp,
      privateIp: this.privateIp,
      instanceId: this.instanceId,
      amiId: this.amiId,
      user: this.user,
      hostKey: this.hostKey,
    });
  }
}
