import test from "ava";
import {
  type DaemonConfigSpec,
  type DaemonFacts,
  type DaemonPlan,
  type DaemonRemovalFacts,
  type DaemonStep,
  daemonChange,
  daemonDrift,
  daemonNotApplied,
  planDaemonConfig,
  planDaemonRemoval,
  renderDaemonStep,
  validationRefusal,
} from "../../src/plan/daemon-config";
import { type Refusal, refuse } from "../../src/plan/refusal";
import {
  type DaemonProbe,
  type DataRootProbe,
  type DockerInfo,
  renderApplyDaemonSettings,
  renderProxyDropIn,
  renderProxyEnvFile,
  renderRemoveProxyDropIn,
  renderRestoreDaemonJson,
  renderValidate,
} from "../../src/scripts/daemon-config";

const T = "root@10.0.0.1:22";
const EXEC = "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock";
const info = (over: Partial<DockerInfo> = {}): DockerInfo => ({
  mirrors: [],
  insecureRegistries: [],
  liveRestore: false,
  loggingDriver: "json-file",
  storageDriver: "overlay2",
  cgroupDriver: "systemd",
  dockerRootDir: "/var/lib/docker",
  httpProxy: "",
  httpsProxy: "",
  noProxy: "",
  ...over,
});
const probe = (over: Partial<DaemonProbe> = {}): DaemonProbe => ({
  file: undefined,
  execStart: EXEC,
  info: info(),
  ...over,
});
const spec = (settings: Record<string, unknown>, over: Partial<DaemonConfigSpec> = {}): DaemonConfigSpec => ({
  settings,
  policy: "merge",
  ...over,
});
const text = (o: Record<string, unknown>) => JSON.stringify(o, null, 2);
const proxy = { http: "http://proxy:3128", noProxy: ["localhost"] };
const mirror = { "registry-mirrors": ["http://10.0.0.5:5000"] };
/** Our proxy files as the probe reads them (a section loses its last newline). */
const ours = (p: { http?: string; https?: string; noProxy?: string[] }) => ({
  proxyDropIn: renderProxyDropIn().replace(/\n$/, ""),
  proxyEnv: renderProxyEnvFile(p).replace(/\n$/, ""),
  proxyEnvMode: "600 root",
});

/** A written file with one restart: validated first when this dockerd can. */
const written = (desired: Record<string, unknown>, validate = true, dropIn: "keep" | "write" | "remove" = "keep"): DaemonPlan => ({
  kind: "plan",
  desired,
  steps: [
    ...(validate ? [{ kind: "validate" as const, content: text(desired) }] : []),
    { kind: "apply", content: text(desired), dropIn, ...(dropIn === "write" ? { proxy } : {}) },
  ],
});
const unchanged = (desired: Record<string, unknown>): DaemonPlan => ({ kind: "plan", desired, steps: [] });

const roots = (over: Partial<DataRootProbe> = {}): DataRootProbe => ({ containers: 2, images: 3, volumes: 0, newRootUsed: false, ...over });

/** A written file dockerd reloads (no restart): only keys it reloads changed. */
const reloaded = (desired: Record<string, unknown>, validate = true): DaemonPlan => ({
  kind: "plan",
  desired,
  steps: [
    ...(validate ? [{ kind: "validate" as const, content: text(desired) }] : []),
    { kind: "apply", content: text(desired), dropIn: "keep", reload: true },
  ],
});

