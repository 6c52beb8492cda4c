// The support matrix, declared once: detection (SUPPORTED in distro.ts) is derived from it, and
// the README's "Supported distributions" table is rendered from it (test/unit/support-matrix.test.ts
// fails when they differ).

/** How a release is tested. */
export type SupportTesting = "live" | "live-flavour" | "snapshots" | "recognised";

/** One row of the matrix: releases of one distribution that share their status and testing. */
export interface SupportRow {
  /** The name people know it by, e.g. `Rocky Linux`. */
  name: string;
  /** os-release `ID`, e.g. `rocky`. */
  id: string;
  /** Releases as detection keys them (the major number; `YY.MM` on Ubuntu). */
  releases: string[];
  /** The apt suites of these releases, where they are apt releases. */
  codenames?: string[];
  /** Past its end of life: `true`, or the date (YYYY-MM-DD) it ended. Still recognised and installed. */
  eol?: true | string;
  testing: SupportTesting;
}

/** Every release Dockyard recognises, newest first within each distribution. */
export const SUPPORT_MATRIX: readonly SupportRow[] = [
  // Live on rig hosts debootstrapped from trixie (test/integration/debian13.test.ts); snapshots too.
  { name: "Debian", id: "debian", releases: ["13"], codenames: ["trixie"], testing: "live" },
  { name: "Debian", id: "debian", releases: ["12"], codenames: ["bookworm"], testing: "live" },
  // Debian LTS for 11 ended 2026-08-31 (distro-info-data); only paid extended support remains.
  { name: "Debian", id: "debian", releases: ["11"], codenames: ["bullseye"], eol: "2026-08-31", testing: "recognised" },
  { name: "Ubuntu", id: "ubuntu", releases: ["26.04", "24.04"], codenames: ["resolute", "noble"], testing: "snapshots" },
  { name: "Ubuntu", id: "ubuntu", releases: ["22.04"], codenames: ["jammy"], testing: "snapshots" },
  // Standard support ended 2025-05-29; ESM (Ubuntu Pro) is not what a user gets by default.
  { name: "Ubuntu", id: "ubuntu", releases: ["20.04"], codenames: ["focal"], eol: "2025-05-29", testing: "recognised" },
  { name: "Red Hat Enterprise Linux", id: "rhel", releases: ["10"], testing: "snapshots" },
  { name: "Red Hat Enterprise Linux", id: "rhel", releases: ["9", "8"], testing: "recognised" },
  { name: "Red Hat Enterprise Linux", id: "rhel", releases: ["7"], eol: "2024-06-30", testing: "recognised" },
  { name: "Rocky Linux", id: "rocky", releases: ["10"], testing: "snapshots" },
  { name: "Rocky Linux", id: "rocky", releases: ["9"], testing: "live-flavour" },
  { name: "Rocky Linux", id: "rocky", releases: ["8"], testing: "recognised" },
  { name: "AlmaLinux", id: "almalinux", releases: ["10"], testing: "snapshots" },
  { name: "AlmaLinux", id: "almalinux", releases: ["9", "8"], testing: "recognised" },
  { name: "Oracle Linux", id: "ol", releases: ["10"], testing: "snapshots" },
  { name: "Oracle Linux", id: "ol", releases: ["9", "8"], testing: "recognised" },
  { name: "CentOS Stream", id: "centos", releases: ["10"], testing: "snapshots" },
  { name: "CentOS Stream", id: "centos", releases: ["9"], testing: "recognised" },
  { name: "CentOS Stream", id: "centos", releases: ["8"], eol: "2024-05-31", testing: "recognised" },
  { name: "CentOS Linux", id: "centos", releases: ["7"], eol: "2024-06-30", testing: "live-flavour" },
  { name: "Fedora", id: "fedora", releases: ["44"], testing: "snapshots" },
  { name: "Fedora", id: "fedora", releases: ["43"], testing: "recognised" },
  { name: "Fedora", id: "fedora", releases: ["42", "41", "40", "39", "38"], eol: true, testing: "recognised" },
  { name: "Amazon Linux", id: "amzn", releases: ["2023"], testing: "live-flavour" },
  { name: "Amazon Linux", id: "amzn", releases: ["2"], eol: "2026-06-30", testing: "recognised" },
];

/** Releases recognised per os-release ID (what detection accepts). */
export function supportedReleases(matrix: readonly SupportRow[] = SUPPORT_MATRIX): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of matrix) out[row.id] = [...(out[row.id] ?? []), ...row.releases];
  return out;
}

/** apt suites per os-release ID and release, for hosts whose os-release has no VERSION_CODENAME. */
export function codenamesOf(id: string, matrix: readonly SupportRow[] = SUPPORT_MATRIX): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of matrix.filter((r) => r.id === id)) row.releases.forEach((v, i) => (out[v] = row.codenames?.[i] ?? ""));
  return out;
}

/** Whether a recognised release is past its end of life (false for one not in the matrix). */
export function isEndOfLife(id: string, version: string, matrix: readonly SupportRow[] = SUPPORT_MATRIX): boolean {
  return matrix.some((r) => r.id === id && r.releases.includes(version) && r.eol !== undefined);
}

const TESTING: Record<SupportTesting, string> = {
  live: "live: rig hosts of this release (`test/integration/`)",
  "live-flavour": "live: rig flavour hosts, dnf on a Debian userland presenting as this release (`rpm-hosts.test.ts`)",
  snapshots: "script snapshots and shellcheck; detection unit-tested",
  recognised: "recognised: detection unit-tested; same scripts as a release with snapshots",
};

/** The README's "Supported distributions" table, rendered from the matrix. */
export function supportMatrixTable(matrix: readonly SupportRow[] = SUPPORT_MATRIX): string {
  const rows = matrix.map((r) => {
    const releases = r.releases.map((v, i) => (r.codenames?.[i] ? `${v} (${r.codenames[i]})` : v)).join(", ");
    const status = r.eol === undefined ? "supported" : r.eol === true ? "**end of life**" : `**end of life** (${r.eol})`;
    return `| ${r.name} | \`${r.id}\` | ${releases} | ${status} | ${TESTING[r.testing]} |`;
  });
  return ["| distribution | os-release ID | releases | status | how it is tested |", "|---|---|---|---|---|", ...rows].join("\n");
}
