import test from "ava";
import { type DockerPackages, ensureDockerPackages, startPackageServer } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "../integration/support/engine";
import "./support/expected-rejections";
import { assertNothingLost, daemonJson, errorLines } from "./support/faults";
import "./support/expected-rejections";
import { re } from "./support/hosts";
import { changesOf, journey } from "./support/programs";

// Faults during an online engine install (docker-ce from the rig's signed mirror, apt on the
// host). The killed session happens in a fleet of two: the faulty host installs online, the other
// (from the offline bundle) gets a change in the same run. Every host ends up with the journey:
// engine, daemon.json with a mirror, nginx as `web` with a restart policy. Runs are plain `pulumi up` (see faults-runtime for --continue-on-error).
let rig: Rig;
let pkgs: DockerPackages;
let packageMirror: string;
let packageKey: string;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 3, registry: true }), ensureDockerPackages()]);
  ({ baseUrl: packageMirror, keyFingerprint: packageKey } = await startPackageServer(rig.runId, rig.labels()));
  await rig.pushNginx("latest");
});

test.after.always(async () => {
  await rig?.stop();
});

const hubMirror = () => `http://${rig.registry!.address}`;
const target = (h: RigHost) => re(`root@${h.address}:22`);

/**
 * `online` installs docker-ce 24.0.7 from the mirror (once `withOnline()` is true); `other` runs
 * the journey from the bundle, with `otherDaemon()` settings.
 */
function fleet(online: RigHost, other: RigHost, withOnline = () => true, otherDaemon = (): Record<string, unknown> => ({})) {
  return async () => {
    if (withOnline()) {
      journey(rig, online, pkgs, hubMirror(), {
        engine: {
          method: "online",
          bundle: undefined,
          bundleSha256: undefined,
          mirror: packageMirror,
          mirrorKeyFingerprint: packageKey,
          allowInsecureHttp: true,
          version: "24.0.7",
        },
      });
    }
    journey(rig, other, pkgs, hubMirror(), { daemon: otherDaemon() });
    return {};
  };
}

const webId = (h: RigHost) => rig.exec(h, "docker inspect -f '{{.Id}}' web").then((s) => s.trim());

/** The journey is there: docker-ce (online) or docker (offline) running, the mirror in daemon.json, web running. */
async function assertConverged(t: import("ava").ExecutionContext, h: RigHost): Promise<void> {
  t.deepEqual((await daemonJson(t, rig, h))?.["registry-mirrors"], [hubMirror()], `${h.name}: daemon.json`);
  await assertNothingLost(t, rig, h, ["web"]);
}

// Serial: an inline program's run takes every unhandled rejection of the process as its own error,
// so the late gRPC rejections of the update that fails here on purpose would fail the other test's.
test.serial(
  "the SSH session is killed during the package install: the run fails naming the host, the other converges, a re-run converges",
  async (t) => {
    const [a, b] = [rig.hosts[0], rig.hosts[1]];
    // b is converged first; then a joins (installing online) while b gets live-restore.
    let joined = false;
    const { stack, cleanup } = await testStack(
      "dockyard-rel-faults",
      "ssh-killed",
      fleet(
        a,
        b,
        () => joined,
        () => (joined ? { liveRestore: true } : {}),
      ),
    );
    try {
      await stack.up();
      const bWeb = await webId(b);
      joined = true;
      // On the host: as soon as dpkg unpacks, kill the sshd process that serves Dockyard's session.
      const killer = rig.exec(
        a,
        [
          "for i in $(seq 1 3000); do",
          "  if pgrep -a -x dpkg | grep -q -- ' --unpack '; then",
          "    pids=$(pgrep -f '^sshd: root@notty' | tr '\\n' ' ')",
          '    kill -9 $pids; echo "killed $pids"; exit 0',
          "  fi",
          "  sleep 0.1",
          "done; echo 'never saw dpkg'",
        ].join("\n"),
      );
      const err = await t.throwsAsync(stack.up());
      t.regex(await killer, /^killed \d+/);
      const message = err?.message ?? "";
      t.log(errorLines(message));
      // The session died with the batch it ran: the message names the batch, the install first.
      t.regex(message, new RegExp(`${target(a)}: installing docker-ce 5:24\\.0\\.7-1~debian\\.12~bookworm(; [^\\n]*?)? failed`));
      t.notRegex(message, new RegExp(`${target(b)}:`), "the other host did not fail");
      t.is((await daemonJson(t, rig, b))?.["live-restore"], true, "b converged in the same run");
      await assertConverged(t, b);

      const rerun = await stack.up();
      t.is(rerun.summary.result, "succeeded");
      t.is(
        (await rig.exec(a, "dpkg-query -W -f='${Version} ${Status}' docker-ce")).trim(),
        "5:24.0.7-1~debian.12~bookworm install ok installed",
      );
      t.is((await rig.exec(a, "dpkg --audit; echo audit=$?")).trim(), "audit=0", "no half-installed package is left");
      await assertConverged(t, a);
      await assertConverged(t, b);
      t.is(await webId(b), bWeb, "b: the same web container throughout");
      t.deepEqual(changesOf((await stack.up()).summary), {}, "and it has settled");
    } finally {
      await cleanup();
    }
  },
);

