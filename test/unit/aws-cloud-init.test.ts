import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { HOST_KEY_DROP_IN, renderHostKeyCleanup, renderHostKeyUserData } from "../../src/aws/cloud-init";
import { AWS_DISTROS, amiQuery, closestDistro, distroImage, loginUserOf } from "../../src/aws/distro-images";
import { cidrProblem, publishedPortRules, publishedPortsOf, sshIngressRule } from "../../src/aws/ingress-rules";
import { parseReportedHostKey } from "../../src/model/reported-host-key";
import { reportedHostKey, waitForReportedHostKey } from "../../src/providers/reported-host-key";
import { generateSshKeyPair, sshKeyPair } from "../../src/providers/ssh-key-pair";
import { shellcheck } from "./shellcheck";

test("the user data, as an instance receives it", (t) => {
  t.snapshot(renderHostKeyUserData());
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

test("the user data has the instance make its own ed25519 key, restrict sshd to it and print it on the console; no key in it", (t) => {
  const text = renderHostKeyUserData();
  t.false(text.includes("PRIVATE KEY"), "no private key");
  t.false(/ssh-ed25519 AAAA/.test(text), "no key at all");
  const config = parse(text);
  t.is(config.ssh_keys, undefined);
  t.true(config.ssh_deletekeys);
  t.deepEqual(config.ssh_genkeytypes, ["ed25519"]);
  const dropIn = config.write_files.find((f: { path: string }) => f.path === HOST_KEY_DROP_IN);
  t.regex(dropIn.content, /^HostKeyAlgorithms ssh-ed25519$/m);
  t.regex(dropIn.content, /^HostKey \/etc\/ssh\/ssh_host_ed25519_key$/m);
  t.deepEqual(config.runcmd, [renderHostKeyCleanup()]);
  t.regex(config.runcmd[0], /systemctl restart "\$unit"/);
  t.regex(config.runcmd[0], /key=\$\(cut -d ' ' -f 1,2 \/etc\/ssh\/ssh_host_ed25519_key\.pub\)\nline="dockyard-host-key: \$key"/);
});

test("the report script prints what the parser reads back: run against a key made here", (t) => {
  const pair = generateSshKeyPair({ algorithm: "ed25519", comment: "root@instance" });
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-report-"));
  try {
    const pub = path.join(dir, "key.pub");
    const out = path.join(dir, "console");
    writeFileSync(pub, pair.publicKey + "\n");
    writeFileSync(out, "");
    // The script's last lines, with the key file and the console pointed into the sandbox.
    const script = renderHostKeyCleanup();
    const report = script
      .slice(script.indexOf("key=$("))
      .replace("/etc/ssh/ssh_host_ed25519_key.pub", pub)
      .replace("/dev/ttyS0 /dev/console", out);
    execFileSync("sh", ["-c", report]);
    const found = parseReportedHostKey(readFileSync(out, "utf8"));
    t.deepEqual(found, { kind: "key", publicKey: pair.publicKey.split(" ").slice(0, 2).join(" ") });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the reported key: found after console prefixes, one key printed twice is one, two keys or a malformed one pin nothing", (t) => {
  const key = generateSshKeyPair({ algorithm: "ed25519", comment: "x" }).publicKey.split(" ").slice(0, 2).join(" ");
  const other = generateSshKeyPair({ algorithm: "ed25519", comment: "x" }).publicKey.split(" ").slice(0, 2).join(" ");
  t.deepEqual(parseReportedHostKey(`boot\n[   12.5] dockyard-host-key: ${key}\r\ndockyard-host-key: ${key}\n`), {
    kind: "key",
    publicKey: key,
  });
  t.deepEqual(parseReportedHostKey("boot\ncloud-init: ssh keys generated\n"), { kind: "none" });
  t.deepEqual(parseReportedHostKey(`dockyard-host-key: ${key}\ndockyard-host-key: ${other}\n`), { kind: "ambiguous", count: 2 });
  t.deepEqual(parseReportedHostKey("dockyard-host-key: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n"), { kind: "none" });
  t.deepEqual(parseReportedHostKey(`dockyard-host-key: ${key.slice(0, -4)}\n`), { kind: "none" }, "a truncated line");
});

test("the wait reads the console until the key shows, and fails naming the instance when it does not", async (t) => {
  const key = generateSshKeyPair({ algorithm: "ed25519", comment: "x" }).publicKey.split(" ").slice(0, 2).join(" ");
  let clock = 0;
  const reads: string[] = ["", "booting\n", `booting\ndockyard-host-key: ${key}\n`];
  const reader = {
    read: async () => reads.shift() ?? "",
    sleep: async (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
  const inputs = { instanceId: "i-0123456789abcdef0", region: "eu-central-1", timeoutSeconds: 600 };
  t.is(await waitForReportedHostKey(inputs, reader), key);
  t.is(clock, 20_000, "read every 10 s");
  clock = 0;
  const err = await t.throwsAsync(waitForReportedHostKey({ ...inputs, timeoutSeconds: 30 }, { ...reader, read: async () => "booting\n" }));
  t.regex(err!.message, /\[DOCKYARD_AWS_HOST_KEY_NOT_REPORTED\] i-0123456789abcdef0: no SSH host key on its console after 30 s/);
  t.is(clock, 30_000, "gives up at the bound");
  const other = generateSshKeyPair({ algorithm: "ed25519", comment: "x" }).publicKey.split(" ").slice(0, 2).join(" ");
  const two = await t.throwsAsync(
    waitForReportedHostKey(inputs, { ...reader, read: async () => `dockyard-host-key: ${key}\ndockyard-host-key: ${other}\n` }),
  );
  t.regex(two!.message, /shows 2 different SSH host keys, so none is pinned/);
});

test("the key provider reads once: refresh keeps the key, a new instance is a new key", async (t) => {
  const props = { instanceId: "i-1", region: "eu-central-1", timeoutSeconds: 600, publicKey: "ssh-ed25519 AAAA" };
  t.deepEqual(await reportedHostKey.read("id", props), { id: "id", props });
  t.deepEqual(await reportedHostKey.diff("id", props, { ...props, timeoutSeconds: 900 }), { changes: false });
  t.deepEqual(await reportedHostKey.diff("id", props, { ...props, instanceId: "i-2" }), {
    changes: true,
    replaces: ["instanceId"],
    deleteBeforeReplace: true,
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
