import test, { type ExecutionContext } from "ava";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { type HangingServer, startHangingServer } from "../rig/hanging-server";
import { pulumiEngine, type TestStack, testStack } from "../integration/support/engine";
import "./support/expected-rejections";
import { errorLines } from "./support/faults";
import { re } from "./support/hosts";
import { changesOf, journey, type Mutation } from "./support/programs";

// Every wait bounded, live: a dockerd stopped with SIGSTOP (it keeps accepting on its socket and
// never answers) and a registry mirror that accepts connections and never answers each end the
// run within their bound, with one line per failed step naming the host, the step and the bound;
// once the fault is gone the next `up` converges. The bounds are set small on the host, so the
// test measures them and not the defaults.
const ENGINE_API = 10;
const ENGINE_START = 20;
const PULL = 20;
const DOWNLOAD = 8;
/** Pulumi's own start, plan and the reads that do answer. */
const SLACK = 45;

let rig: Rig;
let pkgs: DockerPackages;
let h: RigHost;
let ts: TestStack;
let mutation: Mutation = {};
let hanging: HangingServer | undefined;

const bounds = { engineApiTimeout: ENGINE_API, engineStartTimeout: ENGINE_START, pullTimeout: PULL, connectAttempts: 2, connectTimeout: 8 };

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1, registry: true }), ensureDockerPackages()]);
  h = rig.hosts[0];
  await rig.pushNginx("latest");
  await rig.pushNginxVariant("1.26", "variant 1.26");
  ts = await testStack("dockyard-rel-bounds", "bounds", async () => {
    journey(rig, h, pkgs, `http://${rig.registry!.address}`, { ...mutation, host: { ...bounds, ...mutation.host } });
    return {};
  });
  await ts.stack.up();
});

test.after.always(async () => {
  if (h) await rig.exec(h, "kill -CONT $(pidof dockerd) 2>/dev/null || true").catch(() => undefined);
  hanging?.close();
  await ts?.cleanup();
  await rig?.stop();
});

const target = () => re(`root@${h.address}:22`);

/** Runs `run`, which must fail; its error message and how long it took. */
async function failing(t: ExecutionContext, run: () => Promise<unknown>): Promise<{ message: string; seconds: number }> {
  const started = Date.now();
  const err = await t.throwsAsync(run);
  const seconds = (Date.now() - started) / 1000;
  const message = err?.message ?? "";
  t.log(`ended after ${seconds.toFixed(1)} s:\n${errorLines(message)}`);
  return { message, seconds };
}

/** Every Dockyard error line of the run names the host and a bound, each on one line. */
function boundLines(t: ExecutionContext, message: string, bound: string, seconds: number): void {
  const lines = errorLines(message).split("\n").filter(Boolean);
  t.true(lines.length > 0, message);
  const named = lines.filter((l) => new RegExp(`${target()}: .+ within ${seconds} s \\(bound: ${bound}\\)$`).test(l));
  t.true(named.length > 0, `no line names ${bound}:\n${lines.join("\n")}`);
  for (const l of named) t.notRegex(l, /\n/);
}

test.serial(
  "a dockerd stopped with SIGSTOP: refresh ends within the bound naming host, step and bound; up repairs it (docker restarted, web running); a second up changes nothing",
  async (t) => {
    const startedAt = async () => (await rig.exec(h, "systemctl show -p ActiveEnterTimestamp docker")).trim();
    const dockerBefore = await startedAt();
    await rig.exec(h, "kill -STOP $(pidof dockerd)");
    try {
      const refresh = await failing(t, () => ts.stack.refresh());
      boundLines(t, refresh.message, "engineApiTimeout", ENGINE_API);
      t.regex(
        refresh.message,
        new RegExp(`${target()}: reading (?:container web|image nginx:latest): the Docker engine did not answer within ${ENGINE_API} s`),
      );
      // The reads of the host and the Engine API calls run side by side, and a read that found
      // dockerd stalled does not wait for it again: about one bound in all.
      t.true(refresh.seconds < ENGINE_API + SLACK, `refresh took ${refresh.seconds} s`);

      // systemd's restart signals the stopped dockerd (TERM, then CONT): the repair works.
      const started = Date.now();
      await ts.stack.up();
      const seconds = (Date.now() - started) / 1000;
      t.log(`up repaired the stalled engine in ${seconds.toFixed(1)} s`);
      t.true(seconds < ENGINE_API + ENGINE_START + SLACK, `up took ${seconds} s`);
    } finally {
      await rig.exec(h, "kill -CONT $(pidof dockerd) 2>/dev/null || true");
    }
    t.not(await startedAt(), dockerBefore, "docker was restarted");
    t.regex(await rig.exec(h, "docker inspect -f '{{.State.Status}}' web"), /running/);
    t.deepEqual(changesOf((await ts.stack.up()).summary), {}, "converged: a second up changes nothing");
  },
);

