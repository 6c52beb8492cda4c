import test from "ava";
import {
  checkEngineSpec,
  type EngineFacts,
  type EngineSpec,
  engineDrift,
  enginePlugins,
  planEngineRemoval,
  planOfflineEngine,
  renderEngineStep,
} from "../../src/plan/docker-engine";
import { isRefusal } from "../../src/plan/refusal";
import { OFFLINE_COMPOSE_PLUGIN, composePluginPathOnHost } from "../../src/scripts/engine-offline";

const SHA = "a".repeat(64);
const COMPOSE = "c".repeat(64);
const offline = (over: Partial<EngineSpec> = {}) => ({
  method: "offline" as const,
  bundle: { path: "/b/docker.tgz", sha256: SHA },
  installDir: "/usr/bin",
  ...over,
});
const withCompose = (over: Partial<EngineSpec> = {}) => offline({ composePlugin: { path: "/b/docker-compose", sha256: COMPOSE }, ...over });
const record = (over: Record<string, unknown> = {}) => ({ sha256: SHA, installDir: "/usr/bin", files: ["/usr/bin/dockerd"], ...over });
const state = (over: Partial<EngineFacts> = {}): EngineFacts => ({
  running: true,
  serverVersion: "24.0.7",
  clientVersion: "24.0.7",
  active: "active",
  enabled: "enabled",
  packages: {},
  missingFiles: [],
  missingPackagedFiles: [],
  health: { containerd: "active", masked: [] },
  ...over,
});
const start = (restart: boolean) => [{ kind: "unmask" }, { kind: "start", restart }];
const install = (composeSha256?: string) => ({
  kind: "offlineInstall",
  sha256: SHA,
  installDir: "/usr/bin",
  ...(composeSha256 ? { composeSha256 } : {}),
});

const refusals: [string, EngineSpec, RegExp][] = [
  ["compose offline without the binary", offline({ plugins: ["compose"] }), /composePlugin.*required.*plugins \["compose"\].*offline/],
  ["buildx offline", withCompose({ plugins: ["compose", "buildx"] }), /plugins.*buildx/],
  ["the binary with compose left out", withCompose({ plugins: [] }), /plugins.*leaves compose out/],
  [
    "the binary online",
    { method: "online", composePlugin: { path: "/c", sha256: COMPOSE } },
    /composePlugin.*only applies to method offline/,
  ],
  ["a bad checksum", withCompose({ composePlugin: { path: "/c", sha256: "xyz" } }), /composePluginSha256/],
  ["a URL with a shell in it", withCompose({ composePlugin: { url: "https://x.test/$(id)", sha256: COMPOSE } }), /composePlugin/],
];
for (const [label, spec, message] of refusals) {
  test(`offline compose plugin refused before any host: ${label}`, (t) => {
    t.throws(() => checkEngineSpec(spec), { message });
  });
}

test("offline compose plugin: the binary given makes compose the default plugin, and is accepted", (t) => {
  t.notThrows(() => checkEngineSpec(withCompose()));
  t.notThrows(() => checkEngineSpec(withCompose({ plugins: ["compose"] })));
  t.deepEqual(enginePlugins(withCompose()), ["compose"]);
  t.deepEqual(enginePlugins(offline()), []);
});

const rows: [string, ReturnType<typeof offline>, EngineFacts, unknown[]][] = [
  ["fresh: installed with the bundle", withCompose(), state({ running: false }), [install(COMPOSE), ...start(true)]],
  ["bundle and plugin as recorded: nothing", withCompose(), state({ offline: record({ composeSha256: COMPOSE }) }), start(false)],
  [
    "the bundle there without the plugin: installed again with it",
    withCompose(),
    state({ offline: record() }),
    [install(COMPOSE), ...start(true)],
  ],
  [
    "another plugin binary recorded: installed again",
    withCompose(),
    state({ offline: record({ composeSha256: "d".repeat(64) }) }),
    [install(COMPOSE), ...start(true)],
  ],
  [
    "the plugin file deleted (a recorded file missing): installed again",
    withCompose(),
    state({ offline: record({ composeSha256: COMPOSE }), missingFiles: [OFFLINE_COMPOSE_PLUGIN] }),
    [install(COMPOSE), ...start(true)],
  ],
  ["no plugin given: the step is as before", offline(), state({ offline: record({ composeSha256: COMPOSE }) }), start(false)],
];
for (const [label, spec, before, steps] of rows) {
  test(`offline compose plugin plan: ${label}`, (t) => {
    const plan = planOfflineEngine(spec, undefined, before);
    t.false(isRefusal(plan));
    t.deepEqual(plan, { steps, packageVersion: "" });
  });
}

test("offline compose plugin: the install step installs the uploaded binary, the drift names it", (t) => {
  const { script } = renderEngineStep({ kind: "offlineInstall", sha256: SHA, installDir: "/usr/bin", composeSha256: COMPOSE }, undefined);
  t.true(script.includes(`compose='${composePluginPathOnHost(COMPOSE)}'`));
  t.true(script.includes(`plugin='${OFFLINE_COMPOSE_PLUGIN}'`));
  t.false(renderEngineStep({ kind: "offlineInstall", sha256: SHA, installDir: "/usr/bin" }, undefined).script.includes("compose"));
  t.deepEqual(engineDrift(withCompose(), state({ offline: record() }), undefined), ["the compose plugin is not installed"]);
  t.deepEqual(engineDrift(withCompose(), state({ offline: record({ composeSha256: "d".repeat(64) }) }), undefined), [
    "the installed compose plugin is another one",
  ]);
  t.deepEqual(
    engineDrift(withCompose(), state({ offline: record({ composeSha256: COMPOSE }), missingFiles: [OFFLINE_COMPOSE_PLUGIN] }), undefined),
    [`installed files are missing: ${OFFLINE_COMPOSE_PLUGIN}`],
  );
  t.deepEqual(engineDrift(withCompose(), state({ offline: record({ composeSha256: COMPOSE }) }), undefined), []);
  // Destroy removes the files the record lists, the plugin among them.
  t.deepEqual(planEngineRemoval(withCompose({ uninstallOnDelete: true })).steps, [{ kind: "offlineUninstall" }]);
});
