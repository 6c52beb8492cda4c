import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { checkFleetSpec, FleetFileError, loadFleet, parseFleet } from "../../src/fleet/load-fleet";
import { FLEET_PAGE, pageWithReference, schemaFileText } from "../../scripts/fleet-docs";

const REPO = path.resolve(__dirname, "..", "..");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";

/** The problems of a fleet text, as `line:col path: message` lines. */
function problemsOf(text: string): string[] {
  try {
    parseFleet(text, "f.yaml");
  } catch (e) {
    if (e instanceof FleetFileError) return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

const base = (extra = "", host = "") => `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ${KEY}
    groups: [web]
${host}${extra}`;

test("every stack in stacks/ is a valid fleet file", (t) => {
  const files = readdirSync(path.join(REPO, "stacks")).filter((f) => f.endsWith(".yaml"));
  t.true(files.length >= 4, `stacks: ${files.join(", ")}`);
  for (const f of files) t.notThrows(() => loadFleet(path.join(REPO, "stacks", f)), f);
});

test("a good file parses into the typed spec, exactly as written", (t) => {
  const spec = parseFleet(base(`containers:\n  - name: nginx-container\n    image: nginx\n    on: [web]\n    ports: ["80:80"]\n`));
  t.is(spec.hosts[0].name, "web1");
  t.deepEqual(spec.defaults?.privateKey, { config: "sshPrivateKey" });
  t.deepEqual(spec.containers?.[0].on, ["web"]);
  t.is(spec.hosts[0].port, undefined, "defaults are applied by Fleet, not by the loader");
});

const cases: [string, string, RegExp][] = [
  ["unknown top-level key, with did-you-mean", base("contaners: []\n"), /^8:1 contaners: unknown key; did you mean "containers"\?$/],
  ["unknown host key", base("", "    prot: 22\n"), /^8:5 hosts\[0\]\.prot: unknown key; did you mean "port"\?$/],
  ["port out of range", base("", "    port: 70000\n"), /^8:5 hosts\[0\]\.port: must be an integer 1-65535$/],
  ["wrong type", base("", "    sudo: yes please\n"), /^8:5 hosts\[0\]\.sudo: must be a boolean \(got string "yes please"\)$/],
  [
    "enum with did-you-mean",
    base("", "    engine: { method: offlne }\n"),
    /hosts\[0\]\.engine\.method: must be one of "online", "offline", "adopt" \(got "offlne"\); did you mean "offline"\?/,
  ],
  ["mirror URL", base("", "    engine: { mirror: mirrors.aliyun.com }\n"), /hosts\[0\]\.engine\.mirror: must be an http\(s\) URL/],
  [
    "sha256 format",
    base("", "    engine: { method: offline, bundle: d.tgz, bundleSha256: abc }\n"),
    /hosts\[0\]\.engine\.bundleSha256: must be 64 hex digits/,
  ],
  [
    "offline compose plugin without its binary",
    base("", `    engine: { method: offline, bundle: d.tgz, bundleSha256: ${"a".repeat(64)}, plugins: [compose] }\n`),
    /hosts\[0\]\.engine\.composePlugin: is required for plugins \["compose"\] with method: offline/,
  ],
  [
    "offline without bundle",
    base("", "    engine: { method: offline }\n"),
    /8:5 hosts\[0\]\.engine\.bundle: is required for method: offline/,
  ],
  [
    "bundles keyed by a name Docker does not publish bundles for",
    base("", `    engine: { method: offline, bundles: { amd64: { bundle: d.tgz, sha256: ${"a".repeat(64)} } } }\n`),
    /hosts\[0\]\.engine\.bundles\.amd64/,
  ],
  [
    "bundles and a bundle together",
    base(
      "",
      `    engine: { method: offline, bundle: d.tgz, bundleSha256: ${"a".repeat(64)}, bundles: { x86_64: { bundle: x.tgz, sha256: ${"a".repeat(64)} } } }\n`,
    ),
    /hosts\[0\]\.engine\.bundles: cannot be given with bundle/,
  ],
  [
    "bundles on an online host",
    base("", `    engine: { method: online, bundles: { x86_64: { bundle: x.tgz, sha256: ${"a".repeat(64)} } } }\n`),
    /hosts\[0\]\.engine\.bundles: applies to method: offline only/,
  ],
  [
    "online-only key on an offline host",
    base("", `    engine: { method: offline, bundle: d.tgz, bundleSha256: ${"a".repeat(64)}, version: "24.0.7" }\n`),
    /hosts\[0\]\.engine\.version: applies to method: online only/,
  ],
  [
    "secret in plain text",
    base("credentials:\n  - server: r.example.com\n    username: ci\n    password: hunter2\n"),
    /^11:5 credentials\[0\]\.password: must be a reference to a Pulumi config secret/,
  ],
  [
    "plain-text SSH key (never echoed)",
    base("", "    privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----'\n"),
    /^8:5 hosts\[0\]\.privateKey: must be a reference to a Pulumi config secret[^-]*$/,
  ],
  [
    "duplicate host name",
    base("", `  - name: web1\n    address: 10.0.0.2\n    hostKey: ${KEY}\n`),
    /^8:5 hosts\[1\]\.name: duplicate host name "web1" \(also hosts\[0\]\)$/,
  ],
  [
    "container on an undeclared host",
    base("containers:\n  - name: c\n    image: nginx\n    on: [wbe1]\n"),
    /^11:10 containers\[0\]\.on\[0\]: "wbe1" is not a host or group of this fleet; did you mean "web1"\?$/,
  ],
  [
    "registry on an undeclared host",
    base("registries:\n  - name: r\n    host: db1\n"),
    /registries\[0\]\.host: "db1" is not a host of this fleet/,
  ],
  [
    "missing host key",
    `defaults:\n  privateKey: { config: k }\nhosts:\n  - name: a\n    address: 10.0.0.1\n`,
    /^4:5 hosts\[0\]\.hostKey: is required: pin the host key/,
  ],
  [
    "malformed host key",
    `defaults:\n  privateKey: { config: k }\nhosts:\n  - name: a\n    address: 10.0.0.1\n    hostKey: ssh-ed25519 AAAA\n`,
    /^6:5 hosts\[0\]\.hostKey: /,
  ],
  [
    "no private key anywhere",
    `hosts:\n  - name: a\n    address: 10.0.0.1\n    hostKey: ${KEY}\n`,
    /hosts\[0\]\.privateKey: is required, here or in defaults\.privateKey/,
  ],
  [
    "unknown dockerd setting",
    base("", "    daemon: { settings: { debugg: true } }\n"),
    /hosts\[0\]\.daemon\.settings\.debugg: not a dockerd setting \(did you mean 'debug'\?\)/,
  ],
  [
    "registry mirror with a path",
    base("", "    daemon: { registryMirrors: ['https://m.example.com/v2/'] }\n"),
    /hosts\[0\]\.daemon\.registryMirrors\[0\]: must be a registry base URL without a path/,
  ],
  [
    "bad image reference",
    base("containers:\n  - name: c\n    image: NGINX\n    on: all\n"),
    /containers\[0\]\.image: .*not an image reference/,
  ],
  [
    "image archive without its sha256",
    base("images:\n  - ref: nginx:1.25\n    on: all\n    source: { archive: ./nginx.tar }\n"),
    /images\[0\]\.source\.sha256: is required with archive/,
  ],
  [
    "image source both archive and controller",
    base(`images:\n  - ref: nginx:1.25\n    on: all\n    source: { archive: ./nginx.tar, sha256: ${"a".repeat(64)}, controller: true }\n`),
    /images\[0\]\.source\.controller: cannot be set with archive/,
  ],
  [
    "host port taken twice",
    base(
      "containers:\n  - { name: a, image: nginx, on: all, ports: ['80:80'] }\n  - { name: b, image: nginx, on: [web], ports: ['80:8080'] }\n",
    ),
    /containers\[1\]\.ports\[0\]: host port 80\/tcp on web1 is already taken by containers\[0\]/,
  ],
  [
    "container declared twice on a host",
    base("containers:\n  - { name: a, image: nginx, on: all }\n  - { name: a, image: redis, on: [web] }\n"),
    /containers\[1\]\.name: container "a" is declared twice on host web1/,
  ],
  [
    "targets of the wrong shape",
    base("containers:\n  - { name: a, image: nginx, on: web1 }\n"),
    /containers\[0\]\.on: must be "all" or a list of host and group names \(got "web1"\)/,
  ],
  ["empty hosts", "hosts: []\n", /^1:1 hosts: must list at least one host$/],
  ["YAML syntax", "hosts:\n  - name: a\n   address: b\n", /^3:\d+ : /],
  ["duplicate YAML key", "hosts: []\nhosts: []\n", /^2:1 : Map keys must be unique/],
  ["config key syntax", base("", "    user: { config: 'bad key' }\n"), /hosts\[0\]\.user\.config: must be a config key like sshPrivateKey/],
  [
    "group named like a host",
    base("", `  - name: web2\n    address: 10.0.0.2\n    hostKey: ${KEY}\n    groups: [web1]\n`),
    /hosts\[1\]\.groups\[0\]: group "web1" has the name of a host/,
  ],
];
for (const [name, text, expected] of cases) {
  test(`bad input: ${name}`, (t) => {
    const problems = problemsOf(text);
    t.true(
      problems.some((p) => expected.test(p)),
      problems.join("\n") || "(no problem reported)",
    );
  });
}

test("every problem is reported at once, in file order, in one message naming file:line:col", (t) => {
  const e = t.throws(() =>
    parseFleet(base("containers:\n  - name: c\n    image: nginx\n    on: [nope]\n", "    port: 0\n    prot: 1\n"), "stacks/prod.yaml"),
  ) as FleetFileError;
  t.true(e instanceof FleetFileError);
  t.deepEqual(
    e.problems.map((p) => p.path),
    ["hosts[0].port", "hosts[0].prot", "containers[0].on[0]"],
  );
  t.regex(
    e.message,
    /^\[DOCKYARD_FLEET_FILE_INVALID\] fleet file stacks\/prod\.yaml: 3 problems:\n {2}stacks\/prod\.yaml:8:5: hosts\[0\]\.port: must be an integer 1-65535\n/,
  );
});

test("a host named twice is one problem, not also a container clashing with itself", (t) => {
  const problems = problemsOf(
    base(
      "containers:\n  - { name: web, image: nginx, on: all, ports: ['8080:80'] }\n",
      `  - name: web1\n    address: 10.0.0.2\n    hostKey: ${KEY}\n`,
    ),
  );
  t.deepEqual(problems, ['8:5 hosts[1].name: duplicate host name "web1" (also hosts[0])']);
});

test("a spec built in code is checked the same way, with paths and no positions", (t) => {
  const e = t.throws(() =>
    checkFleetSpec({ hosts: [{ name: "a", address: "10.0.0.1", port: "22", privateKey: { config: "k" }, hostKey: KEY }] }),
  ) as FleetFileError;
  t.deepEqual(e.problems, [{ path: "hosts[0].port", message: 'must be an integer 1-65535 (got string "22")' }]);
});

test("a missing fleet file is one clear problem", (t) => {
  const e = t.throws(() => loadFleet("stacks/nope.yaml")) as FleetFileError;
  t.regex(e.message, /stacks\/nope\.yaml: cannot read the fleet file/);
});

test("schema/fleet.schema.json is the one the schema generates (run `npm run docs`)", (t) => {
  const committed = readFileSync(path.join(REPO, "schema", "fleet.schema.json"), "utf8");
  t.is(committed, schemaFileText());
  const schema = JSON.parse(committed);
  t.is(schema.additionalProperties, false, "unknown top-level keys are refused by editors too");
  t.deepEqual(schema.required, ["hosts"]);
  t.truthy(schema.$defs.SecretRef && schema.$defs.Host && schema.$defs.Container);
});

test("the fleet file reference (docs/fleet-files.md) is the one the schema generates (run `npm run docs`)", (t) => {
  const page = readFileSync(path.join(REPO, FLEET_PAGE), "utf8");
  t.is(page, pageWithReference(page));
  t.regex(page, /\| `bundleSha256` \| string \(pattern\) or \[ConfigRef\]\(#configref\) \| offline: sha256 of the bundle/);
});

test("the GitOps example previews on pull requests, deploys on merge, keeps state in S3 and secrets out of the file", (t) => {
  const { parse } = require("yaml") as typeof import("yaml");
  const wf = parse(readFileSync(path.join(REPO, "examples", "gitops", ".github", "workflows", "fleet.yml"), "utf8"));
  t.truthy(wf.on.pull_request, "runs on pull requests");
  t.deepEqual(wf.on.push.branches, ["main"]);
  t.regex(wf.env.PULUMI_BACKEND_URL, /^s3:\/\//);
  const steps = wf.jobs.deploy.steps as { uses?: string; with?: Record<string, unknown>; run?: string }[];
  const pulumiStep = steps.find((s) => s.uses?.startsWith("pulumi/actions"))!;
  t.is(pulumiStep.with!.command, "${{ github.event_name == 'push' && 'up' || 'preview' }}");
  t.true(steps.findIndex((s) => /loadFleet/.test(s.run ?? "")) < steps.indexOf(pulumiStep), "the fleet file is checked before Pulumi runs");
  t.is(wf.jobs.deploy.concurrency["cancel-in-progress"], false, "an update in progress is never cancelled");
  t.notRegex(
    readFileSync(path.join(REPO, "examples", "gitops", ".github", "workflows", "fleet.yml"), "utf8"),
    /BEGIN OPENSSH|aws_secret_access_key/i,
  );
});

test("FleetFileError is a pulumi RunError (a program shows its problems without a stack trace) and says each problem once", (t) => {
  const p = { file: "stacks/x.yaml", line: 3, col: 5, path: "defaults.privateKey", message: 'config "k" is not set' };
  const err = new FleetFileError([p, { ...p }, { ...p, line: 4 }], "Fleet x");
  t.true(pulumi.RunError.isInstance(err));
  t.true(err instanceof FleetFileError);
  t.is(err.problems.length, 2);
  t.is(
    err.message,
    '[DOCKYARD_FLEET_FILE_INVALID] Fleet x: 2 problems:\n  stacks/x.yaml:3:5: defaults.privateKey: config "k" is not set\n  stacks/x.yaml:4:5: defaults.privateKey: config "k" is not set',
  );
});

test("a part the schema refuses hides no other problem: cross-entry checks run on every part that parsed", (t) => {
  // containers[0].ports is a string, not a list: the checks after it (ports, networks, volumes,
  // swarm) used to stop there, so the clash of containers[2] and the overlap came a run later.
  const problems = problemsOf(
    base(
      `containers:
  - { name: a, image: nginx, on: all, ports: "80:80" }
  - { name: b, image: nginx, on: all, ports: ["8080:80"] }
  - { name: c, image: nginx, on: all, ports: ["8080:80"], volumes: ["nope:/data"] }
networks:
  - { name: n1, on: all, subnet: 10.1.0.0/16 }
  - { name: n2, on: all, subnet: 10.1.2.0/24 }
volumes:
  - { name: v, on: all }
  - { name: v, on: all }
swarm:
  managers: [web1]
  services:
    - { name: s, image: nginx, ports: ["8080:80"] }
`,
      "    prot: 22\n",
    ),
  );
  t.deepEqual(problems, [
    '8:5 hosts[0].prot: unknown key; did you mean "port"?',
    '10:39 containers[0].ports: must be an array (got string "80:80")',
    "12:47 containers[2].ports[0]: host port 8080/tcp on web1 is already taken by containers[1]",
    '12:69 containers[2].volumes[0]: "nope" is not a volume of this fleet (declare it under volumes:, or mount an absolute host path)',
    "15:26 networks[1].subnet: 10.1.2.0/24 overlaps 10.1.0.0/16 of networks[0] on host web1",
    '18:7 volumes[1].name: volume "v" is declared twice on host web1 (also volumes[0])',
    "22:40 swarm.services[0].ports[0]: host port 8080/tcp on web1 is already taken by containers[1]",
  ]);
});

test("a malformed host or target list hides no problem of the other entries", (t) => {
  const problems = problemsOf(
    base(
      `  - 42
containers:
  - { name: b, image: nginx, on: 7, ports: ["8080:80"] }
  - { name: c, image: nginx, on: all, ports: ["8080:80"] }
  - { name: d, image: nginx, on: all, ports: ["8080:80"] }
`,
    ),
  );
  t.true(
    problems.includes("12:47 containers[2].ports[0]: host port 8080/tcp on web1 is already taken by containers[1]"),
    problems.join("\n"),
  );
});

const TOO_DEEP = /nests lists and mappings more than 64 levels deep/;

test("a deeply nested fleet file (10000 lists or mappings) is one problem at file:line:col, not a RangeError", (t) => {
  const n = 10_000;
  const texts = [
    `hosts: ${"[".repeat(n)}${"]".repeat(n)}`,
    `hosts: ${"{a: ".repeat(n)}1${"}".repeat(n)}`,
    `hosts:\n${Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}-`).join("\n")} x\n`,
    base(`containers:\n  - { name: c, image: nginx, on: all, labels: { a: ${"[".repeat(n)}${"]".repeat(n)} } }\n`),
  ];
  for (const text of texts) {
    let error: unknown;
    try {
      parseFleet(text, "deep.yaml");
    } catch (e) {
      error = e;
    }
    t.true(error instanceof FleetFileError, String(error));
    const p = (error as FleetFileError).problems;
    t.is(p.length, 1);
    t.regex(p[0].message, TOO_DEEP);
    t.is(p[0].file, "deep.yaml");
    t.true((p[0].line ?? 0) >= 1 && (p[0].col ?? 0) >= 1);
  }
});

test("nesting the parser reads but the checks would recurse into is refused where it goes too deep", (t) => {
  const problems = problemsOf(base(`containers:\n  - name: c\n    labels: ${"[".repeat(100)}${"]".repeat(100)}\n`));
  t.is(problems.length, 1);
  // The root, containers and its item are 3 levels: the 65th opens at the 62nd bracket of labels.
  t.regex(problems[0], /^10:74 : nests lists and mappings more than 64 levels deep/);
});

test("a spec built in code that nests 10000 deep is one problem with its path", (t) => {
  let v: unknown = [];
  for (let i = 0; i < 10_000; i++) v = [v];
  const e = t.throws(() => checkFleetSpec({ hosts: v })) as FleetFileError;
  t.true(e instanceof FleetFileError);
  t.regex(e.problems[0].message, TOO_DEEP);
  t.true(e.problems[0].path.startsWith("hosts[0][0]"));
});
