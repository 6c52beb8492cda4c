import { keyPair } from "../rig/keys";
import test, { type ExecutionContext } from "ava";
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Fleet, FleetFileError, loadFleet } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "../integration/support/engine";
import "./support/expected-rejections";
import { assertUnchanged, fingerprint, fingerprintDiff, HostLock, re, readTree } from "./support/hosts";
import { StackPool } from "./support/stacks";

// Bad fleet files, each read by loadFleet for real and deployed by the real CLI (a program that
// is `new Fleet("rel", { spec: loadFleet(file) })`) against a bare rig host: refused with
// file:line:col, the path and what was expected (or, for what only the machine can tell, the
// host), and the host unchanged. The last test deploys the same file without the mistake and
// sees the host change.
let rig: Rig;
let pkgs: DockerPackages;
let h1: RigHost;
let dir: string;
let pool: StackPool;
const lock = new HostLock();
const cases: Promise<unknown>[] = [];

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1, registry: true }), ensureDockerPackages()]);
  [h1] = rig.hosts;
  await rig.pushNginx("latest");
  dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-rel-fleet-"));
  mkdirSync(path.join(dir, "stacks"));
  pool = await StackPool.create("dockyard-rel-fleet", 3);
});

test.after.always(async () => {
  await pool?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await rig?.stop();
});

/**
 * Edits of the valid fleet file: each replaces the line of that key (the first column of the
 * table in fleetLines) with the lines given ([] removes it).
 */
type Edit = Record<string, string[]>;

/** The valid fleet for h1: the journey from an offline bundle, through the rig's registry mirror. */
function fleetLines(edit: Edit = {}): string[] {
  const base: [string, string][] = [
    ["#", "# yaml-language-server: $schema=../schema/fleet.schema.json"],
    ["defaults:", "defaults:"],
    ["privateKey:", "  privateKey: { config: sshKey }"],
    ["connectAttempts:", "  connectAttempts: 2"],
    ["connectTimeout:", "  connectTimeout: 10"],
    ["daemon:", "  daemon:"],
    ["registryMirrors:", `    registryMirrors: ["http://${rig.registry!.address}"]`],
    ["hosts:", "hosts:"],
    ["- name: h1", "  - name: h1"],
    ["address:", `    address: ${h1.address}`],
    ["hostKey:", `    hostKey: "${h1.hostKey}"`],
    ["engine:", "    engine:"],
    ["method:", "      method: offline"],
    ["bundle:", `      bundle: ${pkgs.bundle}`],
    ["bundleSha256:", `      bundleSha256: "${pkgs.bundleSha256}"`],
    ["containers:", "containers:"],
    ["- name: web", "  - name: web"],
    ["image:", "    image: nginx:latest"],
    ["on:", "    on: all"],
    ["ports:", '    ports: ["8080:80"]'],
    ["restartPolicy:", "    restartPolicy: always"],
  ];
  for (const k of Object.keys(edit)) if (!base.some(([key]) => key === k)) throw new Error(`no line ${k} in the fleet file`);
  return base.flatMap(([key, line]) => edit[key] ?? [line]);
}

