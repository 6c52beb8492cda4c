// What the docker CLI is given to reach an engine (src/model/docker-cli-access.ts): each output's
// form for IPv4, IPv6, other ports and jump hosts, checked where it can be against the tools that
// read it (ssh -G reads the config block, ssh-keygen -F looks the host up in the known_hosts line,
// sh parses the context command), and the DockerEngine and Fleet outputs that carry it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { keyPair } from "../rig/keys";
import {
  type CliConnection,
  dockerCliAccess,
  dockerContextName,
  dockerHostUrl,
  hostKeyFields,
  knownHostsName,
} from "../../src/model/docker-cli-access";
import { setUnitMocks, valueOf } from "./support/mocks";

const hostKey = keyPair().public.trim();
const jumpKey = keyPair().public.trim();
const [alg, blob] = hostKey.split(/\s+/);
const [jalg, jblob] = jumpKey.split(/\s+/);

test("dockerHost: Docker's ssh:// form, the port always written, IPv6 in brackets with its zone escaped", (t) => {
  const cases: [CliConnection, string][] = [
    [{ host: "10.0.0.12", user: "root" }, "ssh://root@10.0.0.12:22"],
    [{ host: "10.0.0.12", port: 2222, user: "deploy" }, "ssh://deploy@10.0.0.12:2222"],
    [{ host: "web1.example.com", port: 22, user: "ops.user" }, "ssh://ops.user@web1.example.com:22"],
    [{ host: "2001:db8::12", port: 22, user: "root" }, "ssh://root@[2001:db8::12]:22"],
    [{ host: "[2001:db8::12]", port: 2222, user: "root" }, "ssh://root@[2001:db8::12]:2222"],
    [{ host: "fe80::1%eth0", port: 22, user: "root" }, "ssh://root@[fe80::1%25eth0]:22"],
    [{ host: "10.0.0.12", port: 22, user: "machine$" }, "ssh://machine$@10.0.0.12:22"],
  ];
  for (const [c, want] of cases) {
    t.is(dockerHostUrl(c), want, JSON.stringify(c));
    // What docker does with it: URL parsing gives back the user, the bare address and the port
    // (WHATWG URLs have no IPv6 zones; Go's url.Parse, docker's, takes RFC 6874's %25).
    if (want.includes("%25")) continue;
    const u = new URL(want);
    t.is(u.hostname.replace(/^\[(.*)\]$/, "$1").replace("%25", "%"), c.host.replace(/^\[(.*)\]$/, "$1"));
    t.is(u.port || "22", String(c.port ?? 22));
  }
});

test("knownHostsLine: OpenSSH's name for the host (bare on port 22, [address]:port otherwise), the key without its comment", (t) => {
  t.is(knownHostsName("10.0.0.12"), "10.0.0.12");
  t.is(knownHostsName("10.0.0.12", 2222), "[10.0.0.12]:2222");
  t.is(knownHostsName("[2001:db8::12]", 22), "2001:db8::12");
  t.is(knownHostsName("2001:db8::12", 2222), "[2001:db8::12]:2222");
  t.is(hostKeyFields(`${hostKey} root@web1`), `${alg} ${blob}`);
  t.is(hostKeyFields(`10.0.0.12 ${alg} ${blob}`), `${alg} ${blob}`, "ssh-keyscan output: the host field is dropped");
  t.is(hostKeyFields("SHA256:" + "A".repeat(43)), undefined, "a fingerprint is not a key");
  t.is(
    dockerCliAccess("web1", { host: "10.0.0.12", port: 22, user: "root", hostKey: `${hostKey} c` }).knownHostsLine,
    `10.0.0.12 ${alg} ${blob}`,
  );
  t.is(dockerCliAccess("web1", { host: "10.0.0.12", port: 2222, user: "root", hostKey }).knownHostsLine, `[10.0.0.12]:2222 ${alg} ${blob}`);
  t.is(dockerCliAccess("web1", { host: "SHA256:x", port: 22, user: "root", hostKey: "SHA256:" + "A".repeat(43) }).knownHostsLine, "");
  t.is(dockerCliAccess("web1", { host: "10.0.0.12", port: 22, user: "root", insecureSkipHostKeyCheck: true }).knownHostsLine, "");
  const jumped = dockerCliAccess("web1", {
    host: "10.0.0.12",
    port: 22,
    user: "root",
    hostKey,
    jump: { host: "bastion.example.com", port: 2200, user: "jump", hostKey: jumpKey },
  });
  t.is(jumped.knownHostsLine, `10.0.0.12 ${alg} ${blob}\n[bastion.example.com]:2200 ${jalg} ${jblob}`);
});

