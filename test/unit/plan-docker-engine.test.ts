import test from "ava";
import { type Distro, detectDistro } from "../../src/model/distro";
import {
  chooseEngineVersion,
  engineChange,
  type EngineFacts,
  type EnginePlan,
  type EngineSpec,
  type EngineStep,
  engineDistro,
  engineDrift,
  planAdoptEngine,
  planEngineRemoval,
  planEngineStart,
  planMethodChange,
  planOfflineEngine,
  planOnlineEngine,
  planOnlinePrepare,
  renderEngineStep,
} from "../../src/plan/docker-engine";
import { isRefusal, type Refusal, refuse } from "../../src/plan/refusal";
import { bundlePathOnHost, renderOfflineInstall, renderOfflineUninstall } from "../../src/scripts/engine-offline";
import {
  renderOnlineInstall,
  renderOnlinePrepare,
  renderOnlineUninstall,
  renderRemovePackages,
  renderRepositoryCommit,
  renderRepositoryRestore,
} from "../../src/scripts/engine-online";
import { renderAdoptCheck, renderServiceStart } from "../../src/scripts/engine-service";
import { renderUnmaskEngine } from "../../src/scripts/engine-health";
import { DISTROS, REFUSED } from "./fixtures/os-release";

const distro = (f: (typeof DISTROS)[keyof typeof DISTROS]): Distro => detectDistro(f) as Distro;
const debian = distro(DISTROS["debian-12"]);
const rocky = distro(DISTROS["rocky-9"]);

const V24 = "5:24.0.7-1~debian.12~bookworm";
const V25 = "5:25.0.3-1~debian.12~bookworm";

/** An engine as the probe reads it: running, enabled, healthy; rows change what they test. */
const state = (over: Partial<EngineFacts> = {}): EngineFacts => ({
  running: true,
  serverVersion: "24.0.7",
  apiVersion: "1.43",
  clientVersion: "24.0.7",
  active: "active",
  enabled: "enabled",
  packages: {},
  missingFiles: [],
  missingPackagedFiles: [],
  health: { containerd: "active", masked: [] },
  ...over,
});

const online = (over: Partial<EngineSpec> = {}): EngineSpec => ({
  method: "online",
  source: "docker-ce",
  mirror: "https://download.docker.com",
  channel: "stable",
  // The rows below are about the engine; the CLI plugins have rows of their own.
  plugins: [],
  ...over,
});
const install = (version: string, o: Partial<Extract<EngineStep, { kind: "install" }>> = {}): EngineStep => ({
  kind: "install",
  source: "docker-ce",
  version,
  downgrade: false,
  reinstall: false,
  hold: false,
  ...o,
});
const start = (restart: boolean): EngineStep[] => [{ kind: "unmask" }, { kind: "start", restart }];
const commit: EngineStep = { kind: "commitRepository" };
const restore: EngineStep = { kind: "restoreRepository", source: "docker-ce" };