test.serial(
  "a registry mirror that answers its ping and then never answers: the pull ends within pullTimeout naming host, step and bound; a good mirror converges",
  async (t) => {
    hanging?.close();
    hanging = await startHangingServer(rig, h, { answerPing: true });
    const mirror = hanging.url;
    // An image the host does not have yet, so it is pulled, and only through the mirror.
    mutation = { daemon: { registryMirrors: [mirror] }, image: { ref: "nginx:1.26" } };
    const up = await failing(t, () => ts.stack.up());
    boundLines(t, up.message, "pullTimeout", PULL);
    t.regex(
      up.message,
      new RegExp(`${target()}: pulling image nginx:1\\.26: the pull did not finish within ${PULL} s \\(bound: pullTimeout\\)`),
    );
    t.true(hanging.held() > 0, "the pull reached the hanging mirror and is held there");
    t.true(up.seconds < PULL + SLACK, `up took ${up.seconds} s`);
    t.is((await rig.exec(h, "docker image ls -q nginx:1.26")).trim(), "", "nothing half-pulled is tagged");

    mutation = { image: { ref: "nginx:1.26" } };
    await ts.stack.up();
    t.deepEqual(changesOf((await ts.stack.up()).summary), {}, "converged: a second up changes nothing");
  },
);

test.serial(
  "a docker-ce mirror that accepts and never answers: the install ends within downloadTimeout naming host, step and bound; the engine is untouched; the next up converges",
  async (t) => {
    hanging?.close();
    hanging = await startHangingServer(rig, h);
    const mirror = hanging.url;
    const before = await rig.exec(
      h,
      "docker version --format '{{.Server.Version}}'; sha256sum /usr/bin/dockerd; docker inspect -f '{{.Id}}' web",
    );
    mutation = {
      image: { ref: "nginx:1.26" },
      host: { downloadTimeout: DOWNLOAD },
      engine: {
        method: "online",
        mirror,
        allowInsecureHttp: true,
        mirrorKeyFingerprint: pkgs.keyFingerprint,
        version: "24.0.7",
        bundle: undefined,
        bundleSha256: undefined,
      },
    };
    const up = await failing(t, () => ts.stack.up());
    boundLines(t, up.message, "downloadTimeout", DOWNLOAD);
    t.regex(
      up.message,
      new RegExp(
        `${target()}: fetching the repository's signing key: the mirror sent nothing within ${DOWNLOAD} s \\(bound: downloadTimeout\\)`,
      ),
    );
    t.true(up.seconds < DOWNLOAD + SLACK, `up took ${up.seconds} s`);
    t.is(
      await rig.exec(h, "docker version --format '{{.Server.Version}}'; sha256sum /usr/bin/dockerd; docker inspect -f '{{.Id}}' web"),
      before,
      "the offline engine and its container are as they were",
    );
    t.is((await rig.exec(h, "ls /var/lib/dockyard/docker-ce-key.staging* 2>/dev/null || true")).trim(), "", "no staged key is left");

    mutation = { image: { ref: "nginx:1.26" } };
    await ts.stack.up();
    t.deepEqual(changesOf((await ts.stack.up()).summary), {}, "converged: a second up changes nothing");
  },
);
