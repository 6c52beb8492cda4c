import test from "ava";
import { type Refusal, refuse } from "../../src/plan/refusal";
import {
  type NamedVolumeSpec,
  type VolumeInfo,
  type VolumePlan,
  planVolume,
  planVolumeRemoval,
  volumeChange,
  volumeCreateOptions,
  volumeIsOurs,
} from "../../src/plan/volume";

const spec = (over: Partial<NamedVolumeSpec> = {}): NamedVolumeSpec => ({
  name: "data",
  driver: "local",
  driverOpts: {},
  labels: {},
  ...over,
});
const info = (over: Partial<VolumeInfo> = {}): VolumeInfo => ({
  Name: "data",
  Driver: "local",
  Mountpoint: "/var/lib/docker/volumes/data/_data",
  Labels: { "dockyard.managed": "true" },
  Options: null,
  ...over,
});
const kept = (what: string) =>
  refuse(
    "DOCKYARD_VOLUME_CONFLICT",
    `volume data has other settings: ${what}. It may hold data, so Dockyard does not remove it: remove it by hand (\`docker volume rm data\`) or choose another name. Nothing was changed`,
  );

const rows: [string, NamedVolumeSpec, VolumeInfo | undefined, VolumePlan | Refusal][] = [
  ["none there: made", spec(), undefined, { kind: "create" }],
  [
    "ours, kept by an earlier destroy: taken back with its data",
    spec(),
    info(),
    { kind: "keep", mountpoint: "/var/lib/docker/volumes/data/_data" },
  ],
  ["not ours: refused, never removed", spec(), info({ Labels: {} }), kept("not created by Dockyard")],
  [
    "ours with other driver options: refused, never removed",
    spec({ driverOpts: { type: "tmpfs" } }),
    info(),
    kept('driver options {}, not {"type":"tmpfs"}'),
  ],
  ["ours without a declared label: refused", spec({ labels: { team: "a" } }), info(), kept("label team is null")],
];

for (const [label, s, existing, want] of rows) {
  test(`volume plan: ${label}`, (t) => {
    t.deepEqual(planVolume(s, existing), want);
  });
}

test("volume destroy: kept with its data unless deleteOnDestroy; only ours removed", (t) => {
  t.deepEqual(planVolumeRemoval(spec(), true), { remove: true });
  t.deepEqual(planVolumeRemoval(spec(), false), {
    remove: false,
    notice:
      "volume data was kept with its data (deleteOnDestroy is not set); remove it with `docker volume rm data` when it is no longer needed",
  });
  t.true(volumeIsOurs(info()));
  t.false(volumeIsOurs(info({ Labels: null })));
  t.false(volumeIsOurs(undefined));
});

const changeRows: [string, NamedVolumeSpec, boolean, string[], boolean, "same" | "update" | "replace", ReturnType<typeof volumeChange>][] =
  [
    ["nothing declared changed: only the host can tell", spec(), false, [], false, "same", "probe"],
    [
      "another machine: replaced",
      spec(),
      false,
      [],
      false,
      "replace",
      { changes: true, replaces: ["connection"], deleteBeforeReplace: true },
    ],
    [
      "another driver: replaced",
      spec({ driver: "nfs" }),
      false,
      [],
      false,
      "same",
      { changes: true, replaces: ["spec"], deleteBeforeReplace: true },
    ],
    ["deleteOnDestroy set: an update (nothing on the host)", spec(), false, [], true, "same", { changes: true }],
    ["drift recorded by refresh: an update", spec(), false, ["volume data is missing"], false, "same", { changes: true }],
  ];

for (const [label, n, oldDelete, drift, newDelete, connection, want] of changeRows) {
  test(`volume diff: ${label}`, (t) => {
    t.deepEqual(
      volumeChange({ spec: spec(), deleteOnDestroy: oldDelete, drift }, { spec: n, deleteOnDestroy: newDelete }, connection),
      want,
    );
  });
}

test("volume create options carry our label", (t) => {
  t.deepEqual(volumeCreateOptions(spec({ driverOpts: { type: "tmpfs" }, labels: { team: "a" } })), {
    Name: "data",
    Driver: "local",
    DriverOpts: { type: "tmpfs" },
    Labels: { team: "a", "dockyard.managed": "true" },
  });
});
