import test from "ava";
import {
  type DockerUsersFacts,
  type DockerUsersStep,
  dockerUsersChange,
  planDockerUsers,
  planDockerUsersRemoval,
  renderDockerUsersStep,
} from "../../src/plan/docker-users";
import { type Refusal, refuse } from "../../src/plan/refusal";
import { renderDockerUsersChange } from "../../src/scripts/docker-users";

const facts = (users: Record<string, "missing" | "exists" | "member">): DockerUsersFacts => ({
  group: true,
  users: Object.fromEntries(Object.entries(users).map(([u, s]) => [u, { exists: s !== "missing", member: s === "member" }])),
});

const rows: [string, string[], DockerUsersFacts, string[], { steps: DockerUsersStep[]; added: string[] } | Refusal][] = [
  [
    "a user not in the group: added, and ours",
    ["deploy"],
    facts({ deploy: "exists" }),
    [],
    { steps: [{ kind: "changeGroup", add: ["deploy"], remove: [] }], added: ["deploy"] },
  ],
  ["already a member: nothing to do, not claimed", ["deploy"], facts({ deploy: "member" }), [], { steps: [], added: [] }],
  [
    "added by us before and still declared: nothing to do, still ours",
    ["deploy"],
    facts({ deploy: "member" }),
    ["deploy"],
    { steps: [], added: ["deploy"] },
  ],
  [
    "dropped from the list, added by us: taken out",
    ["ci"],
    facts({ ci: "member", deploy: "member" }),
    ["ci", "deploy"],
    { steps: [{ kind: "changeGroup", add: [], remove: ["deploy"] }], added: ["ci"] },
  ],
  [
    "put back in the group after a hand edit, still ours",
    ["deploy"],
    facts({ deploy: "exists" }),
    ["deploy"],
    { steps: [{ kind: "changeGroup", add: ["deploy"], remove: [] }], added: ["deploy"] },
  ],
  [
    "a user that does not exist: refused",
    ["deploy", "ghost"],
    facts({ deploy: "exists", ghost: "missing" }),
    [],
    refuse(
      "DOCKYARD_USER_MISSING",
      'dockerUsers: user "ghost" does not exist on this host; create it first, or take it out of dockerUsers. Nothing was changed',
    ),
  ],
  [
    "two that do not exist: refused, both named",
    ["a", "b"],
    facts({ a: "missing", b: "missing" }),
    [],
    refuse(
      "DOCKYARD_USER_MISSING",
      'dockerUsers: user "a", user "b" do not exist on this host; create them first, or take them out of dockerUsers. Nothing was changed',
    ),
  ],
];

for (const [label, users, p, before, want] of rows) {
  test(`docker users plan: ${label}`, (t) => {
    t.deepEqual(planDockerUsers(users, p, before), want);
  });
}

test("docker users destroy: only the users Dockyard added, rendered by the script renderer", (t) => {
  t.deepEqual(planDockerUsersRemoval(undefined), []);
  t.deepEqual(planDockerUsersRemoval([]), []);
  t.deepEqual(planDockerUsersRemoval(["deploy"]), [{ kind: "changeGroup", add: [], remove: ["deploy"] }]);
  const step: DockerUsersStep = { kind: "changeGroup", add: ["a"], remove: ["b"] };
  t.deepEqual(renderDockerUsersStep(step, "run"), { script: renderDockerUsersChange(["a"], ["b"]), what: "changing the docker group" });
  t.deepEqual(renderDockerUsersStep(step, "destroy"), {
    script: renderDockerUsersChange(["a"], ["b"]),
    what: "taking Dockyard's users out of the docker group",
  });
});

test("docker users diff: what is an update, what only the host can tell", (t) => {
  const o = { users: ["deploy"], connection: { host: "h" }, credentials: { privateKey: "k" } };
  t.is(dockerUsersChange(o, { ...o }, true), "probe");
  t.deepEqual(dockerUsersChange(o, { ...o }, false), { changes: true, replaces: ["connection"], deleteBeforeReplace: false });
  t.deepEqual(dockerUsersChange(o, { ...o, users: ["deploy", "ci"] }, true), { changes: true });
  t.deepEqual(dockerUsersChange(o, { ...o, credentials: { privateKey: "k2" } }, true), { changes: true });
});
