import test from "ava";
import { checkDockerUsers } from "../../src/engine/docker-users";
import { dockerUsersDrift, dockerUsersPlan } from "../../src/plan/docker-users";
import { parseDockerUsersProbe, renderDockerUsersChange, renderDockerUsersProbe } from "../../src/scripts/docker-users";
import { shellcheck } from "./shellcheck";

const probe = (users: Record<string, "missing" | "exists" | "member">) =>
  parseDockerUsersProbe(
    [
      "@@dockyard@@ group",
      "yes",
      ...Object.entries(users).flatMap(([u, s]) => [
        `@@dockyard@@ user ${u}`,
        ...(s === "missing" ? [] : ["exists"]),
        ...(s === "member" ? ["member"] : []),
      ]),
    ].join("\n") + "\n",
    Object.keys(users),
  );

test("docker users: scripts snapshot and shellcheck", (t) => {
  const scripts = { probe: renderDockerUsersProbe(["deploy", "ci"]), change: renderDockerUsersChange(["deploy"], ["old"]) };
  for (const [name, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${name} fails shellcheck`);
    t.snapshot(body, name);
  }
});

test("docker users: missing users refused, members not claimed, only ours taken out", (t) => {
  const p = probe({ alice: "exists", bob: "missing", carol: "member", old: "member" });
  t.deepEqual(dockerUsersPlan(["alice", "bob"], p, []).missing, ["bob"]);
  t.deepEqual(dockerUsersPlan(["alice", "carol"], p, []), { missing: [], add: ["alice"], remove: [], added: ["alice"] });
  t.deepEqual(dockerUsersPlan(["carol"], p, ["old"]), { missing: [], add: [], remove: ["old"], added: [] });
  t.deepEqual(dockerUsersPlan(["carol"], p, ["carol"]).added, ["carol"], "still ours while declared");
  t.deepEqual(dockerUsersDrift(["alice", "bob", "carol"], p), ["alice is not in the docker group", "user bob does not exist"]);
});

for (const [label, users, path] of [
  ["a name with a space", ["Bad Name"], "users[0]"],
  ["shell characters", ["ok", "x;rm -rf /"], "users[1]"],
  ["upper case", ["Deploy"], "users[0]"],
  ["a name listed twice", ["ci", "ci"], "users[1]"],
] as const) {
  test(`docker users refused: ${label}`, (t) => {
    const e = t.throws(() => checkDockerUsers([...users]));
    t.is((e as unknown as { propertyPath: string }).propertyPath, path);
  });
}
