import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Container, Image, Registry } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost, smallImageTags } from "../rig/rig";
import { pulumiEngine, type TestStack, testStack } from "../integration/support/engine";
import { readTree } from "./support/hosts";
import { changesOf, journey, type StateResource, stateResources } from "./support/programs";

// One fleet of two hosts, converged once, then held to a steady state:
// - secrets: after a full run (and a password rotation), neither the state files nor anything
//   the CLI printed holds the SSH private key or a registry password in plain text;
// - idempotence: 10 consecutive `pulumi up` change nothing; refresh after hand edits reports
//   exactly those edits, and `up` repairs exactly those.
//
// h1: the journey (engine, daemon.json, nginx on 8080), a private registry with a password, and
//     an image built on h1 and pushed to it with the password.
// h2: the journey, the built image pulled from h1's registry with the password, run as `app`
//     with the password in its environment.
let rig: Rig;
let pkgs: DockerPackages;
let h1: RigHost;
let h2: RigHost;
let ts: TestStack;
let context: string;
const FIRST_PASSWORD = "Steady-registry-pa55-7d1e";
const SECOND_PASSWORD = "Rotated-registry-pa55-c40b";
let password = FIRST_PASSWORD;
/** Everything the CLI printed, for the secrets check. */
const printed: string[] = [];

function program() {
  const registryAddress = `${h1.address}:5000`;
  const mirror = `http://${rig.registry!.address}`;
  const one = journey(rig, h1, pkgs, mirror, { daemon: { insecureRegistries: [registryAddress] } });
  const two = journey(rig, h2, pkgs, mirror, { daemon: { insecureRegistries: [registryAddress] } });
  const secret = pulumi.secret(password);
  const registry = new Registry(
    "private",
    { engine: one.engine, users: [{ username: "deploy", password: secret }] },
    { dependsOn: [one.daemon] },
  );
  const credentials = { server: registry.endpoint, username: "deploy", password: secret };
  const built = new Image(
    "app-build",
    { engine: one.engine, ref: pulumi.interpolate`${registry.endpoint}/app/web:1`, credentials, build: { context, push: true } },
    { dependsOn: [registry] },
  );
  const pulled = new Image(
    "app",
    { engine: two.engine, ref: pulumi.interpolate`${registry.endpoint}/app/web:1`, credentials },
    { dependsOn: [built, two.daemon] },
  );
  new Container("app", {
    engine: two.engine,
    name: "app",
    image: pulled,
    ports: ["8081:80"],
    env: { APP_REGISTRY_PASSWORD: secret },
    restartPolicy: "unless-stopped",
  });
  return { endpoint: registry.endpoint, digest: pulled.digest };
}

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 2, registry: true }), ensureDockerPackages()]);
  [h1, h2] = rig.hosts;
  await rig.pushNginx("latest");
  await rig.pushImage(smallImageTags().registry, "library/registry:2");
  context = mkdtempSync(path.join(os.tmpdir(), "dockyard-rel-build-"));
  writeFileSync(path.join(context, "Dockerfile"), "FROM nginx:latest\nCOPY app.txt /usr/share/nginx/html/app.txt\n");
  writeFileSync(path.join(context, "app.txt"), "steady\n");
  ts = await testStack("dockyard-rel-steady", "fleet", async () => program());
});

test.after.always(async () => {
  await ts?.stack.destroy().catch(() => undefined);
  await ts?.cleanup();
  if (context) rmSync(context, { recursive: true, force: true });
  await rig?.stop();
});

const record = (r: { stdout: string; stderr: string }) => printed.push(r.stdout, r.stderr);

/** The ways a secret could be written down: as it is, base64, and inside a docker auth string. */
function forms(secret: string): string[] {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const lines = secret.split("\n").filter((l) => l.length >= 40 && !l.startsWith("-----"));
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), b64(secret), b64(`deploy:${secret}`), ...lines])];
}

function leaks(text: string, secrets: string[]): string[] {
  return secrets
    .flatMap(forms)
    .filter((f) => text.includes(f))
    .map((f) => `${f.slice(0, 12)}...`);
}

