import { keyPair } from "../rig/keys";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { readFileSync, statSync } from "node:fs";
import { type Registered, setUnitMocks, valueOf } from "./support/mocks";

// @pulumi/docker's plugin cannot run on these machines: its Provider is checked with mocks.
let pulumi: typeof pulumiType;
let Host: typeof import("../../src/host/host").Host;
let DockerEngine: typeof import("../../src/engine/docker-engine").DockerEngine;
let created: Registered[] = [];
const key = keyPair();
const hostKey = keyPair().public;

test.before(async () => {
  process.env.DOCKYARD_CACHE = `/tmp/dockyard-unit-${process.pid}`;
  ({ pulumi, created } = await setUnitMocks({ facts: { osId: "debian" } }));
  ({ Host } = require("../../src/host/host"));
  ({ DockerEngine } = require("../../src/engine/docker-engine"));
});

test.after.always(() => {
  require("node:fs").rmSync(process.env.DOCKYARD_CACHE!, { recursive: true, force: true });
});

test.serial("an engine gives a @pulumi/docker provider over ssh:// with the pinned key checked, never skipped", async (t) => {
  const host = new Host("web1", {
    address: "10.0.0.12",
    port: 2222,
    user: "ops",
    sudo: true,
    privateKey: pulumi.secret(key.private),
    hostKey: `10.0.0.12 ${hostKey}`,
  });
  const engine = new DockerEngine("web1-docker", { host, method: "adopt" });
  const provider = engine.dockerProvider();
  await valueOf((provider as unknown as { urn: pulumiType.Output<string> }).urn);
  await new Promise((r) => setTimeout(r, 100));
  const res = created.find((r) => r.type === "pulumi:providers:docker");
  t.truthy(res, "a docker provider is registered");
  t.is(res!.name, "web1-docker-docker");
  t.is(res!.inputs.host, "ssh://ops@10.0.0.12:2222");
  const opts = (typeof res!.inputs.sshOpts === "string" ? JSON.parse(res!.inputs.sshOpts) : res!.inputs.sshOpts) as string[];
  t.true(opts.includes("StrictHostKeyChecking=yes"));
  t.false(opts.some((o) => /StrictHostKeyChecking=no/i.test(o)));
  const knownHosts = opts[opts.indexOf("-o", opts.indexOf("StrictHostKeyChecking=yes")) + 1].replace("UserKnownHostsFile=", "");
  t.is(readFileSync(knownHosts, "utf8"), `[10.0.0.12]:2222 ${hostKey.split(" ").slice(0, 2).join(" ")}\n`);
  const identity = opts[opts.indexOf("-i") + 1];
  t.is(readFileSync(identity, "utf8").trim(), key.private.trim());
  t.is(statSync(identity).mode & 0o777, 0o600, "the key file is private");
});

test.serial("a host without a pinned full key gets no docker provider", async (t) => {
  const { dockerProviderSettings, knownHostsLine } =
    require("../../src/engine/docker-provider") as typeof import("../../src/engine/docker-provider");
  const files = { knownHosts: "/k", identity: "/i" };
  t.throws(() => dockerProviderSettings({ host: "h", port: 22, user: "root", insecureSkipHostKeyCheck: true }, files), {
    message: /only given for hosts with a pinned key/,
  });
  t.throws(() => knownHostsLine({ host: "h", port: 22, hostKey: "SHA256:" + "A".repeat(43) }), { message: /full public key/ });
  t.is(knownHostsLine({ host: "h", port: 22, hostKey }), `h ${hostKey.split(" ").slice(0, 2).join(" ")}`);
});
