/**
 * The Linux distributions an AwsHost can boot, with where their publishers put the official AMIs
 * and the login user each image creates. Pure data and lookups; no AWS calls here.
 */

import { nearest } from "../model/edit-distance";

/** Distributions an AwsHost boots by name. */
export const AWS_DISTROS = ["centos-stream-9", "rocky-9", "amazon-linux-2023", "ubuntu-22.04", "ubuntu-24.04", "debian-12"] as const;
export type AwsDistro = (typeof AWS_DISTROS)[number];

/** CPU architecture of the instance (and so of the AMI). */
export type AwsArchitecture = "x86_64" | "arm64";

/** Where a distribution's official AMI is found, and how to log in to it. */
export interface DistroImage {
  /** AWS account id of the publisher; only images owned by it are considered. */
  owner: string;
  /** Who publishes it, for messages and docs. */
  publisher: string;
  /** EC2 `name` filter (wildcards `*`) for the architecture. */
  namePattern: string;
  /** The user the image's cloud-init creates with the instance's key and passwordless sudo. */
  user: string;
}

interface Publication {
  owner: string;
  publisher: string;
  user: string;
  names: Record<AwsArchitecture, string>;
}

// Owner ids are the publishers' own accounts (as documented by each project), so a look-alike
// image someone else made public under a similar name is never picked.
const PUBLICATIONS: Record<AwsDistro, Publication> = {
  "centos-stream-9": {
    owner: "125523088429", // CentOS Project (centos.org/download/aws-images)
    publisher: "the CentOS Project",
    user: "ec2-user",
    names: { x86_64: "CentOS Stream 9 x86_64 *", arm64: "CentOS Stream 9 aarch64 *" },
  },
  "rocky-9": {
    owner: "792107900819", // Rocky Enterprise Software Foundation (rockylinux.org/cloud-images)
    publisher: "the Rocky Enterprise Software Foundation",
    user: "rocky",
    names: { x86_64: "Rocky-9-EC2-Base-9.*.x86_64", arm64: "Rocky-9-EC2-Base-9.*.aarch64" },
  },
  "amazon-linux-2023": {
    owner: "137112412989", // Amazon ("amazon" alias)
    publisher: "Amazon",
    user: "ec2-user",
    // Excludes the "al2023-ami-minimal-..." images, which lack tools the engine install uses.
    names: { x86_64: "al2023-ami-2023.*-x86_64", arm64: "al2023-ami-2023.*-arm64" },
  },
  "ubuntu-22.04": {
    owner: "099720109477", // Canonical
    publisher: "Canonical",
    user: "ubuntu",
    // hvm-ssd and hvm-ssd-gp3 both hold jammy server images.
    names: {
      x86_64: "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*",
      arm64: "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-arm64-server-*",
    },
  },
  "ubuntu-24.04": {
    owner: "099720109477", // Canonical
    publisher: "Canonical",
    user: "ubuntu",
    names: {
      x86_64: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-amd64-server-*",
      arm64: "ubuntu/images/hvm-ssd*/ubuntu-noble-24.04-arm64-server-*",
    },
  },
  "debian-12": {
    owner: "136693071363", // Debian (wiki.debian.org/Cloud/AmazonEC2Image/Bookworm)
    publisher: "Debian",
    user: "admin",
    // "debian-12-amd64-<date>-<build>"; the backports images are named "debian-12-backports-...".
    names: { x86_64: "debian-12-amd64-*", arm64: "debian-12-arm64-*" },
  },
};

export const isAwsDistro = (d: unknown): d is AwsDistro => typeof d === "string" && (AWS_DISTROS as readonly string[]).includes(d);

/** The official AMI's owner, name pattern and login user for a distribution and architecture. */
export function distroImage(distro: AwsDistro, architecture: AwsArchitecture = "x86_64"): DistroImage {
  const p = PUBLICATIONS[distro];
  return { owner: p.owner, publisher: p.publisher, namePattern: p.names[architecture], user: p.user };
}

/** The login user of a distribution's official AMI. */
export const loginUserOf = (distro: AwsDistro): string => PUBLICATIONS[distro].user;

/**
 * The filters for `aws.ec2.getAmi` that find the newest official image: by owner, name,
 * architecture, HVM, EBS-backed, available.
 */
export function amiQuery(distro: AwsDistro, architecture: AwsArchitecture = "x86_64") {
  const img = distroImage(distro, architecture);
  return {
    owners: [img.owner],
    mostRecent: true,
    filters: [
      { name: "name", values: [img.namePattern] },
      { name: "architecture", values: [architecture] },
      { name: "virtualization-type", values: ["hvm"] },
      { name: "root-device-type", values: ["ebs"] },
      { name: "state", values: ["available"] },
    ],
  };
}

/** The supported distribution closest to what was typed, when one is close enough to suggest. */
export function closestDistro(typed: string): AwsDistro | undefined {
  const t = typed.toLowerCase().replace(/[\s_]+/g, "-");
  const best = nearest(t, AWS_DISTROS);
  // Also catch a family name on its own ("rocky", "debian", "amazon-linux").
  const byPrefix = AWS_DISTROS.filter((d) => t.length >= 4 && (d.startsWith(t) || t.startsWith(d.split("-")[0])));
  if (best && best.distance <= Math.max(3, Math.floor(t.length / 3))) return best.match;
  return byPrefix.length ? byPrefix[byPrefix.length - 1] : undefined;
}
