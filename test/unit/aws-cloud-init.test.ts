import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { HOST_KEY_DROP_IN, renderHostKeyCleanup, renderHostKeyUserData } from "../../src/aws/cloud-init";
import { AWS_DISTROS, amiQuery, closestDistro, distroImage, loginUserOf } from "../../src/aws/distro-images";
import { cidrProblem, publishedPortRules, publishedPortsOf, sshIngressRule } from "../../src/aws/ingress-rules";
import { generateSshKeyPair, sshKeyPair } from "../../src/providers/ssh-key-pair";
import { shellcheck } from "./shellcheck";

// Placeholders keep the snapshot stable; the real-key tests below use generated keys.
const PLACEHOLDER = {
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPLACEHOLDERPLACEHOLDERPLACEHOLDERPLACEHO dockyard-host-web",
  privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nPLACEHOLDER\n-----END OPENSSH PRIVATE KEY-----\n",
};

test("the user data, as an instance receives it", (t) => {
  t.snapshot(renderHostKeyUserData(PLACEHOLDER));
});

test("the official image of each distro, per architecture", (t) => {
  for (const distro of AWS_DISTROS) {
    t.snapshot({ x86_64: amiQuery(distro, "x86_64"), arm64: amiQuery(distro, "arm64"), user: loginUserOf(distro) }, distro);
  }
});

test("login users per distro", (t) => {
  t.deepEqual(Object.fromEntries(AWS_DISTROS.map((d) => [d, distroImage(d).user])), {
    "centos-stream-9": "ec2-user",
    "rocky-9": "rocky",
    "amazon-linux-2023": "ec2-user",
    "ubuntu-22.04": "ubuntu",
    "ubuntu-24.04": "ubuntu",
    "debian-12": "admin",
  });
});

test("the host-key cleanup script passes shellcheck", (t) => {
  t.is(shellcheck(renderHostKeyCleanup()), "");
});

test("the user data installs the pair, deletes and generates no other key, restricts sshd, restarts it", (t) => {
  const pair = generateSshKeyPair({ algorithm: "ed25519", comment: "dockyard-host-x" });
  const config = parse(renderHostKeyUserData(pair));
  t.deepEqual(config.ssh_keys, { ed25519_private: pair.privateKey, ed25519_public: pair.publicKey });
  t.true(config.ssh_deletekeys);
  t.deepEqual(config.ssh_genkeytypes, []);
  const dropIn = config.write_files.find((f: { path: string }) => f.path === HOST_KEY_DROP_IN);
  t.regex(dropIn.content, /^HostKeyAlgorithms ssh-ed25519$/m);
  t.regex(dropIn.content, /^HostKey \/etc\/ssh\/ssh_host_ed25519_key$/m);
  t.deepEqual(config.runcmd, [renderHostKeyCleanup()]);
  t.regex(config.runcmd[0], /systemctl restart "\$unit"/);
});