let fileNo = 0;
function writeFleet(edit: Edit): { file: string; shown: string; lines: string[] } {
  const lines = fleetLines(edit);
  const file = path.join(dir, "stacks", `case${++fileNo}.yaml`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  // Messages name the file as the program was given it, relative to the working directory.
  return { file, shown: path.relative(process.cwd(), file), lines };
}

/** Config the Fleet reads its `{ config: ... }` references from: only the SSH key is set. */
const config = (key: string, secret: boolean) => (key === "sshKey" && secret ? pulumi.secret(rig.privateKey) : undefined);

/** Deploys the file with the real CLI; resolves with the run's error message (the test fails if it succeeds). */
async function deployRefused(t: ExecutionContext, file: string): Promise<string> {
  return pool.run(
    () => new Fleet("rel", { spec: loadFleet(file), config }),
    async (stack) => (await t.throwsAsync(stack.up()))?.message ?? "",
  );
}

interface Expected {
  /** Text of the line the problem is on, and the text its column points at. */
  at: string;
  col: string;
  /** `hosts[0].port`; "" for a YAML syntax error. */
  path: string;
  message: RegExp;
}

/** Registers a case: it counts among those the last test waits for. */
function fleetCase(title: string, body: (t: ExecutionContext) => Promise<void>): void {
  let done!: () => void;
  cases.push(new Promise<void>((r) => (done = r)));
  test(`fleet file: ${title}`, async (t) => {
    try {
      await body(t);
    } finally {
      done();
    }
  });
}

/**
 * A file loadFleet refuses: every problem exactly (file, line, col, path; message), each listed
 * in the error's message as `file:line:col: path: message`; the CLI run refuses it the same way
 * and h1 is unchanged.
 */
function refusedFile(title: string, edit: () => Edit, expected: Expected[], notIn: () => string[] = () => []): void {
  fleetCase(title, async (t) => {
    const { file, shown, lines } = writeFleet(edit());
    const err = t.throws(() => loadFleet(file), { instanceOf: FleetFileError }) as FleetFileError | undefined;
    const want = expected.map((e) => {
      const line = lines.findIndex((l) => l.includes(e.at)) + 1;
      if (line === 0) throw new Error(`no line with ${e.at}`);
      return { file: shown, line, col: lines[line - 1].indexOf(e.col) + 1, path: e.path };
    });
    t.deepEqual(
      err?.problems.map(({ file: f, line, col, path: p }) => ({ file: f, line, col, path: p })),
      want,
    );
    const listed = (i: number) =>
      `${shown}:${want[i].line}:${want[i].col}: ${expected[i].path ? `${expected[i].path}: ` : ""}${err?.problems[i]?.message}`;
    expected.forEach((e, i) => {
      t.regex(err?.problems[i]?.message ?? "", e.message);
      t.true(err?.message.includes(listed(i)), `the error's message lists ${listed(i)}`);
    });
    for (const secret of notIn()) t.false(err?.message.includes(secret), "the error repeats what was written where a secret belongs");
    await lock.shared(async () => {
      const before = await fingerprint(rig, h1);
      const message = await deployRefused(t, file);
      t.true(message.includes(listed(0)), "the CLI run reports the same problem");
      for (const secret of notIn()) t.false(message.includes(secret), "the CLI run repeats a secret");
      await assertUnchanged(t, rig, h1, before);
    });
  });
}

/** A file loadFleet accepts and the deploy refuses: by what it refers to, or by the machine. */
function refusedDeploy(title: string, edit: () => Edit, error: (shown: string, lines: string[]) => RegExp): void {
  fleetCase(title, async (t) => {
    const { file, shown, lines } = writeFleet(edit());
    t.notThrows(() => loadFleet(file));
    await lock.shared(async () => {
      const before = await fingerprint(rig, h1);
      t.regex(await deployRefused(t, file), error(shown, lines));
      await assertUnchanged(t, rig, h1, before);
    });
  });
}

const lineOf = (lines: string[], text: string) => lines.findIndex((l) => l.includes(text)) + 1;
const target = (port = 22) => re(`root@${h1.address}:${port}`);

// --- types and ranges ---
refusedFile("SSH port out of range", () => ({ "connectTimeout:": ["  connectTimeout: 10", "  port: 70000"] }), [
  { at: "port: 70000", col: "port", path: "defaults.port", message: /^must be an integer 1-65535$/ },
]);
refusedFile("SSH port of the wrong type", () => ({ "address:": [`    address: ${h1.address}`, '    port: "22"'] }), [
  { at: 'port: "22"', col: "port", path: "hosts[0].port", message: /^must be an integer 1-65535 \(got string "22"\)$/ },
]);
refusedFile(
  "connectAttempts out of range, an image that is no reference and an unknown restart policy: all three at once",
  () => ({
    "connectAttempts:": ["  connectAttempts: 0"],
    "image:": ["    image: Nginx:Latest"],
    "restartPolicy:": ["    restartPolicy: sometimes"],
  }),
  [
    { at: "connectAttempts: 0", col: "connectAttempts", path: "defaults.connectAttempts", message: /^must be at least 1 \(got 0\)$/ },
    { at: "image: Nginx:Latest", col: "image", path: "containers[0].image", message: /^is not an image reference \(got "Nginx:Latest"\)$/ },
    {
      at: "restartPolicy: sometimes",
      col: "restartPolicy",
      path: "containers[0].restartPolicy",
      message: /^must be one of "no", "always", "unless-stopped", "on-failure" \(got "sometimes"\)$/,
    },
  ],
);
refusedFile("engine method unknown", () => ({ "method:": ["      method: sideways"] }), [
  {
    at: "method: sideways",
    col: "method",
    path: "hosts[0].engine.method",
    message: /^must be one of "online", "offline", "adopt" \(got "sideways"\)$/,
  },
  { at: "bundle: ", col: "bundle", path: "hosts[0].engine.bundle", message: /^applies to method: offline only/ },
  { at: "bundleSha256:", col: "bundleSha256", path: "hosts[0].engine.bundleSha256", message: /^applies to method: offline only/ },
]);
refusedFile("bundleSha256 that is not a sha256", () => ({ "bundleSha256:": ['      bundleSha256: "abc123"'] }), [
  {
    at: 'bundleSha256: "abc123"',
    col: "bundleSha256",
    path: "hosts[0].engine.bundleSha256",
    message: /^must be 64 hex digits \(got "abc123"\)$/,
  },
]);
refusedFile("container port out of range", () => ({ "ports:": ['    ports: ["8080:99999"]'] }), [
  { at: "8080:99999", col: '"8080:99999"', path: "containers[0].ports[0]", message: /^must be an integer 1-65535 \(got 99999\)$/ },
]);
refusedFile(
  "daemon setting of the wrong type",
  () => ({ "registryMirrors:": [`    registryMirrors: ["http://${rig.registry!.address}"]`, '    settings: { debug: "yes" }'] }),
  [{ at: 'debug: "yes"', col: "debug", path: "defaults.daemon.settings.debug", message: /^must be true or false \(got "yes"\)$/ }],
);

// --- unknown keys and names ---
refusedFile("unknown key in a host (a misspelt address)", () => ({ "address:": [`    adress: ${h1.address}`] }), [
  { at: "- name: h1", col: "name", path: "hosts[0].address", message: /^is required/ },
  { at: "adress:", col: "adress", path: "hosts[0].adress", message: /^unknown key; did you mean "address"\?$/ },
]);
refusedFile("unknown top-level key", () => ({ "containers:": ["container:"] }), [
  { at: "container:", col: "container", path: "container", message: /^unknown key; did you mean "containers"\?$/ },
]);
refusedFile(
  "unknown daemon setting",
  () => ({
    "registryMirrors:": [
      `    registryMirrors: ["http://${rig.registry!.address}"]`,
      '    settings: { registry-mirror: ["http://10.0.0.5:5000"] }',
    ],
  }),
  [
    {
      at: "registry-mirror:",
      col: "registry-mirror",
      path: 'defaults.daemon.settings["registry-mirror"]',
      message: /^not a dockerd setting \(did you mean 'registry-mirrors'\?\)$/,
    },
  ],
);
refusedFile("container placed on a host the fleet does not have", () => ({ "on:": ["    on: [h2]"] }), [
  { at: "on: [h2]", col: "h2", path: "containers[0].on[0]", message: /^"h2" is not a host or group of this fleet; did you mean "h1"\?$/ },
]);
refusedFile(
  "two containers publishing one host port",
  () => ({
    "restartPolicy:": ["    restartPolicy: always", "  - name: web2", "    image: nginx:latest", "    on: [h1]", '    ports: ["8080:81"]'],
  }),
  [
    {
      at: '"8080:81"',
      col: '"8080:81"',
      path: "containers[1].ports[0]",
      message: /^host port 8080\/tcp on h1 is already taken by containers\[0\]$/,
    },
  ],
);

// --- bad URLs, keys, secrets, syntax ---
refusedFile(
  "docker-ce mirror with an ftp URL",
  () => ({ "method:": ["      method: online", "      mirror: ftp://mirror.example/docker-ce"], "bundle:": [], "bundleSha256:": [] }),
  [
    {
      at: "mirror: ftp://",
      col: "mirror",
      path: "hosts[0].engine.mirror",
      message: /^must be an http\(s\) URL of letters, .* without query or fragment \(got "ftp:\/\/mirror\.example\/docker-ce"\)$/,
    },
  ],
);
refusedFile("registry mirror without a scheme", () => ({ "registryMirrors:": ['    registryMirrors: ["mirror.example.cn"]'] }), [
  {
    at: "mirror.example.cn",
    col: '"mirror.example.cn"',
    path: "defaults.daemon.registryMirrors[0]",
    message: /^must be an http:\/\/ or https:\/\/ URL/,
  },
]);
refusedFile("host key that is not a public key", () => ({ "hostKey:": ['    hostKey: "ssh-ed25519 not-a-key"'] }), [
  { at: "not-a-key", col: "hostKey", path: "hosts[0].hostKey", message: /^must be an OpenSSH public key line/ },
]);
refusedFile(
  "the SSH private key written into the file",
  () => ({
    "privateKey:": [
      "  privateKey: |",
      ...rig.privateKey
        .trim()
        .split("\n")
        .map((l) => `    ${l}`),
    ],
  }),
  [
    {
      at: "privateKey: |",
      col: "privateKey",
      path: "defaults.privateKey",
      message: /^must be a reference to a Pulumi config secret like \{ config: \w+ \}, never the secret in plain text$/,
    },
  ],
  () => rig.privateKey.split("\n").filter((l) => l.length > 40),
);
refusedFile(
  "a registry password written into the file",
  () => ({
    "restartPolicy:": [
      "    restartPolicy: always",
      "registries:",
      "  - name: private",
      "    host: h1",
      "    users:",
      "      - username: deploy",
      "        password: Plain-pa55-0b9e",
    ],
  }),
  [
    {
      at: "password: Plain",
      col: "password",
      path: "registries[0].users[0].password",
      message: /^must be a reference to a Pulumi config secret/,
    },
  ],
  () => ["Plain-pa55-0b9e"],
);
refusedFile("YAML that does not parse", () => ({ "ports:": ['    ports: ["8080:80"'] }), [
  {
    at: "restartPolicy:",
    col: "restartPolicy",
    path: "",
    message: /Flow sequence in block collection must be sufficiently indented and end with a \]/,
  },
]);

