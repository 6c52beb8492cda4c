import test from "ava";
import { type Distro, detectDistro } from "../../src/model/distro";
import {
  checkEngineSpec,
  type EngineFacts,
  type EngineSpec,
  engineDrift,
  enginePlugins,
  planOnlineEngine,
  renderEngineStep,
} from "../../src/plan/docker-engine";
import { isRefusal } from "../../src/plan/refusal";
import { parseEngineProbe } from "../../src/scripts/engine-service";
import { SECTION } from "../../src/model/sections";
import { DISTROS } from "./fixtures/os-release";

const debian = detectDistro(DISTROS["debian-12"]) as Distro;
const rocky = detectDistro(DISTROS["rocky-9"]) as Distro;
const V24 = "5:24.0.7-1~debian.12~bookworm";

const state = (packages: Record<string, string>, over: Partial<EngineFacts> = {}): EngineFacts => ({
  running: true,
  serverVersion: "24.0.7",
  clientVersion: "24.0.7",
  active: "active",
  enabled: "enabled",
  packages,
  missingFiles: [],
  missingPackagedFiles: [],
  health: { containerd: "active", masked: [] },
  ...over,
});
const online = (over: Partial<EngineSpec> = {}): EngineSpec => ({ method: "online", source: "docker-ce", channel: "stable", ...over });
const engineAt = { "docker-ce": V24, "docker-ce-cli": V24, "containerd.io": "1.6.20-1" };
const both = { "docker-compose-plugin": "2.26.1-1", "docker-buildx-plugin": "0.13.1-1" };

test("engine plugins: compose and buildx by default with docker-ce online, none elsewhere unless given", (t) => {
  t.deepEqual(enginePlugins(online()), ["compose", "buildx"]);
  t.deepEqual(enginePlugins(online({ plugins: ["compose"] })), ["compose"]);
  t.deepEqual(enginePlugins(online({ plugins: [] })), []);
  t.deepEqual(enginePlugins(online({ source: "distro" })), []);
  t.deepEqual(enginePlugins({ method: "offline" }), []);
  t.deepEqual(enginePlugins({ method: "adopt" }), []);
});

const refusals: [string, EngineSpec, RegExp][] = [
  ["an unknown plugin", online({ plugins: ["compose", "swarm" as "compose"] }), /plugins\[1\].*compose, buildx.*"swarm"/],
  ["a plugin twice", online({ plugins: ["compose", "compose"] }), /plugins.*twice/],
  ["plugins from the distribution's packages", online({ source: "distro", plugins: ["compose"] }), /plugins.*docker-ce.*source distro/],
  ["plugins offline", { method: "offline", plugins: ["buildx"] }, /plugins.*method "online".*offline/],
];
for (const [label, spec, message] of refusals) {
  test(`engine plugins refused: ${label}`, (t) => {
    t.throws(() => checkEngineSpec(spec), { message });
  });
}

const rows: [string, EngineSpec, Distro, EngineFacts, unknown[]][] = [
  [
    "fresh install: the plugins in the engine's transaction",
    online(),
    debian,
    state({}, { running: false }),
    [
      {
        kind: "install",
        source: "docker-ce",
        version: V24,
        downgrade: false,
        reinstall: false,
        hold: false,
        plugins: ["docker-compose-plugin", "docker-buildx-plugin"],
      },
    ],
  ],
  ["engine and plugins there: nothing installed", online(), debian, state({ ...engineAt, ...both }), []],
  [
    "compose removed by hand: only it is installed, the engine is not touched",
    online(),
    debian,
    state({ ...engineAt, "docker-buildx-plugin": "0.13.1-1" }),
    [{ kind: "installPlugins", packages: ["docker-compose-plugin"] }],
  ],
  [
    "buildx asked for later: installed beside the engine (rpm)",
    online({ plugins: ["compose", "buildx"] }),
    rocky,
    state({ ...engineAt, "docker-compose-plugin": "2.26.1-1" }),
    [{ kind: "installPlugins", packages: ["docker-buildx-plugin"] }],
  ],
  ["no plugins asked for: none installed", online({ plugins: [] }), debian, state(engineAt), []],
];
for (const [label, spec, d, before, want] of rows) {
  test(`engine plugins plan: ${label}`, (t) => {
    const plan = planOnlineEngine(spec, d, V24, before);
    if (isRefusal(plan)) return t.fail(plan.message);
    t.deepEqual(
      plan.steps.filter((s) => s.kind === "install" || s.kind === "installPlugins"),
      want,
    );
  });
}

test("engine plugins: a missing plugin package is drift; the probe reads compose's version", (t) => {
  t.deepEqual(engineDrift(online(), state({ ...engineAt, ...both }), debian), []);
  t.deepEqual(engineDrift(online(), state({ ...engineAt, "docker-buildx-plugin": "x" }), debian), [
    "package docker-compose-plugin is not installed",
  ]);
  t.deepEqual(engineDrift(online({ plugins: [] }), state(engineAt), debian), []);
  t.is(parseEngineProbe(`${SECTION} compose\n2.26.1-4\n${SECTION} active\nactive\n`).composeVersion, "2.26.1-4");
  t.is(parseEngineProbe(`${SECTION} compose\nv2.26.1\n`).composeVersion, "2.26.1");
  t.is(parseEngineProbe(`${SECTION} compose\n\n`).composeVersion, undefined);
});

test("engine plugins: the install steps name the plugin packages in their scripts", (t) => {
  const install = renderEngineStep({ kind: "installPlugins", packages: ["docker-compose-plugin"] }, debian);
  t.regex(install.script, /apt-get[^\n]* install [^\n]*docker-compose-plugin/);
  t.is(install.what, "installing docker-compose-plugin");
  const full = renderEngineStep(
    {
      kind: "install",
      source: "docker-ce",
      version: V24,
      downgrade: false,
      reinstall: false,
      hold: true,
      plugins: ["docker-buildx-plugin"],
    },
    rocky,
  );
  t.regex(full.script, /install[^\n]*docker-ce-cli[^\n]*containerd\.io[^\n]*docker-buildx-plugin/);
  // The hold covers the engine, not the plugins.
  t.notRegex(full.script, /versionlock add[^\n]*buildx/);
});