test("the user data refuses what is not an ed25519 pair in OpenSSH form", (t) => {
  const pair = generateSshKeyPair({ algorithm: "ed25519", comment: "x" });
  t.throws(() => renderHostKeyUserData({ ...pair, publicKey: "ssh-rsa AAAAB3NzaC1yc2E" }), { message: /ssh-ed25519/ });
  t.throws(() => renderHostKeyUserData({ ...pair, privateKey: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----" }), {
    message: /OpenSSH form/,
  });
});

test("OpenSSH reads the generated private key and derives the same public key", (t) => {
  const pair = generateSshKeyPair({ algorithm: "ed25519", comment: "dockyard-host-x" });
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-key-"));
  try {
    const file = path.join(dir, "ssh_host_ed25519_key");
    writeFileSync(file, pair.privateKey, { mode: 0o600 });
    const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
    t.is(derived.split(" ").slice(0, 2).join(" "), pair.publicKey.split(" ").slice(0, 2).join(" "));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the key pair provider makes a key once and keeps it", async (t) => {
  const made = await sshKeyPair.create({ algorithm: "ed25519", comment: "a" });
  const outs = made.outs!;
  t.regex(made.id, /^sshkey-[0-9a-f]{12}$/);
  t.regex(outs.publicKey, /^ssh-ed25519 \S+ a$/);
  t.deepEqual(await sshKeyPair.diff(made.id, outs, { algorithm: "ed25519", comment: "renamed" }), { changes: false });
  t.deepEqual((await sshKeyPair.read(made.id, outs)).props, outs);
  t.deepEqual((await sshKeyPair.update(made.id, outs)).outs, outs);
  const other = await sshKeyPair.create({ algorithm: "ed25519", comment: "a" });
  t.not(other.outs!.privateKey, outs.privateKey);
});

test("did-you-mean for distro names", (t) => {
  t.is(closestDistro("rocky9"), "rocky-9");
  t.is(closestDistro("Ubuntu 24.04"), "ubuntu-24.04");
  t.is(closestDistro("centos-9"), "centos-stream-9");
  t.is(closestDistro("amazon-linux"), "amazon-linux-2023");
  t.is(closestDistro("al2023"), undefined);
  t.is(closestDistro("windows-server-2022"), undefined);
});

test("CIDR blocks", (t) => {
  for (const ok of ["0.0.0.0/0", "203.0.113.4/32", "10.0.0.0/8", "2001:db8::/32", "::/0"]) t.is(cidrProblem(ok), undefined, ok);
  for (const bad of ["203.0.113.4", "10.0.0.0/33", "1.2.3/24", "10.0.0.0/8/8", "2001:db8::/129", "", 10])
    t.truthy(cidrProblem(bad), String(bad));
  t.regex(cidrProblem("192.168.1.77/24")!, /write "192\.168\.1\.0\/24"/);
});

test("ingress rules from published ports: merged, ordered, split by IP version", (t) => {
  t.deepEqual(
    publishedPortRules(
      [{ port: 8080 }, { port: 53, protocol: "udp" }, { port: 80 }, { port: 8080, protocol: "tcp" }],
      ["0.0.0.0/0", "::/0"],
    ),
    [
      {
        protocol: "tcp",
        fromPort: 80,
        toPort: 80,
        cidrBlocks: ["0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
        description: "published tcp/80 (Dockyard)",
      },
      {
        protocol: "tcp",
        fromPort: 8080,
        toPort: 8080,
        cidrBlocks: ["0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
        description: "published tcp/8080 (Dockyard)",
      },
      {
        protocol: "udp",
        fromPort: 53,
        toPort: 53,
        cidrBlocks: ["0.0.0.0/0"],
        ipv6CidrBlocks: ["::/0"],
        description: "published udp/53 (Dockyard)",
      },
    ],
  );
  t.deepEqual(publishedPortRules([{ port: 443 }]), [
    { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "published tcp/443 (Dockyard)" },
  ]);
  t.deepEqual(publishedPortRules([]), []);
  t.deepEqual(sshIngressRule(["2001:db8::/64"]), {
    protocol: "tcp",
    fromPort: 22,
    toPort: 22,
    ipv6CidrBlocks: ["2001:db8::/64"],
    description: "SSH (Dockyard)",
  });
});

test("published ports of containers, as a Fleet passes them (loopback-bound ones left out)", (t) => {
  t.deepEqual(
    publishedPortsOf([
      "80:80",
      "8443:443",
      "127.0.0.1:9000:9000",
      "53:53/udp",
      { containerPort: 5000 },
      { containerPort: 6000, hostIp: "127.0.0.1" },
    ]),
    [
      { port: 80, protocol: "tcp" },
      { port: 8443, protocol: "tcp" },
      { port: 53, protocol: "udp" },
      { port: 5000, protocol: "tcp" },
    ],
  );
  t.throws(() => publishedPortsOf(["eighty"]), { message: /ports\[0\]/ });
});