const rows: [string, DaemonConfigSpec, DaemonFacts, string[], boolean, DaemonPlan | Refusal][] = [
  [
    "a mirror changed on a running dockerd: reloaded, not restarted",
    spec(mirror),
    { before: probe({ file: { "registry-mirrors": ["http://old:5000"] } }) },
    ["registry-mirrors"],
    false,
    reloaded(mirror),
  ],
  [
    "mirrors, insecure registries, labels, debug and live-restore added beside foreign keys: reloaded",
    spec({ ...mirror, "insecure-registries": ["10.0.0.5:5000"], labels: ["env=prod"], debug: true, "live-restore": true }),
    { before: probe({ file: { "log-driver": "json-file" } }) },
    [],
    false,
    reloaded({
      debug: true,
      "insecure-registries": ["10.0.0.5:5000"],
      labels: ["env=prod"],
      "live-restore": true,
      "log-driver": "json-file",
      ...mirror,
    }),
  ],
  [
    "a mirror changed while dockerd is stopped: restarted (a reload starts nothing)",
    spec(mirror),
    { before: probe({ file: { "registry-mirrors": ["http://old:5000"] }, info: undefined }) },
    ["registry-mirrors"],
    false,
    written(mirror),
  ],
  [
    "a mirror and the log driver changed: restarted (dockerd does not reload log-driver)",
    spec({ ...mirror, "log-driver": "local" }),
    { before: probe({ file: { "registry-mirrors": ["http://old:5000"], "log-driver": "json-file" } }) },
    ["registry-mirrors", "log-driver"],
    false,
    written({ "log-driver": "local", ...mirror }),
  ],
  [
    "a reloadable key taken out: restarted (dockerd keeps a key the new file does not set)",
    spec(mirror),
    { before: probe({ file: { ...mirror, debug: true } }) },
    ["registry-mirrors", "debug"],
    false,
    written(mirror),
  ],
  [
    "no daemon.json yet on a running dockerd: written, validated, reloaded (a first converge keeps dockerd's one start)",
    spec(mirror),
    { before: probe() },
    [],
    false,
    reloaded(mirror),
  ],
  [
    "no daemon.json yet and a key dockerd does not reload: one restart",
    spec({ "log-driver": "local" }),
    { before: probe() },
    [],
    false,
    written({ "log-driver": "local" }),
  ],
  [
    "replace over a daemon.json that is not JSON: one restart (dockerd could not read it as it was)",
    spec(mirror, { policy: "replace" }),
    { before: probe({ unparsable: "{ broken" }) },
    [],
    false,
    written(mirror),
  ],
  ["daemon.json unchanged: nothing written, no restart", spec(mirror), { before: probe({ file: mirror }) }, [], false, unchanged(mirror)],
  [
    "the same keys in another order: unchanged",
    spec({ "live-restore": true, ...mirror }),
    { before: probe({ file: { ...mirror, "live-restore": true } }) },
    [],
    false,
    unchanged({ "live-restore": true, ...mirror }),
  ],
  [
    "merge: foreign keys kept, ours win, keys we dropped removed",
    spec(mirror),
    { before: probe({ file: { debug: true, "live-restore": true, "registry-mirrors": ["http://old"] } }) },
    ["live-restore", "registry-mirrors"],
    false,
    written({ debug: true, ...mirror }),
  ],
  ["replace: only ours", spec(mirror, { policy: "replace" }), { before: probe({ file: { debug: true } }) }, [], false, written(mirror)],
  [
    "proxy added: the drop-in written with the same single restart",
    spec(mirror, { proxy }),
    { before: probe({ file: mirror }) },
    [],
    false,
    { kind: "plan", desired: mirror, steps: [{ kind: "apply", content: text(mirror), dropIn: "write", proxy }] },
  ],
  [
    "proxy changed by hand: written again",
    spec(mirror, { proxy }),
    { before: probe({ file: mirror, proxyDropIn: "[Service]\n" }) },
    [],
    true,
    { kind: "plan", desired: mirror, steps: [{ kind: "apply", content: text(mirror), dropIn: "write", proxy }] },
  ],
  [
    "proxy as declared: nothing to do",
    spec(mirror, { proxy }),
    { before: probe({ file: mirror, ...ours(proxy) }) },
    [],
    true,
    unchanged(mirror),
  ],
  [
    "proxy no longer declared: ours removed",
    spec(mirror),
    { before: probe({ file: mirror, ...ours(proxy) }) },
    [],
    true,
    { kind: "plan", desired: mirror, steps: [{ kind: "apply", content: text(mirror), dropIn: "remove" }] },
  ],
  [
    "an older Dockyard's drop-in with Environment= lines: replaced by the drop-in and the environment file",
    spec(mirror, { proxy }),
    {
      before: probe({
        file: mirror,
        proxyDropIn:
          '# Written by Dockyard (DaemonConfig proxy): pulumi up puts back any edit.\n[Service]\nEnvironment="HTTP_PROXY=http://proxy:3128"\nEnvironment="NO_PROXY=localhost"',
      }),
    },
    [],
    true,
    { kind: "plan", desired: mirror, steps: [{ kind: "apply", content: text(mirror), dropIn: "write", proxy }] },
  ],
  [
    "the environment file made readable by others: written again",
    spec(mirror, { proxy }),
    { before: probe({ file: mirror, ...ours(proxy), proxyEnvMode: "644 root" }) },
    [],
    true,
    { kind: "plan", desired: mirror, steps: [{ kind: "apply", content: text(mirror), dropIn: "write", proxy }] },
  ],
  [
    "the proxy URL changed: written again",
    spec(mirror, { proxy: { ...proxy, http: "http://other:3128" } }),
    { before: probe({ file: mirror, ...ours(proxy) }) },
    [],
    true,
    {
      kind: "plan",
      desired: mirror,
      steps: [{ kind: "apply", content: text(mirror), dropIn: "write", proxy: { ...proxy, http: "http://other:3128" } }],
    },
  ],
  [
    "an environment file left without its drop-in, proxy no longer declared: removed",
    spec(mirror),
    { before: probe({ file: mirror, proxyEnv: ours(proxy).proxyEnv }) },
    [],
    true,
    { kind: "plan", desired: mirror, steps: [{ kind: "apply", content: text(mirror), dropIn: "remove" }] },
  ],
  [
    "a drop-in Dockyard did not write: left alone",
    spec(mirror),
    { before: probe({ file: mirror, proxyDropIn: "[Service]\n" }) },
    [],
    false,
    unchanged(mirror),
  ],
  [
    "file and proxy both changed: validated, one apply",
    spec(mirror, { proxy }),
    { before: probe() },
    [],
    false,
    written(mirror, true, "write"),
  ],
  [
    "merge into a file that is not JSON: refused",
    spec(mirror),
    { before: probe({ unparsable: "{ nope" }) },
    [],
    false,
    refuse(
      "DOCKYARD_DAEMON_JSON_UNPARSABLE",
      "/etc/docker/daemon.json is not valid JSON, so it cannot be merged: fix it, or use policy 'replace'. Nothing was changed",
    ),
  ],
  [
    "replace over a file that is not JSON: written",
    spec(mirror, { policy: "replace" }),
    { before: probe({ unparsable: "{ nope" }) },
    [],
    false,
    written(mirror),
  ],
  [
    "a default over the host's own value: refused",
    spec({ "log-driver": "json-file" }, { refuseOverwriting: ["log-driver"] }),
    { before: probe({ file: { "log-driver": "journald" } }) },
    [],
    false,
    refuse(
      "DOCKYARD_DAEMON_SETTING_CONFLICT",
      'daemon.json already sets log-driver "journald" (the default is "json-file"), not written by Dockyard: a default does not replace it. Keep the host\'s own with daemon.logRotation: false (or logDriver/logOpts in the fleet file), or write the values you want in the fleet file. Nothing was changed',
    ),
  ],
  [
    "a default over a value Dockyard wrote: replaced",
    spec({ "log-driver": "json-file" }, { refuseOverwriting: ["log-driver"] }),
    { before: probe({ file: { "log-driver": "local" } }) },
    ["log-driver"],
    false,
    written({ "log-driver": "json-file" }),
  ],
  [
    "a key dockerd also gets as a flag: refused",
    spec({ hosts: ["unix:///var/run/docker.sock"] }),
    { before: probe() },
    [],
    false,
    refuse(
      "DOCKYARD_DAEMON_FLAG_CONFLICT",
      "daemon.json sets 'hosts' while docker.service starts dockerd with -H (dockerd refuses both). Remove the setting, or override ExecStart in a drop-in (/etc/systemd/system/docker.service.d/override.conf: 'ExecStart=' then 'ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock'). Nothing was changed",
    ),
  ],
  [
    "data-root moves: the data roots are read first",
    spec({ "data-root": "/data/docker" }),
    { before: probe() },
    [],
    false,
    { kind: "readDataRoots", newRoot: "/data/docker" },
  ],
  [
    "data-root moves away from data: refused",
    spec({ "data-root": "/data/docker" }),
    { before: probe(), roots: roots() },
    [],
    false,
    refuse(
      "DOCKYARD_DATA_ROOT_REFUSED",
      `data-root would change from /var/lib/docker to /data/docker on ${T}, but /var/lib/docker holds 2 container(s), 3 image(s) and 0 volume(s), which docker would no longer see. ` +
        "Dockyard does not move them. To keep them: systemctl stop docker docker.socket; rsync -aHAX /var/lib/docker/ /data/docker/; then run up again (a new data-root that is not empty is used as it is). " +
        "To drop them: docker system prune -a --volumes, then up. Nothing was changed",
    ),
  ],
  [
    "data-root moves to a root already in use: written",
    spec({ "data-root": "/data/docker" }),
    { before: probe(), roots: roots({ newRootUsed: true }) },
    [],
    false,
    written({ "data-root": "/data/docker" }),
  ],
  [
    "data-root moves from an empty root: written",
    spec({ "data-root": "/data/docker" }),
    { before: probe(), roots: roots({ containers: 0, images: 0 }) },
    [],
    false,
    written({ "data-root": "/data/docker" }),
  ],
  [
    "data-root the same but for a slash: no read",
    spec({ "data-root": "/var/lib/docker/" }),
    { before: probe({ file: { "data-root": "/var/lib/docker/" } }) },
    [],
    false,
    unchanged({ "data-root": "/var/lib/docker/" }),
  ],
];

