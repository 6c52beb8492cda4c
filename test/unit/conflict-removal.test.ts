import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import test from "ava";
import { type Distro, detectDistro } from "../../src/model/distro";
import {
  parseRemovalCheck,
  renderOnlineInstall,
  renderOnlineUninstall,
  renderRemovalCheck,
  renderRemovePackages,
} from "../../src/scripts/engine-online";
import { parseEngineProbe, renderEngineProbe } from "../../src/scripts/engine-service";
import { DISTROS } from "./fixtures/os-release";
import { shellcheck } from "./shellcheck";

const distro = (name: keyof typeof DISTROS): Distro => detectDistro(DISTROS[name]) as Distro;
const debian = distro("debian-12");
const rocky = distro("rocky-9");

// Stand-ins for the package tools, driven by the environment: INSTALLED (names), APT_TAKES (what
// apt's simulation removes beyond the packages asked), RPM_NEEDS (`needed:dependent-NEVRA` pairs,
// what rpm's test of a removal reports). A real removal writes its arguments to $OUT/removed.
const STUBS: Record<string, string> = {
  "dpkg-query": `#!/bin/sh
for a in "$@"; do p="$a"; done
case " $INSTALLED " in *" $p "*) echo "install ok installed" ;; *) exit 1 ;; esac`,
  "apt-get": `#!/bin/sh
sim=""; pkgs=""; seen=""
for a in "$@"; do
  case "$a" in -s) sim=1 ;; remove) seen=1 ;; -*|*=*) ;; *) [ -n "$seen" ] && pkgs="$pkgs $a" ;; esac
done
if [ -n "$sim" ]; then
  echo "NOTE: This is only a simulation!"
  for p in $pkgs $APT_TAKES; do echo "Remv $p [1.0-1]"; done
else
  echo "$pkgs" > "$OUT/removed"
fi`,
  rpm: `#!/bin/sh
if [ "$1" = "-q" ]; then
  for a in "$@"; do p="$a"; done
  case " $INSTALLED " in *" $p "*) exit 0 ;; *) exit 1 ;; esac
fi
if [ "$1" = "-e" ] && [ "$2" = "--test" ]; then
  shift 2
  args=" $* "
  fail=""
  for pair in $RPM_NEEDS; do
    needed="\${pair%%:*}"; by="\${pair#*:}"; name="\${by%-*-*}"
    case "$args" in *" $needed "*) case "$args" in *" $name "*) ;; *) fail=1; printf '\\t%s is needed by (installed) %s\\n' "$needed" "$by" >&2 ;; esac ;; esac
  done
  [ -z "$fail" ] || { echo "error: Failed dependencies:" >&2; exit 1; }
  exit 0
fi
exit 2`,
  dnf: `#!/bin/sh
shift 2
echo "$*" > "$OUT/removed"`,
};

function sandbox(t: { teardown(f: () => void): void }): {
  run(script: string, env: Record<string, string>): { status: number; stdout: string; stderr: string; removed?: string };
} {
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-removal-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(path.join(dir, name), body + "\n");
    chmodSync(path.join(dir, name), 0o755);
  }
  return {
    run(script, env) {
      rmSync(path.join(dir, "removed"), { force: true });
      const r = spawnSync("sh", ["-c", script], {
        env: { PATH: `${dir}:/usr/bin:/bin`, OUT: dir, INSTALLED: "", APT_TAKES: "", RPM_NEEDS: "", ...env },
        encoding: "utf8",
      });
      const file = path.join(dir, "removed");
      return {
        status: r.status ?? -1,
        stdout: r.stdout,
        stderr: r.stderr,
        removed: existsSync(file) ? readFileSync(file, "utf8").trim() : undefined,
      };
    },
  };
}

test("conflict removal, apt: packages that depend on a conflict stop the removal, unless named", (t) => {
  const box = sandbox(t);
  const conflicts = ["docker.io", "containerd", "runc"];
  const refused = box.run(renderRemovePackages(debian, conflicts), { INSTALLED: "containerd runc", APT_TAKES: "podman buildah" });
  t.is(refused.status, 1);
  t.regex(
    refused.stderr,
    /removing the conflicting packages containerd runc would also remove podman buildah, which depend on them; nothing was removed/,
  );
  t.is(refused.removed, undefined, "nothing removed");

  const named = box.run(renderRemovePackages(debian, conflicts, ["podman"]), { INSTALLED: "containerd runc", APT_TAKES: "podman buildah" });
  t.is(named.status, 1, "buildah is not named");
  t.regex(named.stderr, /would also remove buildah,/);

  const all = box.run(renderRemovePackages(debian, conflicts, ["podman", "buildah"]), {
    INSTALLED: "containerd runc",
    APT_TAKES: "podman buildah",
  });
  t.is(all.status, 0, all.stderr);
  t.is(all.removed, "containerd runc");

  const plain = box.run(renderRemovePackages(debian, conflicts), { INSTALLED: "docker.io containerd runc" });
  t.is(plain.status, 0, plain.stderr);
  t.is(plain.removed, "docker.io containerd runc", "only conflicts: removed as before");

  const none = box.run(renderRemovePackages(debian, conflicts), {});
  t.is(none.status, 0);
  t.is(none.removed, undefined);
});