// --- accepted by loadFleet, refused when deployed, host unchanged ---
refusedDeploy(
  "a config reference that is not set",
  () => ({ "privateKey:": ["  privateKey: { config: deployKey }"] }),
  (shown, lines) =>
    new RegExp(
      `${re(shown)}:${lineOf(lines, "deployKey")}:\\d+: defaults\\.privateKey: config "deployKey" is not set: \`pulumi config set --secret deployKey <value>\``,
    ),
);
refusedDeploy(
  "wrong bundleSha256 (another file's)",
  () => ({ "bundleSha256:": [`      bundleSha256: "${"0".repeat(64)}"`] }),
  () => new RegExp(`bundle ${re(pkgs.bundle)} has sha256 ${pkgs.bundleSha256}, not the bundleSha256 given`),
);
refusedDeploy(
  "kernel older than the fleet's preflight minimum",
  () => ({ "connectTimeout:": ["  connectTimeout: 10", '  preflight: { minKernel: "99.0" }'] }),
  () => new RegExp(`${target()}: preflight failed, nothing was changed: kernel \\S+ is older than the required 99\\.0`),
);
refusedDeploy(
  "unreachable host (nothing listens on its port)",
  () => ({ "address:": [`    address: ${h1.address}`, "    port: 2222"] }),
  () => new RegExp(`${target(2222)}: unreachable`),
);
refusedDeploy(
  "wrong host key pinned",
  () => ({ "hostKey:": [`    hostKey: "${keyPair().public.trim()}"`] }),
  () => new RegExp(`${target()}: host key mismatch: the server presented SHA256:\\S+, which is not the pinned key`),
);

