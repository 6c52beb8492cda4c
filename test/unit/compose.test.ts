import test from "ava";
import { composeEnvText, composeServices } from "../../src/model/compose";
import { SECTION } from "../../src/model/sections";
import {
  checkComposeSpec,
  composeChange,
  composeDrift,
  composeServiceStates,
  type ComposeSpec,
  composeWriteInput,
  sha256Of,
} from "../../src/plan/compose";
import {
  type ComposeHostState,
  parseComposeRead,
  renderComposeDown,
  renderComposeRead,
  renderComposeUp,
  renderComposeWrite,
} from "../../src/scripts/compose";
import { composeProjectSpec } from "../../src/workload/compose-project";
import { shellcheck } from "./shellcheck";

const YAML = "services:\n  backend:\n    image: nginx\n  web:\n    image: nginx\n    ports: ['8080:80']\n";
const spec = (over: Partial<ComposeSpec> = {}): ComposeSpec => ({
  project: "shop",
  composeYaml: YAML,
  services: ["backend", "web"],
  removeVolumesOnDestroy: false,
  waitTimeout: 300,
  ...over,
});
const ENV = "GREETING='hi'\n";

test("compose spec: the services come from the file, the defaults are stated", (t) => {
  t.deepEqual(composeProjectSpec({ projectName: "shop", composeYaml: YAML }), spec());
  t.deepEqual(composeServices("composeYaml", YAML), ["backend", "web"]);
});

