import test from "ava";
import { refuse } from "../../src/plan/refusal";
import {
  type ServiceInfo,
  type TaskInfo,
  planService,
  serviceChange,
  serviceConvergence,
  serviceDrift,
  serviceIsOurs,
  taskBlame,
  trackRunning,
} from "../../src/plan/service";
import { type ServiceSpec, renderServiceSpec } from "../../src/model/service-spec";

const IMG = `nginx@sha256:${"a".repeat(64)}`;
const OLD = `nginx@sha256:${"b".repeat(64)}`;
const policy = { parallelism: 1, delaySeconds: 0, failureAction: "pause" as const, order: "stop-first" as const, monitorSeconds: 5 };
const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: "web",
  image: IMG,
  mode: "replicated",
  replicas: 2,
  ports: [],
  constraints: [],
  labels: {},
  networks: [],
  update: policy,
  rollback: policy,
  convergeTimeoutSeconds: 60,
  ...over,
});
const task = (id: string, state: string, over: Partial<TaskInfo> = {}): TaskInfo => ({
  ID: id,
  Slot: Number(id.slice(1)),
  NodeID: "n1",
  DesiredState: "running",
  Status: { State: state },
  Spec: { ContainerSpec: { Image: IMG } },
  ...over,
});
const info = (over: Partial<ServiceInfo> = {}): ServiceInfo => ({
  ID: "s1",
  Version: { Index: 7 },
  Spec: renderServiceSpec(spec(), {}, {}),
  ...over,
});

test("service plan: created, updated at its version, or refused when it is someone else's", (t) => {
  t.deepEqual(planService(spec(), undefined), { kind: "create" });
  t.deepEqual(planService(spec(), info()), { kind: "update", id: "s1", version: 7 });
  t.deepEqual(
    planService(spec(), info({ Spec: { Labels: { team: "a" } } })),
    refuse("DOCKYARD_NOT_MANAGED", "a service named web exists and was not created by Dockyard: remove or rename it. Nothing was changed"),
  );
  t.deepEqual(planService(spec(), info({ Spec: {} })), { kind: "update", id: "s1", version: 7 }, "no labels at all: taken as ours");
  t.true(serviceIsOurs(info()));
  t.false(serviceIsOurs(info({ Spec: {} })));
  t.false(serviceIsOurs(undefined));
});

const convergeRows: [string, ServiceSpec, ServiceInfo | undefined, TaskInfo[], boolean, ReturnType<typeof serviceConvergence>][] = [
  ["every replica runs: done", spec(), info(), [task("t1", "running"), task("t2", "running")], false, { kind: "done", running: 2 }],
  ["one still starting: wait", spec(), info(), [task("t1", "running"), task("t2", "starting")], false, { kind: "wait" }],
  [
    "an old task still runs: wait",
    spec(),
    info(),
    [task("t1", "running"), task("t2", "running"), task("t3", "running", { Spec: { ContainerSpec: { Image: OLD } } })],
    false,
    { kind: "wait" },
  ],
  [
    "swarm still updating: wait",
    spec(),
    info({ UpdateStatus: { State: "updating" } }),
    [task("t1", "running"), task("t2", "running")],
    false,
    { kind: "wait" },
  ],
  [
    "update paused: failed",
    spec(),
    info({ UpdateStatus: { State: "paused", Message: "update paused due to failure" } }),
    [],
    false,
    { kind: "failed", code: "DOCKYARD_SERVICE_UPDATE_FAILED", message: "service web: the update was paused: update paused due to failure" },
  ],
  [
    "rolled back: failed",
    spec(),
    info({ UpdateStatus: { State: "rollback_completed", Message: "rolled back" } }),
    [],
    false,
    { kind: "failed", code: "DOCKYARD_SERVICE_UPDATE_FAILED", message: "service web: the update was rollback completed: rolled back" },
  ],
  [
    "past the deadline: failed with the count",
    spec(),
    info(),
    [task("t1", "running"), task("t2", "pending")],
    true,
    { kind: "failed", code: "DOCKYARD_SERVICE_NOT_CONVERGED", message: "service web did not converge within 60 s: 1 of 2 tasks running" },
  ],
  [
    "global: every placed task runs",
    spec({ mode: "global", replicas: undefined }),
    info(),
    [task("t1", "running"), task("t2", "running"), task("t3", "running")],
    false,
    { kind: "done", running: 3 },
  ],
];

for (const [label, s, i, tasks, late, want] of convergeRows) {
  test(`service rollout: ${label}`, (t) => {
    // Every running task seen running for a minute: the monitoring window has passed.
    const since = Object.fromEntries(tasks.map((x) => [x.ID, 0]));
    t.deepEqual(serviceConvergence(s, i, tasks, late, { since, now: 60_000, monitorSeconds: 5 }), want);
  });
}

