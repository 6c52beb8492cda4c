import test from "ava";
import { type Distro, detectDistro } from "../../src/model/distro";
import { preflightProblems } from "../../src/model/preflight";
import { compareVersions } from "../../src/model/version";
import { DISTROS, REFUSED } from "./fixtures/os-release";

const expected: Record<keyof typeof DISTROS, [string, string, string, string?]> = {
  // family, repoOs, package manager, releasever / codename
  "centos-7": ["rhel", "centos", "yum"],
  "centos-stream-8": ["rhel", "centos", "dnf"],
  "centos-stream-9": ["rhel", "centos", "dnf"],
  "centos-stream-10": ["rhel", "centos", "dnf"],
  "rocky-8": ["rhel", "centos", "dnf"],
  "rocky-9": ["rhel", "centos", "dnf"],
  "rocky-10": ["rhel", "centos", "dnf"],
  "alma-9": ["rhel", "centos", "dnf"],
  "alma-10": ["rhel", "centos", "dnf"],
  "oracle-9": ["rhel", "centos", "dnf"],
  "oracle-10": ["rhel", "centos", "dnf"],
  "rhel-7": ["rhel", "centos", "yum"],
  "rhel-9": ["rhel", "rhel", "dnf"],
  "rhel-10": ["rhel", "rhel", "dnf"],
  "fedora-40": ["rhel", "fedora", "dnf"],
  "fedora-43": ["rhel", "fedora", "dnf"],
  "fedora-44": ["rhel", "fedora", "dnf"],
  "amazon-2": ["rhel", "centos", "yum", "7"],
  "amazon-2023": ["rhel", "centos", "dnf", "9"],
  "debian-11": ["debian", "debian", "apt-get", "bullseye"],
  "debian-12": ["debian", "debian", "apt-get", "bookworm"],
  "debian-13": ["debian", "debian", "apt-get", "trixie"],
  "ubuntu-20.04": ["debian", "ubuntu", "apt-get", "focal"],
  "ubuntu-22.04": ["debian", "ubuntu", "apt-get", "jammy"],
  "ubuntu-24.04": ["debian", "ubuntu", "apt-get", "noble"],
  "ubuntu-26.04": ["debian", "ubuntu", "apt-get", "resolute"],
  "mint-21": ["debian", "ubuntu", "apt-get", "jammy"],
};

for (const [name, facts] of Object.entries(DISTROS)) {
  test(`detects ${name}`, (t) => {
    const d = detectDistro(facts);
    if (typeof d === "string") return t.fail(d);
    const [family, repoOs, pm, extra] = expected[name as keyof typeof DISTROS];
    t.is(d.family as string, family);
    t.is(d.repoOs as string, repoOs);
    t.is(d.packageManager as string, pm);
    if (extra) t.is(d.family === "debian" ? d.codename : d.releasever, extra);
    t.is(d.derivative, name === "mint-21");
    t.deepEqual(preflightProblems(facts), []);
  });
}

for (const [name, facts] of Object.entries(REFUSED)) {
  test(`refuses ${name} with the reason`, (t) => {
    const d = detectDistro(facts);
    t.is(typeof d, "string");
    t.regex(d as string, /not supported|not a supported family/);
    t.true((d as string).includes(facts.osPrettyName));
    t.deepEqual(preflightProblems(facts), [d]);
  });
}

test("the 10s of the RHEL family and the new Debian and Ubuntu releases: their docker-ce trees and apt suites", (t) => {
  const d = (n: keyof typeof DISTROS) => detectDistro(DISTROS[n]) as Distro;
  t.is(d("rhel-10").repoOs, "rhel", "RHEL has its own tree from 8 on");
  for (const n of ["rocky-10", "alma-10", "oracle-10", "centos-stream-10"] as const) t.is(d(n).repoOs, "centos", n);
  t.is(d("fedora-44").repoOs, "fedora");
  t.is(d("debian-13").codename, "trixie");
  t.is(d("ubuntu-26.04").codename, "resolute");
  // Without VERSION_CODENAME (a trimmed os-release), the suite comes from the support matrix.
  t.is((detectDistro({ ...DISTROS["debian-13"], osVersionCodename: "" }) as Distro).codename, "trixie");
  t.is((detectDistro({ ...DISTROS["ubuntu-26.04"], osVersionCodename: "" }) as Distro).codename, "resolute");
});

test("Rocky, Alma, Oracle and Amazon Linux are recognised through ID_LIKE or their own ID, never refused for the name", (t) => {
  for (const n of ["rocky-9", "alma-9", "oracle-9", "amazon-2023"] as const) t.not(typeof detectDistro(DISTROS[n]), "string");
});

test("kernel policy: 3.10 minimum by default, configurable, numeric comparison", (t) => {
  const old = { ...DISTROS["centos-7"], kernel: "2.6.32-754.el6.x86_64" };
  t.deepEqual(preflightProblems(old), ["kernel 2.6.32-754.el6.x86_64 is older than the required 3.10"]);
  t.deepEqual(preflightProblems({ ...old, kernel: "3.10.0-1127.el7.x86_64" }), []);
  t.deepEqual(preflightProblems({ ...old, kernel: "3.9.99" }).length, 1);
  t.deepEqual(preflightProblems({ ...old, kernel: "5.4.0" }, { minKernel: "5.10" }), ["kernel 5.4.0 is older than the required 5.10"]);
  t.true(compareVersions("3.10.0-1127.el7", "3.10") >= 0);
  t.true(compareVersions("3.9", "3.10") < 0);
});

test("preflight: systemd, architecture, and every problem at once", (t) => {
  const f = { ...DISTROS["debian-12"], systemd: false, init: "sh", arch: "armv7l", kernel: "3.2.0" };
  const problems = preflightProblems(f);
  t.is(problems.length, 3);
  t.regex(problems.join("\n"), /kernel 3\.2\.0/);
  t.regex(problems.join("\n"), /systemd is not running as PID 1 \(PID 1 is 'sh'\)/);
  t.regex(problems.join("\n"), /architecture armv7l/);
  t.deepEqual(preflightProblems(f, { requireSystemd: false, architectures: ["armv7l"], minKernel: "3.0" }), []);
});
