import test from "ava";
import { changedKeys, RELOADABLE_KEYS, reloadSuffices } from "../../src/model/daemon-reload";

const rows: [string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
  ["nothing changed", { debug: true }, { debug: true }, false],
  ["a mirror changed", { "registry-mirrors": ["http://a"] }, { "registry-mirrors": ["http://b"] }, true],
  ["a mirror added to an empty file", {}, { "registry-mirrors": ["http://a"] }, true],
  ["labels and debug changed", { labels: ["a=1"], debug: false }, { labels: ["a=2"], debug: true }, true],
  ["a reloadable key taken out", { debug: true, "registry-mirrors": ["http://a"] }, { "registry-mirrors": ["http://a"] }, false],
  ["data-root changed", { "data-root": "/a" }, { "data-root": "/b" }, false],
  [
    "a mirror and the storage driver changed",
    { "registry-mirrors": [] },
    { "registry-mirrors": ["http://a"], "storage-driver": "overlay2" },
    false,
  ],
  [
    "a foreign key unchanged beside a reloadable change",
    { "log-driver": "local", debug: false },
    { "log-driver": "local", debug: true },
    true,
  ],
];
for (const [name, before, after, expected] of rows) {
  test(`reloadSuffices: ${name}`, (t) => t.is(reloadSuffices(before, after), expected));
}

test("changedKeys: added, changed and removed keys, sorted; equal values by content", (t) => {
  t.deepEqual(changedKeys({ a: [1], b: 1, c: 1 }, { a: [1], b: 2, d: 1 }), ["b", "c", "d"]);
});

test("the reloadable keys are the ones dockerd's reference lists for 20.10 and later, never a restart-only key", (t) => {
  for (const k of [
    "data-root",
    "storage-driver",
    "log-driver",
    "log-opts",
    "exec-opts",
    "iptables",
    "icc",
    "userns-remap",
    "default-address-pools",
  ])
    t.false(RELOADABLE_KEYS.has(k), k);
  t.true(RELOADABLE_KEYS.has("registry-mirrors"));
  t.true(RELOADABLE_KEYS.has("insecure-registries"));
});