// Task histories: what the manager lists at each look (seconds after the create), and what the
// last look concludes. A task counts as running only once it has stayed running through the
// monitoring window (5 s), so a crash-looping task seen running at one look is not converged.
const historyRows: [string, ServiceSpec, [number, TaskInfo[]][], boolean, ReturnType<typeof serviceConvergence>][] = [
  [
    "running for the whole window: done",
    spec({ replicas: 1 }),
    [0, 1, 2, 3, 4, 5].map((s) => [s, [task("t1", "running")]]),
    false,
    { kind: "done", running: 1 },
  ],
  ["running at one look only: wait", spec({ replicas: 1 }), [[3, [task("t1", "running")]]], false, { kind: "wait" }],
  [
    "running, then failed within the window and restarted as a new task: not converged",
    spec({ replicas: 1 }),
    [
      [0, [task("t1", "running")]],
      [1, [task("t1", "failed", { DesiredState: "shutdown" })]],
      [2, [task("t1", "failed", { DesiredState: "shutdown" }), task("t2", "running")]],
      [3, [task("t1", "failed", { DesiredState: "shutdown" }), task("t2", "running")]],
      [5, [task("t1", "failed", { DesiredState: "shutdown" }), task("t2", "running")]],
    ],
    false,
    { kind: "wait" },
  ],
  [
    "a crash loop seen running at the deadline: failed, none counted as running",
    spec({ replicas: 1, convergeTimeoutSeconds: 20 }),
    [
      [18, [task("t1", "failed", { DesiredState: "shutdown" }), task("t2", "starting")]],
      [19, [task("t1", "failed", { DesiredState: "shutdown" }), task("t2", "running")]],
      [21, [task("t1", "failed", { DesiredState: "shutdown" }), task("t2", "running")]],
    ],
    true,
    {
      kind: "failed",
      code: "DOCKYARD_SERVICE_NOT_CONVERGED",
      message: "service web did not converge within 20 s: 0 of 1 tasks running",
    },
  ],
  [
    "one replica steady, the other restarted within the window: wait",
    spec(),
    [
      [0, [task("t1", "running"), task("t2", "running")]],
      [3, [task("t1", "running"), task("t3", "running")]],
      [6, [task("t1", "running"), task("t3", "running")]],
    ],
    false,
    { kind: "wait" },
  ],
  [
    "the replacement then stays running for the window: done",
    spec(),
    [
      [0, [task("t1", "running"), task("t2", "running")]],
      [3, [task("t1", "running"), task("t3", "running")]],
      [8, [task("t1", "running"), task("t3", "running")]],
    ],
    false,
    { kind: "done", running: 2 },
  ],
  [
    "a window of 0: running at one look is enough",
    spec({ replicas: 1, convergeMonitorSeconds: 0 }),
    [[3, [task("t1", "running")]]],
    false,
    {
      kind: "done",
      running: 1,
    },
  ],
];

for (const [label, s, looks, late, want] of historyRows) {
  test(`service rollout over time: ${label}`, (t) => {
    let since = {};
    let result: ReturnType<typeof serviceConvergence> | undefined;
    for (const [at, tasks] of looks) {
      const now = at * 1000;
      since = trackRunning(tasks, since, now);
      result = serviceConvergence(s, info(), tasks, late && at === looks[looks.length - 1][0], {
        since,
        now,
        monitorSeconds: s.convergeMonitorSeconds ?? 5,
      });
    }
    t.deepEqual(result, want);
  });
}

test("service rollout: the failed task named, newest first, with its node", (t) => {
  const tasks = [
    task("t1", "running"),
    task("t2", "failed", { Status: { State: "failed", Err: "exit 1", Timestamp: "2026-01-01T00:00:01Z" }, NodeID: "n2" }),
    task("t3", "rejected", { Status: { State: "rejected", Err: "no such image", Timestamp: "2026-01-01T00:00:02Z" }, NodeID: undefined }),
  ];
  t.is(taskBlame(tasks, { n2: "w1" }, "web"), "; task web.3 not placed on any node is rejected: no such image");
  t.is(taskBlame(tasks.slice(0, 2), { n2: "w1" }, "web"), "; task web.2 on node w1 is failed: exit 1");
  t.is(taskBlame([task("t1", "running")], {}, "web"), "");
});

test("service drift: missing, settings changed by hand, tasks not all running", (t) => {
  const running = [task("t1", "running"), task("t2", "running")];
  t.deepEqual(serviceDrift(spec(), {}, {}, undefined, []), { drift: ["service web is missing"], running: 0 });
  t.deepEqual(serviceDrift(spec(), {}, {}, info(), running), { drift: [], running: 2 });
  t.deepEqual(serviceDrift(spec(), {}, {}, info(), [task("t1", "running")]), {
    drift: ["service web has 1 of 2 tasks running"],
    running: 1,
  });
  const scaled = serviceDrift(spec(), {}, {}, info({ Spec: renderServiceSpec(spec({ replicas: 5 }), {}, {}) }), running);
  t.true(scaled.drift.length > 0 && scaled.drift.every((d) => !d.includes("tasks running")), scaled.drift.join("; "));
});

const changeRows: [string, ServiceSpec, Record<string, string>, string[], boolean, ReturnType<typeof serviceChange>][] = [
  ["nothing declared changed: only the manager can tell", spec(), {}, [], true, "probe"],
  ["another manager: replaced", spec(), {}, [], false, { changes: true, replaces: ["connection"], deleteBeforeReplace: true }],
  ["another name: replaced", spec({ name: "api" }), {}, [], true, { changes: true, replaces: ["spec"], deleteBeforeReplace: true }],
  ["another mode: replaced", spec({ mode: "global" }), {}, [], true, { changes: true, replaces: ["spec"], deleteBeforeReplace: true }],
  ["another image: a rolling update", spec({ image: OLD }), {}, [], true, { changes: true }],
  ["another environment: a rolling update", spec(), { A: "1" }, [], true, { changes: true }],
  ["drift recorded by refresh: an update", spec(), {}, ["service web is missing"], true, { changes: true }],
];

for (const [label, n, env, drift, same, want] of changeRows) {
  test(`service diff: ${label}`, (t) => {
    t.deepEqual(serviceChange({ spec: spec(), env: {}, drift }, { spec: n, env }, same), want);
  });
}