for (const [label, s, facts, ours, hadProxy, want] of rows) {
  test(`daemon.json plan: ${label}`, (t) => {
    t.deepEqual(planDaemonConfig(T, s, facts, ours, hadProxy), want);
  });
}

const removal: [string, DaemonConfigSpec, DaemonRemovalFacts, DaemonStep[]][] = [
  [
    "replace: the first file back",
    spec(mirror, { policy: "replace" }),
    { original: '{"debug":true}' },
    [{ kind: "restore", content: '{"debug":true}', ours: "file" }],
  ],
  [
    "replace: there was none, so none is left",
    spec(mirror, { policy: "replace" }),
    { original: "@@absent@@" },
    [{ kind: "restore", content: undefined, ours: "file" }],
  ],
  ["replace: the first file unknown, daemon.json left", spec(mirror, { policy: "replace" }), { original: "@@unknown@@" }, []],
  [
    "replace with a proxy: the drop-in first, the restore restarts for both",
    spec(mirror, { policy: "replace", proxy }),
    { original: "@@absent@@" },
    [
      { kind: "removeProxyDropIn", restart: false },
      { kind: "restore", content: undefined, ours: "file" },
    ],
  ],
  [
    "replace with a proxy, no first file: the proxy removal restarts",
    spec(mirror, { policy: "replace", proxy }),
    { original: "@@unknown@@" },
    [
      { kind: "removeProxyDropIn", restart: false },
      { kind: "removeProxyDropIn", restart: true },
    ],
  ],
  [
    "merge: only our keys out",
    spec(mirror),
    { original: "@@absent@@", file: { ...mirror, debug: true } },
    [{ kind: "restore", content: text({ debug: true }), ours: "keys" }],
  ],
  [
    "merge: nothing else left and there was no file: removed",
    spec(mirror),
    { original: "@@absent@@", file: mirror },
    [{ kind: "restore", content: undefined, ours: "keys" }],
  ],
  [
    "merge: nothing else left but there was a file: an empty one",
    spec(mirror),
    { original: "{}", file: mirror },
    [{ kind: "restore", content: "{}", ours: "keys" }],
  ],
  ["merge: daemon.json gone already", spec(mirror), { original: "@@absent@@" }, []],
  [
    "merge with a proxy, daemon.json gone: the proxy removal restarts",
    spec(mirror, { proxy }),
    { original: "@@absent@@" },
    [
      { kind: "removeProxyDropIn", restart: false },
      { kind: "removeProxyDropIn", restart: true },
    ],
  ],
];