test.serial(
  "secrets: after a full run and a password rotation, neither the state files nor the CLI's output hold the SSH key or a registry password",
  async (t) => {
    const up = await ts.stack.up({ diff: true });
    record(up);
    t.is(up.summary.result, "succeeded");
    t.regex(up.outputs.digest.value, /^sha256:[0-9a-f]{64}$/);
    // The password was really used: h2 pulled with it, and h1's registry wants it.
    t.is((await rig.exec(h2, `curl -s -o /dev/null -w '%{http_code}' http://${h1.address}:5000/v2/`)).trim(), "401");
    t.is((await rig.exec(h2, "docker inspect -f '{{.State.Running}}' app")).trim(), "true");
    t.is(
      (
        await rig.exec(h2, "docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' app | sed -n 's/^APP_REGISTRY_PASSWORD=//p'")
      ).trim(),
      FIRST_PASSWORD,
      "the container got the password",
    );

    const preview = await ts.stack.preview({ diff: true });
    record(preview);
    // A rotation: htpasswd, both images' credentials and the container's environment change.
    password = SECOND_PASSWORD;
    const rotated = await ts.stack.up({ diff: true });
    record(rotated);
    t.not(changesOf(rotated.summary), {});
    t.is(
      (
        await rig.exec(h2, "docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' app | sed -n 's/^APP_REGISTRY_PASSWORD=//p'")
      ).trim(),
      SECOND_PASSWORD,
    );

    const secrets = [rig.privateKey, FIRST_PASSWORD, SECOND_PASSWORD];
    t.deepEqual(leaks(readTree(ts.backendDir), secrets), [], "the state files (current, history, backups)");
    t.deepEqual(leaks(printed.join("\n"), secrets), [], "the CLI's output");
    // And the checks can see them: the decrypted export does hold both.
    const exported = JSON.stringify(await ts.stack.exportStack());
    t.is(
      leaks(exported, [rig.privateKey, SECOND_PASSWORD]).length > 0,
      true,
      "exportStack() decrypts, so the checks can see the secrets there",
    );
    t.true(readTree(ts.backendDir).includes("ciphertext"), "the state holds secrets as ciphertext");
  },
);

/** The plugin's resources: `dockyard:index:<Kind>`. */
const PLUGIN = "dockyard:index:";
const byUrn = (rs: StateResource[]) => new Map(rs.filter((r) => r.type.startsWith(PLUGIN)).map((r) => [r.urn, r]));
const named = (rs: Map<string, StateResource>, type: string, name: string) =>
  [...rs.values()].find((r) => r.type === `${PLUGIN}${type}` && r.urn.endsWith(`::${name}`));

test.serial("idempotence: 10 consecutive `pulumi up` after convergence report zero changes and touch nothing", async (t) => {
  const ids = async () =>
    (
      await Promise.all(
        [h1, h2].map((h) =>
          rig.exec(h, "docker ps -q --no-trunc | sort; systemctl show docker -p MainPID --value; stat -c %Y /etc/docker/daemon.json"),
        ),
      )
    ).join("\n");
  const before = await ids();
  for (let i = 1; i <= 10; i++) {
    const up = await ts.stack.up();
    record(up);
    t.deepEqual(changesOf(up.summary), {}, `up #${i} changed something`);
  }
  t.is(await ids(), before, "no container replaced, no docker restart, daemon.json not rewritten");
  const refresh = await ts.stack.refresh();
  record(refresh);
  t.deepEqual(changesOf(refresh.summary), {}, "a refresh without hand edits reports nothing");
});

test.serial("refresh after hand edits reports exactly those edits; up repairs exactly those", async (t) => {
  const before = byUrn(await stateResources(ts.stack));
  const mirror = `http://${rig.registry!.address}`;
  // Three edits by hand, on three resources of two hosts.
  await rig.exec(h1, `sed -i 's#${mirror}#http://10.9.9.9:5000#' /etc/docker/daemon.json`);
  await rig.exec(h2, "docker stop app >/dev/null");
  await rig.exec(h2, "rm /usr/bin/docker-init");

  const refresh = await ts.stack.refresh();
  record(refresh);
  t.deepEqual(changesOf(refresh.summary), { update: 3 }, refresh.stdout);
  const after = byUrn(await stateResources(ts.stack));
  const edited = new Map<string, string[]>([
    [named(after, "DaemonConfig", "h1-daemon")!.urn, [`registry-mirrors is ["http://10.9.9.9:5000"], not ["${mirror}"]`]],
    [named(after, "Container", "app")!.urn, ["container app is exited"]],
    [named(after, "DockerEngine", "h2-docker-engine")!.urn, ["installed files are missing: /usr/bin/docker-init"]],
  ]);
  for (const [urn, r] of after) {
    if (edited.has(urn)) {
      t.deepEqual(r.outputs?.drift, edited.get(urn), urn);
    } else {
      // Not edited: read back exactly as it was.
      t.deepEqual(r.outputs, before.get(urn)?.outputs, `${urn} changed on refresh without an edit`);
    }
  }

  const repair = await ts.stack.up();
  record(repair);
  t.deepEqual(changesOf(repair.summary), { update: 3 });
  t.regex(await rig.exec(h1, "cat /etc/docker/daemon.json"), new RegExp(mirror.replace(/\./g, "\\.")));
  t.is(
    (await rig.exec(h2, "docker inspect -f '{{.State.Running}}' app; test -x /usr/bin/docker-init && echo present")).trim(),
    "true\npresent",
  );
  const settled = await ts.stack.up();
  record(settled);
  t.deepEqual(changesOf(settled.summary), {}, "and settles");

  const destroyed = await ts.stack.destroy();
  record(destroyed);
  t.deepEqual(
    leaks(printed.join("\n"), [rig.privateKey, FIRST_PASSWORD, SECOND_PASSWORD]),
    [],
    "nothing the CLI printed since holds a secret",
  );
  t.deepEqual(leaks(readTree(ts.backendDir), [rig.privateKey, FIRST_PASSWORD, SECOND_PASSWORD]), [], "nor the state after destroy");
});
