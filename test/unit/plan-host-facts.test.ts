import test from "ava";
import { hostFactsChanged, machineFacts, preflightRefusal } from "../../src/plan/host-facts";
import { refuse } from "../../src/plan/refusal";
import type { HostFacts } from "../../src/model/host-facts";
import { DISTROS } from "./fixtures/os-release";

const debian: HostFacts = { ...DISTROS["debian-12"], kernel: "6.1.0-18-amd64" };

test("preflight: a machine that passes goes on; one that fails is refused with every reason", (t) => {
  t.is(preflightRefusal(debian, undefined), undefined);
  t.deepEqual(
    preflightRefusal({ ...debian, systemd: false, init: "init", arch: "armv7l" }, { minKernel: "6.5" }),
    refuse(
      "DOCKYARD_PREFLIGHT_FAILED",
      "preflight failed, nothing was changed: kernel 6.1.0-18-amd64 is older than the required 6.5; systemd is not running as PID 1 (PID 1 is 'init'); architecture armv7l is not one of x86_64, aarch64",
    ),
  );
  t.is(preflightRefusal({ ...debian, systemd: false }, { requireSystemd: false }), undefined);
});

const conn = { host: "10.0.0.2", port: 22, user: "root" };
const creds = { privateKey: "k" };
const olds = { connection: conn, credentials: creds, facts: { ...debian, dockerClientVersion: "24.0.7", dockerServerVersion: "24.0.7" } };

const rows: [string, { connection: unknown; credentials: unknown; preflight?: { minKernel?: string } }, HostFacts, boolean][] = [
  ["the same machine: no change", { connection: conn, credentials: creds }, debian, false],
  [
    "only docker's versions moved (Dockyard moves them): no change",
    { connection: conn, credentials: creds },
    { ...debian, dockerClientVersion: "25.0.3", dockerServerVersion: "25.0.3" },
    false,
  ],
  ["another kernel: a change", { connection: conn, credentials: creds }, { ...debian, kernel: "6.1.0-20-amd64" }, true],
  [
    "another release: a change",
    { connection: conn, credentials: creds },
    { ...debian, osVersionId: "13", osVersionCodename: "trixie" },
    true,
  ],
  ["a rotated key: a change", { connection: conn, credentials: { privateKey: "k2" } }, debian, true],
  ["another policy: a change", { connection: conn, credentials: creds, preflight: { minKernel: "5.10" } }, debian, true],
];

rows.push([
  "a newer Dockyard reads cgroup and iptables the state has not recorded: no change",
  { connection: conn, credentials: creds },
  { ...debian, cgroup: "v2", iptables: "nft" },
  false,
]);

for (const [label, news, now, want] of rows) {
  test(`host facts diff: ${label}`, (t) => {
    t.is(hostFactsChanged(olds, news, now), want);
  });
}

test("host facts: docker's versions are not part of what the machine is", (t) => {
  t.deepEqual(machineFacts(olds.facts), debian);
  t.deepEqual(machineFacts(undefined), {});
});

test("host facts diff: once recorded, another cgroup hierarchy or iptables backend is the machine changing", (t) => {
  const recorded = { ...olds, facts: { ...olds.facts, cgroup: "v2" as const, iptables: "nft" as const } };
  const news = { connection: conn, credentials: creds };
  t.false(hostFactsChanged(recorded, news, { ...debian, cgroup: "v2", iptables: "nft" }));
  t.true(hostFactsChanged(recorded, news, { ...debian, cgroup: "v1", iptables: "nft" }));
  t.true(hostFactsChanged(recorded, news, { ...debian, cgroup: "v2", iptables: "legacy" }));
});

test("preflight: a machine with no cgroup filesystem is refused naming the fix; v1 and v2 both pass", (t) => {
  const r = preflightRefusal({ ...debian, cgroup: "none" }, undefined);
  t.is(r?.code, "DOCKYARD_PREFLIGHT_FAILED");
  t.regex(
    r?.message ?? "",
    /no cgroup filesystem is mounted at \/sys\/fs\/cgroup, so docker cannot start containers: .*mount -t cgroup2 none \/sys\/fs\/cgroup/,
  );
  t.is(preflightRefusal({ ...debian, cgroup: "v1", iptables: "legacy" }, undefined), undefined);
  t.is(
    preflightRefusal({ ...debian, cgroup: "v2", iptables: "none" }, undefined),
    undefined,
    "iptables is the engine's concern (online packages bring it)",
  );
});
