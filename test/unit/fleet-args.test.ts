// The fleet spec to component arguments, from tables: no resource is created here.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { fleetArgs, loginFor, publishedEndpoints, slug, type FleetArgsResolved } from "../../src/fleet/fleet-args";
import { FleetFileError, fleetSourceOf, parseFleet } from "../../src/fleet/load-fleet";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const config: Record<string, string> = { sshKey: "PRIVATE", mirror: "http://mirror.local/docker-ce", dbPassword: "pw" };
const read = (key: string, secret: boolean) => (key in config ? (secret ? pulumi.secret(config[key]) : config[key]) : undefined);
const argsOf = (yaml: string, cfg = read): FleetArgsResolved => {
  const spec = parseFleet(yaml, "f.yaml");
  return fleetArgs(spec, { fleet: "t", config: cfg, baseDir: "/srv/fleet", file: "f.yaml", locate: fleetSourceOf(spec)?.locate });
};
// Outputs (secrets, config values combined) shown as "<output>"; undefined keys dropped.
const plain = (o: unknown): unknown => {
  if (pulumi.Output.isInstance(o)) return "<output>";
  if (Array.isArray(o)) return o.map(plain);
  if (o && typeof o === "object")
    return Object.fromEntries(
      Object.entries(o)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, plain(v)]),
    );
  return o;
};

const host = (extra: string) => `defaults:
  privateKey: { config: sshKey }
  user: ops
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ${KEY}
${extra.replace(/^/gm, "    ")}
`;

const hostCases: { title: string; extra: string; expect: (a: FleetArgsResolved) => unknown; want: unknown }[] = [
  {
    title: "defaults.user reaches the connection; the key is a secret",
    extra: "port: 2222",
    expect: (a) => plain({ ...a.hosts[0].host.args, hostKey: undefined }),
    want: { address: "10.0.0.1", privateKey: "<output>", port: 2222, user: "ops" },
  },
  { title: "an ssh host", extra: "", expect: (a) => a.hosts[0].host.kind, want: "ssh" },
  {
    title: "engine version and mirror from config",
    extra: 'engine: { method: online, version: "25.0.3", mirror: { config: mirror } }',
    expect: (a) => ({ v: a.hosts[0].engine.version, m: a.hosts[0].engine.mirror, method: a.hosts[0].engine.method }),
    want: { v: "25.0.3", m: "http://mirror.local/docker-ce", method: "online" },
  },
  {
    title: "a relative bundle is relative to baseDir",
    extra: "engine: { method: offline, bundle: b/docker.tgz, bundleSha256: " + "a".repeat(64) + " }",
    expect: (a) => a.hosts[0].engine.bundle,
    want: "/srv/fleet/b/docker.tgz",
  },
  {
    title: "a relative composePlugin is relative to baseDir, its sha256 kept",
    extra:
      "engine: { method: offline, bundle: b/docker.tgz, bundleSha256: " +
      "a".repeat(64) +
      ", composePlugin: b/docker-compose-linux-x86_64, composePluginSha256: " +
      "c".repeat(64) +
      " }",
    expect: (a) => ({ p: a.hosts[0].engine.composePlugin, s: a.hosts[0].engine.composePluginSha256 }),
    want: { p: "/srv/fleet/b/docker-compose-linux-x86_64", s: "c".repeat(64) },
  },
  {
    title: "a bundle URL stays a URL",
    extra: "engine: { method: offline, bundle: https://x.test/docker.tgz, bundleSha256: " + "a".repeat(64) + " }",
    expect: (a) => a.hosts[0].engine.bundle,
    want: "https://x.test/docker.tgz",
  },
  {
    title: "bundles per architecture: relative paths relative to baseDir, URLs kept, checksums as given",
    extra:
      "engine:\n  method: offline\n  bundles:\n    x86_64: { bundle: b/x86_64/docker.tgz, sha256: " +
      "a".repeat(64) +
      " }\n    armhf: { bundle: https://x.test/armhf/docker.tgz, sha256: " +
      "b".repeat(64) +
      " }",
    expect: (a) => ({ bundle: a.hosts[0].engine.bundle, bundles: a.hosts[0].engine.bundles }),
    want: {
      bundle: undefined,
      bundles: {
        x86_64: { bundle: "/srv/fleet/b/x86_64/docker.tgz", sha256: "a".repeat(64) },
        armhf: { bundle: "https://x.test/armhf/docker.tgz", sha256: "b".repeat(64) },
      },
    },
  },
  {
    title: "no daemon settings: default log rotation only",
    extra: "",
    expect: (a) => plain(a.hosts[0].daemon),
    want: { logDriver: "json-file", logOpts: { "max-size": "50m", "max-file": "5" }, refuseOverwriting: ["log-driver", "log-opts"] },
  },
  {
    title: "log rotation off and nothing else: daemon.json left alone",
    extra: "daemon: { logRotation: false }",
    expect: (a) => a.hosts[0].daemon,
    want: undefined,
  },
  { title: "docker users", extra: "dockerUsers: [deploy]", expect: (a) => a.hosts[0].dockerUsers, want: ["deploy"] },
  { title: "no docker users", extra: "", expect: (a) => a.hosts[0].dockerUsers, want: undefined },
];
for (const c of hostCases) {
  test(`host args: ${c.title}`, (t) => {
    t.deepEqual(c.expect(argsOf(host(c.extra))), c.want);
  });
}