test("ssh_config: ssh itself reads the block for the address docker passes it, strict checking against the context's file, ProxyJump", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-cli-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const effective = (config: string, address: string, port: number, user: string) => {
    const file = path.join(dir, "config");
    writeFileSync(file, config);
    // docker runs `ssh -l user -p port -- address docker system dial-stdio`; -G prints what ssh would use.
    const out = execFileSync("ssh", ["-G", "-F", file, "-l", user, "-p", String(port), "--", address], { encoding: "utf8", stdio: "pipe" });
    return Object.fromEntries(out.split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)])) as Record<
      string,
      string | undefined
    >;
  };
  const ipv4 = dockerCliAccess("web1", { host: "10.0.0.12", port: 2222, user: "deploy", hostKey });
  let e = effective(ipv4.sshConfig, "10.0.0.12", 2222, "deploy");
  t.is(e.hostname, "10.0.0.12");
  t.is(e.port, "2222");
  t.is(e.user, "deploy");
  t.is(e.stricthostkeychecking, "true");
  t.regex(e.userknownhostsfile ?? "", /\/\.ssh\/dockyard-web1\.known_hosts$/);
  t.is(e.proxyjump, undefined);
  t.notRegex(ipv4.sshConfig, /IdentityFile|PRIVATE KEY/, "no key material, no key path");

  const ipv6 = dockerCliAccess("web-v6", {
    host: "2001:db8::12",
    port: 22,
    user: "root",
    hostKey,
    jump: { host: "2001:db8::1", port: 2200, user: "jump", hostKey: jumpKey },
  });
  e = effective(ipv6.sshConfig, "2001:db8::12", 22, "root");
  t.is(e.hostname, "2001:db8::12");
  t.is(e.stricthostkeychecking, "true");
  t.is(e.proxyjump, "jump@[2001:db8::1]:2200");
  // The jump's own ssh matches the jump block: its key is checked against the same file.
  e = effective(ipv6.sshConfig, "2001:db8::1", 2200, "jump");
  t.is(e.stricthostkeychecking, "true");
  t.regex(e.userknownhostsfile ?? "", /\/\.ssh\/dockyard-web-v6\.known_hosts$/);
  t.is(e.proxyjump, undefined);
});

test("known_hosts: ssh-keygen finds each line under the name ssh looks the host up by", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-cli-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [CliConnection, string[]][] = [
    [{ host: "10.0.0.12", port: 22, user: "root", hostKey }, ["10.0.0.12"]],
    [{ host: "10.0.0.12", port: 2222, user: "root", hostKey }, ["[10.0.0.12]:2222"]],
    [{ host: "2001:db8::12", port: 22, user: "root", hostKey }, ["2001:db8::12"]],
    [{ host: "2001:db8::12", port: 2222, user: "root", hostKey }, ["[2001:db8::12]:2222"]],
    [
      { host: "10.0.0.12", port: 22, user: "root", hostKey, jump: { host: "10.0.0.1", port: 2200, user: "j", hostKey: jumpKey } },
      ["10.0.0.12", "[10.0.0.1]:2200"],
    ],
  ];
  for (const [c, names] of cases) {
    const file = path.join(dir, "known_hosts");
    writeFileSync(file, dockerCliAccess("web1", c).knownHostsLine + "\n");
    for (const name of names) {
      const found = execFileSync("ssh-keygen", ["-F", name, "-f", file], { encoding: "utf8" });
      t.true(found.includes(name), `${name} in ${JSON.stringify(c)}`);
    }
    // Port 22 and another port are different entries: the other one is not found.
    t.throws(() => execFileSync("ssh-keygen", ["-F", "[10.0.0.12]:2022", "-f", file], { stdio: "pipe" }));
  }
});