for (const [label, s, facts, want] of removal) {
  test(`daemon.json destroy: ${label}`, (t) => {
    t.deepEqual(planDaemonRemoval(s, facts), want);
  });
}

test("daemon.json: a rejected --validate is the run's refusal; what did not take effect is said after the apply", (t) => {
  t.deepEqual(
    validationRefusal("  unknown key foo\n"),
    refuse("DOCKYARD_DAEMON_JSON_REJECTED", "dockerd --validate refused the new daemon.json: unknown key foo. Nothing was changed"),
  );
  const after = probe({ file: mirror, info: info({ mirrors: ["http://10.0.0.5:5000/"] }) });
  t.is(daemonNotApplied(spec(mirror), after), undefined);
  t.is(
    daemonNotApplied(spec({ "live-restore": true }), after),
    "daemon.json was written and docker reloaded or restarted, but docker info does not show: live-restore true",
  );
  t.is(
    daemonNotApplied(spec(mirror, { proxy }), after),
    'daemon.json and the proxy settings were written and docker reloaded or restarted, but docker info does not show: HTTP proxy http://proxy:3128 (docker shows ""), no-proxy localhost (docker shows "")',
  );
});

test("daemon.json drift: hand edits, a lost drop-in, settings not in effect", (t) => {
  t.deepEqual(daemonDrift(spec(mirror), probe({ file: mirror, info: info({ mirrors: ["http://10.0.0.5:5000"] }) })), []);
  t.deepEqual(daemonDrift(spec(mirror), probe()), ["daemon.json is missing"]);
  t.deepEqual(daemonDrift(spec(mirror), probe({ unparsable: "{" })), ["daemon.json is not valid JSON"]);
  t.deepEqual(daemonDrift(spec(mirror, { policy: "replace" }), probe({ file: { debug: true } })), [
    "registry-mirrors was removed",
    "debug was added",
  ]);
  t.deepEqual(daemonDrift(spec(mirror, { proxy }), probe({ file: mirror })), [
    "the proxy drop-in /etc/systemd/system/docker.service.d/http-proxy.conf is missing",
    "the proxy environment file /etc/docker/dockyard-proxy.env is missing",
  ]);
  // Changed by hand: said, never quoted (the file holds credentials).
  const edited = {
    ...ours({ http: "http://u:s3cret@proxy:3128" }),
    proxyEnv: "HTTP_PROXY=http://u:s3cret@evil:3128",
    proxyEnvMode: "644 root",
  };
  const drift = daemonDrift(spec(mirror, { proxy: { http: "http://u:s3cret@proxy:3128" } }), probe({ file: mirror, ...edited }));
  t.deepEqual(drift, [
    "the proxy environment file /etc/docker/dockyard-proxy.env was changed",
    "the proxy environment file /etc/docker/dockyard-proxy.env is 644 root, not 600 root",
  ]);
  t.false(drift.join("").includes("s3cret"));
  // A hand edit that put a URL with credentials into daemon.json is masked where drift quotes it.
  const leaked = daemonDrift(spec(mirror), probe({ file: { "registry-mirrors": ["http://u:s3cret@m:5000"] } }));
  t.deepEqual(leaked, ['registry-mirrors is ["http://xxxxx:xxxxx@m:5000"], not ["http://10.0.0.5:5000"]']);
  t.deepEqual(daemonDrift(spec(mirror), probe({ file: mirror })), ["registry mirror http://10.0.0.5:5000 is not in effect"]);
});