test("container args: settings and env resolved, secrets kept secret, component references left to the Fleet", async (t) => {
  const a = argsOf(`${host("")}containers:
  - name: shop
    image: nginx:1.27
    on: all
    ports: ["8080:80"]
    env: { DB_PASSWORD: { config: dbPassword }, MODE: prod }
    restartPolicy: unless-stopped
`);
  const c = a.containers[0];
  t.is(c.name, "shop");
  t.deepEqual(c.ports, ["8080:80"]);
  t.is(c.restartPolicy, "unless-stopped");
  const env = c.env as Record<string, pulumi.Output<string> | string>;
  t.is(env.MODE, "prod");
  t.true(await (env.DB_PASSWORD as unknown as { isSecret: Promise<boolean> }).isSecret, "env values from config are secrets");
  t.false("image" in c || "engine" in c);
});

test("every missing config reference is one problem with file:line, before any argument is used", (t) => {
  const e = t.throws(() => argsOf(host("engine: { version: { config: nope } }"), () => undefined), { instanceOf: FleetFileError })!;
  t.deepEqual(
    e.problems.map((p) => `${p.file}:${p.line}: ${p.path}`),
    ["f.yaml:2: defaults.privateKey", "f.yaml:8: hosts[0].engine.version"],
  );
});

const logins = [
  { server: "registry.local:5000", username: "u", password: "p" },
  { server: "docker.io", username: "hub", password: "p" },
];
const ecr = { server: "1.dkr.ecr.eu-west-1.amazonaws.com", username: "AWS", password: "t" };
const loginCases: [string, string | undefined][] = [
  ["registry.local:5000/shop/web:1", "u"],
  ["nginx", "hub"],
  ["1.dkr.ecr.eu-west-1.amazonaws.com/shop:1", "AWS"],
  ["ghcr.io/x/y", undefined],
];
for (const [ref, user] of loginCases) {
  test(`login for ${ref}`, (t) => {
    t.is(loginFor(logins, ecr, ref)?.username, user);
  });
}

const endpointCases: [Parameters<typeof publishedEndpoints>[1], string[]][] = [
  [["80:80"], ["10.0.0.1:80"]],
  [["127.0.0.1:8080:80/tcp"], ["127.0.0.1:8080"]],
  [["0.0.0.0:81:80"], ["10.0.0.1:81"]],
  [[{ containerPort: 443 }], ["10.0.0.1:443"]],
  [[{ containerPort: 80, hostPort: 8081, hostIp: "192.168.1.5" }], ["192.168.1.5:8081"]],
];
for (const [ports, want] of endpointCases) {
  test(`published endpoints of ${JSON.stringify(ports)}`, (t) => {
    t.deepEqual(publishedEndpoints("10.0.0.1", ports), want);
  });
}

test("resource-name slugs of image references", (t) => {
  t.is(slug("registry.local:5000/shop/web:1.2"), "registry.local-5000-shop-web-1.2");
  t.is(slug("nginx@sha256:abc"), "nginx-sha256-abc");
});