test("context name: the Host's name, kept to what docker accepts; the command is two strictly quoted arguments", (t) => {
  t.is(dockerContextName("web1"), "web1");
  t.is(dockerContextName("prod.web-1_a+b"), "prod.web-1_a+b");
  t.is(dockerContextName("web 1;rm -rf /"), "web-1-rm--rf--");
  t.is(dockerContextName("-x"), "x-docker");
  t.is(dockerContextName("default"), "default-docker");
  t.is(dockerContextName("'$(id)'"), "id--");
  const a = dockerCliAccess("web 1;$(id)", { host: "2001:db8::12", port: 2222, user: "root", hostKey });
  t.is(a.contextName, "web-1---id-");
  t.is(a.dockerContextCommand, "docker context create 'web-1---id-' --docker 'host=ssh://root@[2001:db8::12]:2222'");
  // sh parses it into exactly these arguments.
  const argv = execFileSync("sh", ["-c", a.dockerContextCommand.replace(/^docker /, 'printf "%s\\n" ')], { encoding: "utf8" });
  t.deepEqual(argv.trimEnd().split("\n"), ["context", "create", "web-1---id-", "--docker", "host=ssh://root@[2001:db8::12]:2222"]);
});

let pulumi: typeof pulumiType;

test.serial("DockerEngine and Fleet outputs carry it, named after the Host; no secret in them", async (t) => {
  ({ pulumi } = await setUnitMocks({ facts: { osId: "debian" }, version: "24.0.7", apiVersion: "1.43", drift: [] }));
  const { Host } = require("../../src/host/host") as typeof import("../../src/host/host");
  const { DockerEngine } = require("../../src/engine/docker-engine") as typeof import("../../src/engine/docker-engine");
  const key = keyPair();
  const host = new Host("web1", {
    address: "10.0.0.12",
    port: 2222,
    user: "deploy",
    sudo: true,
    privateKey: pulumi.secret(key.private),
    hostKey,
  });
  const e = new DockerEngine("web1-docker", { host });
  t.is(await valueOf(e.dockerHost), "ssh://deploy@10.0.0.12:2222");
  t.is(await valueOf(e.knownHostsLine), `[10.0.0.12]:2222 ${alg} ${blob}`);
  t.is(await valueOf(e.dockerContextCommand), "docker context create 'web1' --docker 'host=ssh://deploy@10.0.0.12:2222'");
  t.regex(await valueOf(e.sshConfig), /^Host 10\.0\.0\.12\n {2}HostName 10\.0\.0\.12\n {2}User deploy\n/);
  for (const o of [e.dockerHost, e.knownHostsLine, e.dockerContextCommand, e.sshConfig]) {
    t.false(await (o as unknown as { isSecret: Promise<boolean> }).isSecret, "not a secret: nothing secret went in");
    t.false((await valueOf(o)).includes("PRIVATE KEY"));
  }

  const { Fleet } = require("../../src/fleet/fleet") as typeof import("../../src/fleet/fleet");
  const { parseFleet } = require("../../src/fleet/load-fleet") as typeof import("../../src/fleet/load-fleet");
  const spec = parseFleet(
    `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - name: db1
    address: 10.0.0.13
    hostKey: ${hostKey}
`,
    "cli.yaml",
  );
  const fleet = new Fleet("f", { spec, config: (k: string) => (k === "sshPrivateKey" ? pulumi.secret(key.private) : undefined) });
  const out = await valueOf(fleet.outputs);
  t.deepEqual(out.db1.dockerCli, {
    dockerHost: "ssh://root@10.0.0.13:22",
    knownHostsLine: `10.0.0.13 ${alg} ${blob}`,
    dockerContextCommand: "docker context create 'db1' --docker 'host=ssh://root@10.0.0.13:22'",
    sshConfig: await valueOf(new DockerEngine("db1-again", { host: fleet.hosts.db1 }).sshConfig),
  });
});