refusedFile(
  "a host named twice",
  () => ({
    "bundleSha256:": [
      `      bundleSha256: "${pkgs.bundleSha256}"`,
      "  - name: h1 # the same name again",
      "    address: 10.255.255.9",
      `    hostKey: "${h1.hostKey}"`,
    ],
  }),
  [{ at: "# the same name again", col: "name", path: "hosts[1].name", message: /^duplicate host name "h1" \(also hosts\[0\]\)$/ }],
);

// The harness: the same file without a mistake deploys, and h1 changes.
test("fleet file: control: the valid file deploys and changes h1, with the key from the stack's config", async (t) => {
  await Promise.allSettled(cases);
  await lock.exclusive(async () => {
    const { file } = writeFleet({});
    const before = await fingerprint(rig, h1);
    const { stack, backendDir, cleanup } = await testStack("dockyard-rel-fleet", "control", async () => {
      const fleet = new Fleet("rel", { spec: loadFleet(file) });
      return { hosts: fleet.outputs };
    });
    try {
      await stack.setConfig("sshKey", { value: rig.privateKey, secret: true });
      const up = await stack.up({ diff: true });
      t.is(up.outputs.hosts.value.h1.containers.web.state, "running");
      // The key went in as a config secret: it stays ciphertext in the state files and the output.
      // (Stack.exportStack() runs `pulumi stack export --show-secrets`: it is no place to look.)
      const keyLines = rig.privateKey
        .split("\n")
        .filter((l) => l.length > 40)
        .slice(1);
      t.deepEqual(
        keyLines.filter((l) => readTree(backendDir).includes(l) || up.stdout.includes(l)),
        [],
        "the SSH key in plain text",
      );
    } finally {
      await cleanup();
    }
    const diff = fingerprintDiff(before, await fingerprint(rig, h1));
    for (const seen of [/\+ \/usr\/bin\/dockerd /, /\+ \/etc\/docker\/daemon\.json /, /\+ docker\.service enabled active/, /\+ \S+ web /])
      t.regex(diff, seen);
  });
});