const refused: [string, Parameters<typeof composeProjectSpec>[0], RegExp][] = [
  ["a project name compose refuses", { projectName: "Shop App", composeYaml: YAML }, /projectName must be a compose project name/],
  ["a project name with a quote", { projectName: "shop'; rm -rf /", composeYaml: YAML }, /projectName must be/],
  ["no compose file", { projectName: "shop" }, /composeYaml is required \(or composeFile/],
  ["both forms", { projectName: "shop", composeYaml: YAML, composeFile: "x.yaml" }, /composeFile cannot be given with composeYaml/],
  ["a file that is not there", { projectName: "shop", composeFile: "/nonexistent/compose.yaml" }, /composeFile cannot be read \(ENOENT\)/],
  ["YAML that does not parse", { projectName: "shop", composeYaml: "services:\n  web: [\n" }, /composeYaml is not valid YAML \(line \d+/],
  ["no services", { projectName: "shop", composeYaml: "version: '3'\n" }, /composeYaml\.services must be a mapping/],
  ["an empty services", { projectName: "shop", composeYaml: "services: {}\n" }, /composeYaml\.services declares no service/],
  [
    "a bad service name",
    { projectName: "shop", composeYaml: "services:\n  'we b':\n    image: x\n" },
    /composeYaml\.services\.we b must be a service name/,
  ],
  ["a service that is not a mapping", { projectName: "shop", composeYaml: "services:\n  web: nginx\n" }, /services\.web must be a mapping/],
  ["a duplicate key", { projectName: "shop", composeYaml: "services:\n  web: {}\n  web: {}\n" }, /is not valid YAML/],
  ["a wait of zero", { projectName: "shop", composeYaml: YAML, waitTimeout: 0 }, /waitTimeout must be a whole number of seconds from 1/],
];
for (const [label, args, message] of refused) {
  test(`compose spec refused: ${label}`, (t) => {
    t.throws(() => composeProjectSpec(args), { message });
  });
}

test("compose .env: a map becomes literal KEY='value' lines; bad names and multi-line values are refused without quoting the value", (t) => {
  t.is(composeEnvText("env", { A: "x y", B: "$HOME" }), "A='x y'\nB='$HOME'\n");
  t.is(composeEnvText("env", "A=1\n# c\n\nexport B=2"), "A=1\n# c\n\nexport B=2\n");
  t.is(composeEnvText("env", undefined), "");
  t.throws(() => composeEnvText("env", { "BAD NAME": "v" }), { message: /env\.BAD NAME must be an environment variable name/ });
  const e = t.throws(() => composeEnvText("env", { A: "line1\ntopsecret" }));
  t.regex(e.message, /env\.A must be one line/);
  t.false(e.message.includes("topsecret"));
  const e2 = t.throws(() => composeEnvText("env", "A=1\nnot a line topsecret"));
  t.regex(e2.message, /env \(line 2\) must be a KEY=value line/);
  t.false(e2.message.includes("topsecret"));
});

test("compose spec: the provider checks what reaches it too (a state written by hand)", (t) => {
  t.notThrows(() => checkComposeSpec(spec()));
  t.throws(() => checkComposeSpec(spec({ project: "-x" })), { message: /projectName/ });
  t.throws(() => checkComposeSpec(spec({ services: ["web"] })), { message: /other services/ });
});

const changes: [string, Partial<ComposeSpec>, string, "replace" | "update" | "same", ReturnType<typeof composeChange>][] = [
  ["nothing declared differs: the host decides", {}, ENV, "same", "probe"],
  ["another machine: replaced, new first", {}, ENV, "replace", { changes: true, replaces: ["connection"], deleteBeforeReplace: false }],
  ["another project name: replaced", { project: "shop2" }, ENV, "same", { changes: true, replaces: ["spec"], deleteBeforeReplace: false }],
  ["another file: updated in place", { composeYaml: `${YAML}# v2\n` }, ENV, "same", { changes: true }],
  ["another .env: updated in place", {}, "GREETING='ho'\n", "same", { changes: true }],
  ["a rotated key: updated", {}, ENV, "update", { changes: true }],
  ["removeVolumesOnDestroy: updated (state only)", { removeVolumesOnDestroy: true }, ENV, "same", { changes: true }],
];
for (const [label, over, env, connection, want] of changes) {
  test(`compose change: ${label}`, (t) => {
    t.deepEqual(composeChange({ spec: spec(), env: ENV }, { spec: spec(over), env }, connection), want);
  });
}

const running = (service: string, id: string, ports = "") => ({ id, service, state: "running", ports });
const host = (over: Partial<ComposeHostState> = {}): ComposeHostState => ({
  fileSha256: sha256Of(YAML),
  envSha256: sha256Of(ENV),
  composeVersion: "2.26.1",
  containers: [running("backend", "a".repeat(64)), running("web", "b".repeat(64), "0.0.0.0:8080->80/tcp, :::8080->80/tcp")],
  ...over,
});
const drifts: [string, ComposeHostState, string[]][] = [
  ["as declared", host(), []],
  ["a service removed", host({ containers: [running("web", "b".repeat(64))] }), ["service backend has no container"]],
  [
    "a service stopped",
    host({ containers: [running("backend", "a".repeat(64)), { id: "b".repeat(64), service: "web", state: "exited", ports: "" }] }),
    [`service web: container ${"b".repeat(12)} is exited`],
  ],
  [
    "the file edited by hand",
    host({ fileSha256: "c".repeat(64) }),
    ["compose.yaml on the host differs from the declared one (edited by hand?)"],
  ],
  [
    "the files removed",
    host({ fileSha256: undefined, envSha256: undefined }),
    ["compose.yaml is missing on the host", ".env is missing on the host"],
  ],
  ["the .env changed", host({ envSha256: "d".repeat(64) }), [".env on the host differs from the declared one"]],
  [
    "a service not in the file",
    host({ containers: [...host().containers, running("old", "e".repeat(64))] }),
    ["service old is not in the compose file but has containers"],
  ],
  ["no compose plugin", host({ composeVersion: "" }), ["`docker compose` does not answer (no compose plugin, or docker is down)"]],
];
for (const [label, h, want] of drifts) {
  test(`compose drift: ${label}`, (t) => {
    const drift = composeDrift(spec(), ENV, h);
    t.deepEqual(drift, want);
    t.false(drift.join(" ").includes("hi"), "the .env is never quoted");
  });
}

test("compose outputs per service: containers, state, published ports", (t) => {
  t.deepEqual(composeServiceStates(spec(), host().containers), {
    backend: { containerIds: ["a".repeat(64)], state: "running", ports: [] },
    web: { containerIds: ["b".repeat(64)], state: "running", ports: ["0.0.0.0:8080->80/tcp", ":::8080->80/tcp"] },
  });
  t.is(composeServiceStates(spec(), []).web.state, "missing");
});

test("compose read: parsed from its sections; the .env travels base64 on stdin only", (t) => {
  const out = [
    `${SECTION} files`,
    sha256Of(YAML),
    "missing",
    `${SECTION} compose`,
    "2.26.1-4",
    `${SECTION} containers`,
    JSON.stringify({
      ID: "abc",
      Labels: "com.docker.compose.project=shop,com.docker.compose.service=web",
      State: "running",
      Ports: "0.0.0.0:8080->80/tcp",
    }),
    "",
  ].join("\n");
  t.deepEqual(parseComposeRead(out), {
    fileSha256: sha256Of(YAML),
    envSha256: undefined,
    composeVersion: "2.26.1-4",
    containers: [{ id: "abc", service: "web", state: "running", ports: "0.0.0.0:8080->80/tcp" }],
  });
  const input = composeWriteInput(spec(), "SECRET='topsecret'\n");
  const [file, env] = input.split("\n");
  t.is(Buffer.from(file, "base64").toString(), YAML);
  t.is(Buffer.from(env, "base64").toString(), "SECRET='topsecret'\n");
  t.false(renderComposeWrite("shop").includes("topsecret"));
});

test("compose scripts: snapshot and shellcheck", (t) => {
  const scripts = {
    "write, check with config -q, then move into place": renderComposeWrite("shop"),
    "up -d --wait, bounded": renderComposeUp("shop", 300),
    read: renderComposeRead("shop"),
    "down, volumes kept": renderComposeDown("shop", false),
    "down --volumes": renderComposeDown("shop", true),
  };
  for (const [step, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${step} fails shellcheck`);
    t.snapshot(body, step);
  }
  t.regex(scripts["up -d --wait, bounded"], /timeout 330 docker compose -p 'shop' .* up -d --wait --wait-timeout 300 --remove-orphans/);
  t.notRegex(scripts["down, volumes kept"], /--volumes/);
});
