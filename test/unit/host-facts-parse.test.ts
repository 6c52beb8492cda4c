import test from "ava";
import { parseFacts, parseOsRelease } from "../../src/model/host-facts";
import { renderFactsProbe } from "../../src/scripts/host-facts";
import { shellcheck } from "./shellcheck";

const SEP = "@@dockyard@@";
const probeOutput = (osRelease: string, extra: Record<string, string> = {}) =>
  [
    `${SEP} kernel`,
    extra.kernel ?? "5.14.0-362.8.1.el9_3.x86_64",
    `${SEP} arch`,
    "x86_64",
    `${SEP} os-release`,
    osRelease,
    `${SEP} init`,
    extra.init ?? "systemd",
    `${SEP} systemd`,
    extra.systemd ?? "yes",
    `${SEP} docker-client`,
    extra.client ?? "",
    `${SEP} docker-server`,
    extra.server ?? "",
    "",
  ].join("\n");

const ROCKY = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"`;

test("os-release: quoted, single-quoted, escaped and bare values", (t) => {
  const r = parseOsRelease(`ID=ubuntu\nNAME='Ubuntu'\nPRETTY_NAME="Ubuntu \\"22.04\\" LTS"\n# comment\nBAD LINE\nVERSION_ID="22.04"`);
  t.deepEqual(r, { ID: "ubuntu", NAME: "Ubuntu", PRETTY_NAME: 'Ubuntu "22.04" LTS', VERSION_ID: "22.04" });
});

test("facts of a Rocky 9 host with docker", (t) => {
  const f = parseFacts(
    probeOutput(ROCKY, {
      client: "Docker version 24.0.7, build afdd53b",
      server: '{"Client":{"Version":"24.0.7"},"Server":{"Version":"24.0.7"}}',
    }),
  );
  t.deepEqual(f, {
    osId: "rocky",
    osIdLike: ["rhel", "centos", "fedora"],
    osVersionId: "9.3",
    osVersionCodename: "",
    osPrettyName: "Rocky Linux 9.3 (Blue Onyx)",
    kernel: "5.14.0-362.8.1.el9_3.x86_64",
    arch: "x86_64",
    init: "systemd",
    systemd: true,
    dockerClientVersion: "24.0.7",
    dockerServerVersion: "24.0.7",
  });
});

test("no docker, no systemd, no ID_LIKE: fields absent or empty, never guessed", (t) => {
  const f = parseFacts(probeOutput(`ID=debian\nVERSION_ID="12"`, { init: "sh", systemd: "no", server: "Cannot connect" }));
  t.is(f.osId, "debian");
  t.deepEqual(f.osIdLike, []);
  t.false(f.systemd);
  t.is(f.init, "sh");
  t.false("dockerClientVersion" in f);
  t.false("dockerServerVersion" in f);
});

test("the probe only reads: no writes, installs or restarts", (t) => {
  const probe = renderFactsProbe();
  t.notRegex(probe, /(>\s*\/(?!dev\/null)|rm |apt|yum|dnf|systemctl (start|restart|stop)|tee )/);
  t.snapshot(probe);
});

test("the probe passes shellcheck as POSIX sh", (t) => {
  t.is(shellcheck(renderFactsProbe()), "");
});

test("cgroup hierarchy and iptables backend: read from their sections, absent when the probe had none", (t) => {
  const withSections = (cgroup: string, iptables: string) =>
    parseFacts(`${probeOutput(ROCKY)}${SEP} cgroup\n${cgroup}\n${SEP} iptables\n${iptables}\n`);
  const cases: [string, string, string, string][] = [
    ["cgroup2fs", "iptables v1.8.10 (nf_tables)", "v2", "nft"],
    ["tmpfs", "iptables v1.8.9 (legacy)", "v1", "legacy"],
    // CentOS 7's iptables names no backend: x_tables.
    ["tmpfs", "iptables v1.4.21", "v1", "legacy"],
    ["none", "none", "none", "none"],
    ["sysfs", "", "none", "none"],
  ];
  for (const [cg, ipt, wantCg, wantIpt] of cases) {
    const f = withSections(cg, ipt);
    t.is(f.cgroup as string | undefined, wantCg, `${cg} -> ${wantCg}`);
    t.is(f.iptables as string | undefined, wantIpt, `${ipt} -> ${wantIpt}`);
  }
  const older = parseFacts(probeOutput(ROCKY));
  t.false("cgroup" in older, "an older probe's output: not guessed");
  t.false("iptables" in older);
});

test("the probe reads the cgroup filesystem type and iptables' own version line, with /usr/sbin off PATH", (t) => {
  const probe = renderFactsProbe();
  t.regex(probe, /stat -fc %T \/sys\/fs\/cgroup/);
  t.regex(probe, /\/usr\/sbin\/iptables \/sbin\/iptables/);
  t.regex(probe, /"\$ipt" --version/);
});