// apt's own lock (fcntl on /var/lib/dpkg/lock-frontend and lock), held by another process as
// unattended-upgrades would hold it. Dockyard's apt waits for it (DPkg::Lock::Timeout=600).
const HOLD_LOCK = [
  "cat > /tmp/hold-dpkg-lock.pl <<'PERL'",
  "use Fcntl;",
  "my @held;",
  'for my $p ("/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock") {',
  '  open(my $fh, ">>", $p) or die "$p: $!";',
  '  my $lock = pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0);',
  '  fcntl($fh, F_SETLKW, $lock) or die "lock $p: $!";',
  "  push @held, $fh;",
  "}",
  '$| = 1; print "locked\\n"; sleep 900;',
  "PERL",
  "setsid nohup perl /tmp/hold-dpkg-lock.pl > /tmp/hold-dpkg-lock.out 2>&1 < /dev/null &",
  "echo $! > /tmp/hold-dpkg-lock.pid",
  "for i in $(seq 1 100); do grep -q locked /tmp/hold-dpkg-lock.out && exit 0; sleep 0.1; done",
  "cat /tmp/hold-dpkg-lock.out; exit 1",
].join("\n");

test.serial(
  "the package manager's lock is held by another process: the install waits for it and converges once it is released",
  async (t) => {
    const c = rig.hosts[2];
    const { stack, cleanup } = await testStack("dockyard-rel-faults", "dpkg-lock", async () => {
      journey(rig, c, pkgs, hubMirror(), {
        engine: {
          method: "online",
          bundle: undefined,
          bundleSha256: undefined,
          mirror: packageMirror,
          mirrorKeyFingerprint: packageKey,
          allowInsecureHttp: true,
          version: "24.0.7",
        },
      });
      return {};
    });
    try {
      await rig.exec(c, HOLD_LOCK);
      const probe = await rig.exec(c, "apt-get -o DPkg::Lock::Timeout=0 -y autoremove 2>&1; echo rc=$?");
      t.regex(
        probe,
        /Could not get lock \/var\/lib\/dpkg\/lock-frontend\. It is held by process \d+ \(perl\)[^]*rc=100/,
        "the lock is really held",
      );
      // Released 10 s after Dockyard's apt-get install has started (and is waiting for it).
      const releaser = rig.exec(
        c,
        [
          "installer() { pgrep -a -x apt-get | grep -- ' install -y -qq --allow-change-held-packages ' | cut -d' ' -f1 | head -n1; }",
          'for i in $(seq 1 6000); do [ -n "$(installer)" ] && break; sleep 0.1; done',
          "waiting=$(installer)",
          "sleep 10",
          "still=$(installer)",
          "date +%s > /tmp/dpkg-lock-released",
          'kill "$(cat /tmp/hold-dpkg-lock.pid)"',
          'echo "install waiting=$waiting still=$still"',
        ].join("\n"),
      );
      const up = await stack.up();
      const seen = await releaser;
      t.regex(seen, /^install waiting=(\d+) still=\1$/m, "the install was running, waiting, while the lock was held");
      t.is(up.summary.result, "succeeded");
      const order = await rig.exec(
        c,
        'released=$(cat /tmp/dpkg-lock-released); installed=$(date -d "$(grep \' install docker-ce:\' /var/log/dpkg.log | tail -n1 | cut -d\' \' -f1-2)" +%s); [ "$installed" -ge "$released" ] && echo after || echo "before: $installed < $released"',
      );
      t.is(order.trim(), "after", "docker-ce was unpacked only after the lock was released");
      await assertConverged(t, c);
      t.deepEqual(changesOf((await stack.up()).summary), {}, "and it has settled");
    } finally {
      await rig.exec(c, "kill $(cat /tmp/hold-dpkg-lock.pid) 2>/dev/null; true").catch(() => undefined);
      await cleanup();
    }
  },
);