test("daemon.json steps render with the script renderers; the proxy environment file goes on stdin only", (t) => {
  const rows: [DaemonStep, ReturnType<typeof renderDaemonStep>][] = [
    [
      { kind: "validate", content: "{}" },
      { script: renderValidate("{}"), what: "validating daemon.json" },
    ],
    [
      { kind: "apply", content: "{}", dropIn: "keep" },
      { script: renderApplyDaemonSettings("{}", "keep"), what: "applying daemon.json" },
    ],
    [
      { kind: "apply", content: "{}", dropIn: "write", proxy },
      {
        script: renderApplyDaemonSettings("{}", "write"),
        what: "applying daemon.json and the proxy settings",
        stdin: renderProxyEnvFile(proxy),
      },
    ],
    [
      { kind: "apply", content: "{}", dropIn: "remove" },
      { script: renderApplyDaemonSettings("{}", "remove"), what: "applying daemon.json and the proxy settings" },
    ],
    [
      { kind: "removeProxyDropIn", restart: false },
      { script: renderRemoveProxyDropIn(false), what: "removing the proxy drop-in and environment file" },
    ],
    [
      { kind: "removeProxyDropIn", restart: true },
      { script: renderRemoveProxyDropIn(true), what: "restarting docker without the proxy" },
    ],
    [
      { kind: "restore", content: undefined, ours: "file" },
      { script: renderRestoreDaemonJson(undefined), what: "restoring daemon.json" },
    ],
    [
      { kind: "restore", content: "{}", ours: "keys" },
      { script: renderRestoreDaemonJson("{}"), what: "removing Dockyard's keys from daemon.json" },
    ],
  ];
  for (const [step, want] of rows) t.deepEqual(renderDaemonStep(step), want, step.kind);
  t.false(
    renderDaemonStep({ kind: "apply", content: "{}", dropIn: "write", proxy }).script.includes("proxy:3128"),
    "the proxy URL is not in the script",
  );
});

test("daemon.json diff: what is an update, what only the host can tell", (t) => {
  const c = { connection: { host: "h" }, credentials: { privateKey: "k" } };
  const o = { ...spec(mirror), ...c };
  t.is(daemonChange(o, { ...o }, true), "probe");
  t.is(daemonChange(o, { ...o, refuseOverwriting: ["log-driver"] }, true), "probe", "only guards the next write");
  t.deepEqual(daemonChange(o, { ...o }, false), { changes: true, replaces: ["connection"], deleteBeforeReplace: false });
  t.deepEqual(daemonChange(o, { ...o, settings: { "live-restore": true } }, true), { changes: true });
  t.deepEqual(daemonChange(o, { ...o, policy: "replace" }, true), { changes: true });
  t.deepEqual(daemonChange(o, { ...o, proxy }, true), { changes: true });
  t.deepEqual(daemonChange(o, { ...o, credentials: { privateKey: "k2" } }, true), { changes: true });
});