const onlineRows: [string, EngineSpec, Distro, string, EngineFacts, EnginePlan | Refusal<EngineStep>][] = [
  [
    "fresh install: the package starts the engine, no restart",
    online(),
    debian,
    V24,
    state({ running: false }),
    { steps: [install(V24), commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "same version: nothing installed, nothing restarted",
    online(),
    debian,
    V24,
    state({ packages: { "docker-ce": V24 } }),
    { steps: [commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "upgrade: installed over the running engine, one restart",
    online(),
    debian,
    V25,
    state({ packages: { "docker-ce": V24 } }),
    { steps: [install(V25), commit, ...start(true)], packageVersion: V25 },
  ],
  [
    "downgrade without allowDowngrade: refused, the repository put back",
    online({ version: "24.0" }),
    debian,
    V24,
    state({ packages: { "docker-ce": V25 } }),
    refuse(
      "DOCKYARD_DOWNGRADE_REFUSED",
      `docker-ce ${V25} is installed and the pin '24.0' resolves to the older ${V24}: set allowDowngrade to downgrade. Nothing was changed`,
      [restore],
    ),
  ],
  [
    "downgrade with allowDowngrade: installed older, held, restarted",
    online({ version: "24.0", allowDowngrade: true }),
    debian,
    V24,
    state({ packages: { "docker-ce": V25 } }),
    { steps: [install(V24, { downgrade: true, hold: true }), commit, ...start(true)], packageVersion: V24 },
  ],
  [
    "packaged files deleted by hand: reinstalled, restarted",
    online(),
    debian,
    V24,
    state({ packages: { "docker-ce": V24 }, missingPackagedFiles: ["/usr/bin/dockerd"] }),
    { steps: [install(V24, { reinstall: true }), commit, ...start(true)], packageVersion: V24 },
  ],
  [
    "a pin holds the package",
    online({ version: "24.0.7" }),
    debian,
    V24,
    state(),
    { steps: [install(V24, { hold: true }), commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "a conflicting package beside the right version: installed again (removes it)",
    online(),
    debian,
    V24,
    state({ packages: { "docker-ce": V24, "docker.io": "24.0.5-0ubuntu1" } }),
    { steps: [install(V24), commit, ...start(true)], packageVersion: V24 },
  ],
  [
    "the distribution's package: no repository backup to commit",
    online({ source: "distro" }),
    debian,
    "20.10.24+dfsg1-1+b3",
    state(),
    { steps: [install("20.10.24+dfsg1-1+b3", { source: "distro" }), ...start(false)], packageVersion: "20.10.24+dfsg1-1+b3" },
  ],
  [
    "the distribution's package refused downgrade: nothing to restore",
    online({ source: "distro", version: "20.10" }),
    debian,
    "20.10.24+dfsg1-1+b3",
    state({ packages: { "docker.io": "26.1.5+dfsg1-1" } }),
    refuse(
      "DOCKYARD_DOWNGRADE_REFUSED",
      "docker.io 26.1.5+dfsg1-1 is installed and the pin '20.10' resolves to the older 20.10.24+dfsg1-1+b3: set allowDowngrade to downgrade. Nothing was changed",
    ),
  ],
  [
    "rpm hosts: the same rules",
    online(),
    rocky,
    "3:25.0.3-1.el9",
    state({ packages: { "docker-ce": "3:24.0.7-1.el9" } }),
    { steps: [install("3:25.0.3-1.el9"), commit, ...start(true)], packageVersion: "3:25.0.3-1.el9" },
  ],
];

for (const [label, spec, d, chosen, before, want] of onlineRows) {
  test(`engine plan, online: ${label}`, (t) => {
    t.deepEqual(planOnlineEngine(spec, d, chosen, before), want);
  });
}

const SHA = "a".repeat(64);
const offline = (over: Partial<EngineSpec> = {}) => ({
  method: "offline" as const,
  bundle: { path: "/tmp/docker.tgz", sha256: SHA },
  ...over,
});
const record = (over: Partial<NonNullable<EngineFacts["offline"]>> = {}) => ({
  sha256: SHA,
  installDir: "/usr/bin",
  files: ["/usr/bin/dockerd"],
  ...over,
});
const removeDebianEngines: EngineStep = {
  kind: "removePackages",
  packages: [
    "docker-ce",
    "docker-ce-cli",
    "containerd.io",
    "docker-buildx-plugin",
    "docker-compose-plugin",
    "docker.io",
    "docker-doc",
    "docker-compose",
    "docker-compose-v2",
    "podman-docker",
    "containerd",
    "runc",
  ],
};
const offlineInstall = (installDir = "/usr/bin"): EngineStep => ({ kind: "offlineInstall", sha256: SHA, installDir });

const offlineRows: [string, ReturnType<typeof offline>, Distro | undefined, EngineFacts, EngineStep[]][] = [
  [
    "fresh: packaged engines removed, bundle installed, restarted",
    offline(),
    debian,
    state({ running: false, clientVersion: undefined }),
    [removeDebianEngines, offlineInstall(), ...start(true)],
  ],
  ["same bundle, files in place: only started", offline(), debian, state({ offline: record() }), start(false)],
  [
    "another bundle: installed again",
    offline(),
    debian,
    state({ offline: record({ sha256: "b".repeat(64) }) }),
    [removeDebianEngines, offlineInstall(), ...start(true)],
  ],
  [
    "another installDir: installed again",
    offline({ installDir: "/opt/docker/bin" }),
    debian,
    state({ offline: record() }),
    [removeDebianEngines, offlineInstall("/opt/docker/bin"), ...start(true)],
  ],
  [
    "installed files deleted: installed again",
    offline(),
    debian,
    state({ offline: record(), missingFiles: ["/usr/bin/dockerd"] }),
    [removeDebianEngines, offlineInstall(), ...start(true)],
  ],
  [
    "no docker client: installed again",
    offline(),
    debian,
    state({ offline: record(), clientVersion: undefined }),
    [removeDebianEngines, offlineInstall(), ...start(true)],
  ],
  [
    "a masked unit: installed again (puts the unit back)",
    offline(),
    debian,
    state({ offline: record(), health: { masked: ["docker.socket"] } }),
    [removeDebianEngines, offlineInstall(), ...start(true)],
  ],
  ["an unknown distribution: no package manager to ask", offline(), undefined, state(), [offlineInstall(), ...start(true)]],
];

for (const [label, spec, d, before, steps] of offlineRows) {
  test(`engine plan, offline: ${label}`, (t) => {
    t.deepEqual(planOfflineEngine(spec, d, before), { steps, packageVersion: "" });
  });
}

test("engine plan: adopt only checks; an offline spec without a bundle only starts", (t) => {
  t.deepEqual(planAdoptEngine(), { steps: [{ kind: "adoptCheck" }], packageVersion: "" });
  t.deepEqual(planEngineStart({ method: "adopt" }, true), []);
  t.deepEqual(planEngineStart({ method: "offline" }, false), start(false));
});

test("engine plan: the repository is prepared from the spec, with the defaults", (t) => {
  t.deepEqual(planOnlinePrepare({ method: "online" }), [
    { kind: "prepareRepository", source: "docker-ce", mirror: "https://download.docker.com", channel: "stable", keySha256: "" },
  ]);
  t.deepEqual(planOnlinePrepare(online({ mirror: "http://mirror:8080", channel: "test" })), [
    { kind: "prepareRepository", source: "docker-ce", mirror: "http://mirror:8080", channel: "test", keySha256: "" },
  ]);
});

const versionRows: [string, EngineSpec, Distro, string[], string | Refusal<EngineStep>][] = [
  ["no pin: the newest", online(), debian, [V24, V25], V25],
  ["a pin: the newest that matches it", online({ version: "24" }), debian, [V24, V25], V24],
  [
    "nothing matches: refused, the repository put back",
    online({ version: "23.0" }),
    debian,
    [V24, V25, V25],
    refuse(
      "DOCKYARD_ENGINE_VERSION_NOT_FOUND",
      "no docker-ce version matches '23.0' in https://download.docker.com (available: 24.0.7, 25.0.3). Nothing was installed",
      [restore],
    ),
  ],
  [
    "the distribution lists none",
    online({ source: "distro" }),
    debian,
    [],
    refuse(
      "DOCKYARD_ENGINE_VERSION_NOT_FOUND",
      "no docker.io version matches any in the distribution's repositories (available: none). Nothing was installed",
    ),
  ],
];

for (const [label, spec, d, available, want] of versionRows) {
  test(`engine plan, version: ${label}`, (t) => {
    t.deepEqual(chooseEngineVersion(spec, d, available), want);
  });
}

test("engine plan, distribution: online needs one the engine has a package for; the others go on without", (t) => {
  t.deepEqual(engineDistro(online(), DISTROS["debian-12"]), debian);
  const gentoo = engineDistro(online(), REFUSED.gentoo);
  t.is((gentoo as Refusal).kind, "refusal");
  t.is((gentoo as Refusal).message, detectDistro(REFUSED.gentoo) as string);
  t.deepEqual(
    engineDistro(online({ source: "distro" }), DISTROS["rocky-9"]),
    refuse(
      "DOCKYARD_ENGINE_SOURCE_UNAVAILABLE",
      'Rocky Linux 9.3 (Blue Onyx) has no Docker engine package of its own; use source "docker-ce" (or a mirror of it). Nothing was changed',
    ),
  );
  t.is(engineDistro(offline(), REFUSED.gentoo), undefined);
  t.deepEqual(engineDistro({ method: "adopt" }, DISTROS["rocky-9"]), rocky);
});

test("engine plan: leaving offline for a package removes the offline install first", (t) => {
  t.deepEqual(planMethodChange(offline(), online()), [{ kind: "offlineUninstall" }]);
  t.deepEqual(planMethodChange(offline(), { method: "adopt" }), []);
  t.deepEqual(planMethodChange(online(), offline()), []);
});

test("engine plan, destroy: kept unless uninstallOnDelete, never an adopted one", (t) => {
  t.deepEqual(planEngineRemoval(online()), { steps: [], notice: "the Docker engine was left in place (uninstallOnDelete is not set)" });
  t.deepEqual(planEngineRemoval({ method: "adopt", uninstallOnDelete: true }), {
    steps: [],
    notice: "the Docker engine was left in place (it was adopted, not installed by Dockyard)",
  });
  t.deepEqual(planEngineRemoval(online({ uninstallOnDelete: true, source: "distro" })), {
    steps: [{ kind: "onlineUninstall", source: "distro" }],
  });
  t.deepEqual(planEngineRemoval(offline({ uninstallOnDelete: true })), { steps: [{ kind: "offlineUninstall" }] });
});

const driftRows: [string, EngineSpec, EngineFacts, Distro | undefined, string | undefined, string[]][] = [
  ["as declared", online(), state({ packages: { "docker-ce": V24 } }), debian, V24, []],
  [
    "not installed",
    online(),
    state({ running: false, clientVersion: undefined, active: "unknown", enabled: "unknown" }),
    debian,
    V24,
    ["docker is not installed", "docker.service is not enabled on boot (unknown)", "package docker-ce is not installed"],
  ],
  [
    "stopped, containerd down, socket masked",
    online(),
    state({
      running: false,
      active: "inactive",
      packages: { "docker-ce": V24 },
      health: { containerd: "inactive", masked: ["docker.socket"] },
    }),
    debian,
    V24,
    ["docker is not running (inactive)", "containerd.service is not running (inactive)", "docker.socket is masked"],
  ],
  [
    "another package version",
    online(),
    state({ packages: { "docker-ce": V25 } }),
    debian,
    V24,
    [`package docker-ce is ${V25}, not ${V24}`],
  ],
  [
    "packaged files missing",
    online(),
    state({ packages: { "docker-ce": V24 }, missingPackagedFiles: ["/usr/bin/dockerd"] }),
    debian,
    V24,
    ["files of the installed packages are missing: /usr/bin/dockerd"],
  ],
  [
    "adopted: only whether it runs",
    { method: "adopt" },
    state({ enabled: "disabled", health: { masked: ["docker.socket"] } }),
    debian,
    undefined,
    [],
  ],
  ["offline: record missing", offline(), state(), undefined, undefined, ["the offline install record is missing"]],
  [
    "offline: another bundle, files missing",
    offline(),
    state({ offline: record({ sha256: "b".repeat(64) }), missingFiles: ["/usr/bin/dockerd"] }),
    undefined,
    undefined,
    ["the installed bundle is another one", "installed files are missing: /usr/bin/dockerd"],
  ],
];

for (const [label, spec, s, d, pv, want] of driftRows) {
  test(`engine drift: ${label}`, (t) => {
    t.deepEqual(engineDrift(spec, s, d, pv), want);
  });
}

test("engine steps render with the script renderers, and say what they do", (t) => {
  const rows: [EngineStep, { script: string; what: string }][] = [
    [{ kind: "adoptCheck" }, { script: renderAdoptCheck(), what: "checking the engine to adopt" }],
    [
      planOnlinePrepare(online())[0]!,
      {
        script: renderOnlinePrepare(debian, "docker-ce", { mirror: "https://download.docker.com", channel: "stable", keySha256: "" }),
        what: "preparing the package repository",
      },
    ],
    [restore, { script: renderRepositoryRestore(debian, "docker-ce"), what: "restoring the package repository" }],
    [
      install(V24, { hold: true }),
      {
        script: renderOnlineInstall(debian, { source: "docker-ce", version: V24, downgrade: false, reinstall: false, hold: true }),
        what: `installing docker-ce ${V24}`,
      },
    ],
    [
      install(V24, { reinstall: true }),
      {
        script: renderOnlineInstall(debian, { source: "docker-ce", version: V24, downgrade: false, reinstall: true, hold: false }),
        what: `reinstalling docker-ce ${V24}`,
      },
    ],
    [commit, { script: renderRepositoryCommit(), what: "dropping the repository backup" }],
    [
      removeDebianEngines,
      { script: renderRemovePackages(debian, (removeDebianEngines as { packages: string[] }).packages), what: "removing packaged engines" },
    ],
    [
      offlineInstall(),
      {
        script: renderOfflineInstall({ bundlePath: bundlePathOnHost(SHA), sha256: SHA, installDir: "/usr/bin" }),
        what: "installing the offline bundle",
      },
    ],
    [{ kind: "offlineUninstall" }, { script: renderOfflineUninstall(), what: "removing the offline install" }],
    [
      { kind: "onlineUninstall", source: "docker-ce" },
      { script: renderOnlineUninstall(debian, "docker-ce"), what: "removing the engine" },
    ],
    [{ kind: "unmask" }, { script: renderUnmaskEngine(), what: "unmasking docker's units" }],
    [
      { kind: "start", restart: true },
      { script: renderServiceStart({ restart: true }), what: "starting docker" },
    ],
  ];
  // Every step starts by setting the host's download bound (the default here).
  const bounded = (s: string) => s.replace(/^set -eu\n/, "set -eu\nDOCKYARD_DOWNLOAD_TIMEOUT=60\n");
  for (const [step, want] of rows) t.deepEqual(renderEngineStep(step, debian), { ...want, script: bounded(want.script) }, step.kind);
  t.throws(() => renderEngineStep(install(V24), undefined), { message: "engine step install needs the host's distribution" });
});

const conn = { host: "10.0.0.2", port: 22, user: "root" };
const key = { privateKey: "k" };
const changeRows: [string, EngineSpec, EngineSpec, unknown, boolean, ReturnType<typeof engineChange>][] = [
  ["nothing declared changed: only the host can tell", online(), online(), key, true, "probe"],
  ["uninstallOnDelete unset either way: the same", online(), online({ uninstallOnDelete: undefined }), key, true, "probe"],
  [
    "another machine: replaced, the new engine first",
    online(),
    online(),
    key,
    false,
    { changes: true, replaces: ["connection"], deleteBeforeReplace: false },
  ],
  ["another version pin: an update", online(), online({ version: "25.0" }), key, true, { changes: true }],
  ["another method: an update", online(), offline(), key, true, { changes: true }],
  ["uninstallOnDelete set: an update (nothing on the host)", online(), online({ uninstallOnDelete: true }), key, true, { changes: true }],
  ["a rotated key: an update", online(), online(), { privateKey: "k2" }, true, { changes: true }],
];

for (const [label, o, n, credentials, same, want] of changeRows) {
  test(`engine diff: ${label}`, (t) => {
    t.deepEqual(engineChange({ spec: o, connection: conn, credentials: key }, { spec: n, connection: conn, credentials }, same), want);
  });
}

// --- Nothing lost: an engine in use and the packages that depend on a conflict are removed only by name ---

const DEBIAN_IO = "20.10.24+dfsg1-1+deb12u1+b6";
/** The distribution's docker.io running, with containers (and its containerd and runc). */
const debianEngine = (over: Partial<EngineFacts> = {}) =>
  state({ packages: { "docker.io": DEBIAN_IO, containerd: "1.6.20~ds1-1+b1", runc: "1.1.5+ds1-1+deb12u1" }, containers: 2, ...over });
const ioRemoval = { installed: ["docker.io", "containerd", "runc"], takes: ["docker.io", "containerd", "runc"] };
const inUse = (undo: EngineStep[]) =>
  refuse(
    "DOCKYARD_ENGINE_IN_USE",
    "the installed docker.io, containerd and runc conflict with the engine to install and would be removed, but the engine running here has 2 containers that the removal would stop: " +
      'use method "adopt" to keep this engine, or replacePackages: ["docker.io","containerd","runc"] to replace it. Nothing was changed',
    undo,
  );

const lostRows: [
  string,
  EngineSpec,
  Distro,
  EngineFacts,
  { installed: string[]; takes: string[] } | undefined,
  EnginePlan | Refusal<EngineStep>,
][] = [
  ["docker.io running with containers: refused, the repository put back", online(), debian, debianEngine(), ioRemoval, inUse([restore])],
  [
    "the same seen by the probe alone (no simulation): refused",
    online(),
    debian,
    debianEngine({ containers: 1 }),
    undefined,
    refuse(
      "DOCKYARD_ENGINE_IN_USE",
      "the installed docker.io, containerd and runc conflict with the engine to install and would be removed, but the engine running here has 1 container that the removal would stop: " +
        'use method "adopt" to keep this engine, or replacePackages: ["docker.io","containerd","runc"] to replace it. Nothing was changed',
      [restore],
    ),
  ],
  ["only some of them named: refused", online({ replacePackages: ["docker.io"] }), debian, debianEngine(), ioRemoval, inUse([restore])],
  [
    "every one named: replaced",
    online({ replacePackages: ["docker.io", "containerd", "runc"] }),
    debian,
    debianEngine(),
    ioRemoval,
    { steps: [install(V24, { replace: ["docker.io", "containerd", "runc"] }), commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "no containers: replaced as before",
    online(),
    debian,
    debianEngine({ containers: 0 }),
    ioRemoval,
    { steps: [install(V24), commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "the engine not running: replaced as before",
    online(),
    debian,
    debianEngine({ running: false, serverVersion: undefined }),
    ioRemoval,
    { steps: [install(V24), commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "no conflicting package, containers on docker-ce: upgraded as before",
    online(),
    debian,
    state({ packages: { "docker-ce": V24 }, containers: 5 }),
    { installed: [], takes: [] },
    { steps: [install(V25), commit, ...start(true)], packageVersion: V25 },
  ],
  [
    "runc and containerd would take podman with them: refused naming it",
    online(),
    debian,
    state({ running: false, packages: { containerd: "1.6.20~ds1-1+b1", runc: "1.1.5+ds1-1+deb12u1" } }),
    { installed: ["containerd", "runc"], takes: ["containerd", "podman", "runc"] },
    refuse(
      "DOCKYARD_CONFLICT_DEPENDENTS",
      'removing the conflicting containerd and runc would also remove podman, which depends on them: name it in replacePackages too (["podman"]) to remove it, or use method "adopt". Nothing was changed',
      [restore],
    ),
  ],
  [
    "podman named: removed with them",
    online({ replacePackages: ["podman"] }),
    debian,
    state({ running: false, packages: { containerd: "1.6.20~ds1-1+b1", runc: "1.1.5+ds1-1+deb12u1" } }),
    { installed: ["containerd", "runc"], takes: ["containerd", "podman", "runc"] },
    { steps: [install(V24, { replace: ["podman"] }), commit, ...start(false)], packageVersion: V24 },
  ],
  [
    "rpm hosts: RHEL's docker running with containers, cri-o depending on runc: the engine is named first",
    online(),
    rocky,
    state({ packages: { docker: "2:1.13.1-210.git7d71120.el7", runc: "4:1.1.12-1.el9" }, containers: 3 }),
    { installed: ["docker", "runc"], takes: ["docker", "runc", "cri-o"] },
    refuse(
      "DOCKYARD_ENGINE_IN_USE",
      "the installed docker and runc conflict with the engine to install and would be removed, but the engine running here has 3 containers that the removal would stop: " +
        'use method "adopt" to keep this engine, or replacePackages: ["docker","runc"] to replace it. Nothing was changed',
      [restore],
    ),
  ],
  [
    "rpm hosts: the engine named, cri-o not: refused naming cri-o",
    online({ replacePackages: ["docker", "runc"] }),
    rocky,
    state({ packages: { docker: "2:1.13.1-210.git7d71120.el7", runc: "4:1.1.12-1.el9" }, containers: 3 }),
    { installed: ["docker", "runc"], takes: ["docker", "runc", "cri-o"] },
    refuse(
      "DOCKYARD_CONFLICT_DEPENDENTS",
      'removing the conflicting docker and runc would also remove cri-o, which depends on them: name it in replacePackages too (["docker","runc","cri-o"]) to remove it, or use method "adopt". Nothing was changed',
      [restore],
    ),
  ],
  [
    "source distro on a docker-ce engine with containers: refused, nothing to restore",
    online({ source: "distro" }),
    debian,
    state({ packages: { "docker-ce": V24, "docker-ce-cli": V24, "containerd.io": "1.6.20-1" }, containers: 1 }),
    { installed: ["docker-ce", "docker-ce-cli", "containerd.io"], takes: ["docker-ce", "docker-ce-cli", "containerd.io"] },
    refuse(
      "DOCKYARD_ENGINE_IN_USE",
      "the installed docker-ce, docker-ce-cli and containerd.io conflict with the engine to install and would be removed, but the engine running here has 1 container that the removal would stop: " +
        'use method "adopt" to keep this engine, or replacePackages: ["docker-ce","docker-ce-cli","containerd.io"] to replace it. Nothing was changed',
    ),
  ],
];

for (const [label, spec, d, before, removal, want] of lostRows) {
  test(`engine plan, conflicts: ${label}`, (t) => {
    // The version the repository offers: the plan's own, or any for a refusal.
    const chosen = isRefusal(want) ? (d === rocky ? "3:25.0.3-1.el9" : V24) : want.packageVersion;
    const plan = planOnlineEngine(spec, d, chosen, before, removal);
    t.deepEqual(plan, want);
  });
}

test("engine plan, conflicts, offline: packaged engines in use are not removed unless named", (t) => {
  t.deepEqual(planOfflineEngine(offline(), debian, debianEngine(), ioRemoval), inUse([]), "refused, nothing to put back");
  t.deepEqual(planOfflineEngine(offline({ replacePackages: ["docker.io", "containerd", "runc"] }), debian, debianEngine(), ioRemoval), {
    steps: [{ ...removeDebianEngines, replace: ["docker.io", "containerd", "runc"] }, offlineInstall(), ...start(true)],
    packageVersion: "",
  });
  t.deepEqual(planOfflineEngine(offline(), debian, debianEngine({ containers: 0 }), ioRemoval), {
    steps: [removeDebianEngines, offlineInstall(), ...start(true)],
    packageVersion: "",
  });
});

test("engine steps, conflicts: the names the user gave reach the removal's check", (t) => {
  const step = install(V24, { hold: true, replace: ["docker.io", "podman"] });
  const { script } = renderEngineStep(step, debian);
  const bounded = (s: string) => s.replace(/^set -eu\n/, "set -eu\nDOCKYARD_DOWNLOAD_TIMEOUT=60\n");
  t.is(
    script,
    bounded(
      renderOnlineInstall(debian, {
        source: "docker-ce",
        version: V24,
        downgrade: false,
        reinstall: false,
        hold: true,
        replace: ["docker.io", "podman"],
      }),
    ),
  );
  t.regex(script, /allowed=' docker\.io docker-doc docker-compose docker-compose-v2 podman-docker containerd runc podman '/);
  const removal = renderEngineStep({ kind: "removePackages", packages: ["docker.io"], replace: ["podman"] }, debian).script;
  t.is(removal, bounded(renderRemovePackages(debian, ["docker.io"], ["podman"])));
  t.regex(removal, /allowed=' docker\.io podman '/);
});
