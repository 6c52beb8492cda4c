import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import { detectDistro, SUPPORTED } from "../../src/model/distro";
import { isEndOfLife, SUPPORT_MATRIX, supportMatrixTable, supportedReleases } from "../../src/model/support-matrix";
import { DISTROS, SNAPSHOT_DISTROS } from "./fixtures/os-release";

const README = join(__dirname, "..", "..", "README.md");

/** The first table after the heading `## Supported distributions`, wherever the section is. */
function readmeTable(text: string): string {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^##\s+Supported distributions\s*$/.test(l));
  if (start < 0) throw new Error('README.md has no "## Supported distributions" heading');
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^#{1,2}\s/.test(l));
  const section = end < 0 ? rest : rest.slice(0, end);
  const first = section.findIndex((l) => l.startsWith("|"));
  if (first < 0) throw new Error('the "Supported distributions" section of README.md has no table');
  const table: string[] = [];
  for (const l of section.slice(first)) {
    if (!l.startsWith("|")) break;
    table.push(l.trimEnd());
  }
  return table.join("\n");
}

test("the README's Supported distributions table is the matrix declared in src/model/support-matrix.ts", (t) => {
  const want = supportMatrixTable();
  const got = readmeTable(readFileSync(README, "utf8"));
  t.is(got, want, "README.md's table differs from SUPPORT_MATRIX: paste supportMatrixTable()'s output under the heading");
});

test("the README check finds the table by its heading, and fails on a table that differs", (t) => {
  const doc = (table: string) => `# X\n\n## Other\n\n| a |\n|---|\n\n## Supported distributions\n\nText.\n\n${table}\n\nMore.\n\n## Next\n`;
  t.is(readmeTable(doc(supportMatrixTable())), supportMatrixTable());
  const edited = supportMatrixTable().replace(
    "| Debian | `debian` | 11 (bullseye) | **end of life**",
    "| Debian | `debian` | 11 (bullseye) | supported",
  );
  t.not(edited, supportMatrixTable());
  t.not(readmeTable(doc(edited)), supportMatrixTable());
  t.throws(() => readmeTable("# X\n\n## Distributions\n"), { message: /no "## Supported distributions" heading/ });
});

test("detection accepts exactly the matrix's releases", (t) => {
  t.deepEqual(SUPPORTED, supportedReleases());
  for (const row of SUPPORT_MATRIX) {
    for (const v of row.releases) t.true(SUPPORTED[row.id]?.includes(v), `${row.name} ${v}`);
  }
  const keys = SUPPORT_MATRIX.flatMap((r) => r.releases.map((v) => `${r.id} ${v}`));
  t.is(new Set(keys).size, keys.length, "a release is in one row only");
});

test("every row is backed by a test: a detection fixture, and script snapshots where it says so", (t) => {
  const detected = Object.entries(DISTROS).map(([name, facts]) => {
    const d = detectDistro(facts);
    return { name, key: typeof d === "string" ? "" : `${d.id} ${d.version}` };
  });
  for (const row of SUPPORT_MATRIX) {
    const fixtures = detected.filter((f) => row.releases.some((v) => f.key === `${row.id} ${v}`)).map((f) => f.name);
    t.true(fixtures.length > 0, `${row.name} ${row.releases.join("/")}: no detection fixture in fixtures/os-release.ts`);
    if (row.testing === "snapshots") {
      t.true(
        fixtures.some((n) => (SNAPSHOT_DISTROS as readonly string[]).includes(n)),
        `${row.name} ${row.releases.join("/")}: says script snapshots, but none of ${fixtures.join(", ")} is in SNAPSHOT_DISTROS`,
      );
    }
  }
});

test("a live Debian row is a release the rig boots: 12 by default, 13 as the debian13 flavour in its own live file", (t) => {
  const live = SUPPORT_MATRIX.filter((r) => r.id === "debian" && r.testing === "live").flatMap((r) => r.releases);
  t.deepEqual(live.sort(), ["12", "13"]);
  const rig = readFileSync(join(__dirname, "..", "rig", "rig.ts"), "utf8");
  t.regex(rig, /export type HostFlavour = "debian12" \| "debian13"/);
  const file = readFileSync(join(__dirname, "..", "integration", "debian13.test.ts"), "utf8");
  t.regex(file, /Rig\.start\(\{[^}]*flavour: "debian13"/, "debian13.test.ts boots Debian 13 hosts");
  t.regex(file, /VERSION_CODENAME=trixie/, "and checks they are trixie");
});

test("end of life: CentOS 7, CentOS Stream 8, RHEL 7, Debian 11, Ubuntu 20.04, Fedora before 43, Amazon Linux 2; current ones are not", (t) => {
  for (const [id, v] of [
    ["centos", "7"],
    ["centos", "8"],
    ["rhel", "7"],
    ["debian", "11"],
    ["ubuntu", "20.04"],
    ["fedora", "42"],
    ["fedora", "38"],
    ["amzn", "2"],
  ])
    t.true(isEndOfLife(id, v), `${id} ${v}`);
  for (const [id, v] of [
    ["debian", "13"],
    ["debian", "12"],
    ["ubuntu", "26.04"],
    ["ubuntu", "24.04"],
    ["rhel", "10"],
    ["rocky", "10"],
    ["almalinux", "10"],
    ["ol", "10"],
    ["fedora", "44"],
    ["fedora", "43"],
    ["amzn", "2023"],
  ])
    t.false(isEndOfLife(id, v), `${id} ${v}`);
  t.false(isEndOfLife("debian", "10"), "not in the matrix at all: refused, not end of life");
});