test("conflict removal, rpm: every package that needs a conflict, transitively, stops the removal", (t) => {
  const box = sandbox(t);
  const env = {
    INSTALLED: "runc podman cockpit-podman",
    RPM_NEEDS: "runc:podman-4:4.9.4-1.el9.x86_64 podman:cockpit-podman-84.1-1.el9.noarch",
  };
  const install = renderOnlineInstall(rocky, { source: "docker-ce", version: "3:24.0.7-1.el9", downgrade: false, hold: false });
  const refused = box.run(install, env);
  t.is(refused.status, 1);
  t.regex(refused.stderr, /removing the conflicting packages runc would also remove podman cockpit-podman, which depend on them/);
  t.is(refused.removed, undefined);

  const named = renderOnlineInstall(rocky, {
    source: "docker-ce",
    version: "3:24.0.7-1.el9",
    downgrade: false,
    hold: false,
    replace: ["podman", "cockpit-podman"],
  });
  // Past the removal the stub dnf records the install's arguments: the removal went first.
  const r = box.run(named.split("\ndnf install")[0], env);
  t.is(r.status, 0, r.stderr);
  t.is(r.removed, "runc");
});

test("conflict removal check: what is installed and what its removal takes, read-only", (t) => {
  const box = sandbox(t);
  const check = renderRemovalCheck(debian, ["docker.io", "containerd", "runc"]);
  t.is(shellcheck(check), "");
  const out = box.run(check, { INSTALLED: "containerd runc", APT_TAKES: "podman" });
  t.is(out.status, 0, out.stderr);
  t.is(out.removed, undefined, "a simulation removes nothing");
  t.deepEqual(parseRemovalCheck(out.stdout), { installed: ["containerd", "runc"], takes: ["containerd", "runc", "podman"] });
  t.deepEqual(parseRemovalCheck(box.run(check, {}).stdout), { installed: [], takes: [] });
  const rpmCheck = renderRemovalCheck(rocky, ["runc", "podman-docker"]);
  t.is(shellcheck(rpmCheck), "");
  t.deepEqual(parseRemovalCheck(box.run(rpmCheck, { INSTALLED: "runc podman", RPM_NEEDS: "runc:podman-4:4.9.4-1.el9.x86_64" }).stdout), {
    installed: ["runc"],
    takes: ["runc", "podman"],
  });
});

test("containerd.io is held with a pinned docker-ce and released on unhold and uninstall, on every family", (t) => {
  const rows: [string, RegExp, RegExp][] = [
    ["debian-12", /\napt-mark hold docker-ce docker-ce-cli containerd\.io >/, /\napt-mark unhold docker-ce docker-ce-cli containerd\.io >/],
    [
      "centos-7",
      /\nyum -q versionlock add docker-ce docker-ce-cli containerd\.io >/,
      /yum -q versionlock delete docker-ce docker-ce-cli containerd\.io >/,
    ],
    [
      "rocky-9",
      /\ndnf -q versionlock add docker-ce docker-ce-cli containerd\.io >/,
      /dnf -q versionlock delete docker-ce docker-ce-cli containerd\.io >/,
    ],
  ];
  for (const [name, hold, unhold] of rows) {
    const d = distro(name as keyof typeof DISTROS);
    const pinned = renderOnlineInstall(d, { source: "docker-ce", version: "24.0.7", downgrade: false, hold: true });
    t.regex(pinned, hold, `${name}: held`);
    t.regex(pinned, unhold, `${name}: released before it moves`);
    t.true(pinned.search(unhold) < pinned.search(hold));
    t.notRegex(renderOnlineInstall(d, { source: "docker-ce", downgrade: false, hold: false }), hold, `${name}: not held without a pin`);
    t.regex(renderOnlineUninstall(d, "docker-ce"), unhold, `${name}: released on uninstall`);
  }
});

test("the engine probe counts the engine's containers", (t) => {
  const probe = renderEngineProbe(debian);
  // Bounded by the Engine API bound, and skipped once dockerd was found stalled in the same read.
  t.regex(
    probe,
    /echo '@@dockyard@@ containers'; if dockyard_docker 30 ps -aq; then printf '%s' "\$dockyard_out" \| grep -c \. \|\| true; else echo 0; fi/,
  );
  t.is(parseEngineProbe("@@dockyard@@ containers\n3\n").containers, 3);
  t.is(parseEngineProbe("@@dockyard@@ containers\n0\n").containers, 0);
  t.is(parseEngineProbe("@@dockyard@@ active\nactive\n").containers, undefined, "an older probe's output: not known");
});
