// A docker-ce mirror behind basic auth (`http://user:pass@mirror/...`): the install goes through,
// and the password is nowhere but the root-only files it belongs in: not in the repository
// definition, not in the state in plain text, not in the run's output.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "pulumi-dockyard";
import { ensureDockerPackages, type DockerPackages } from "../rig/package-server";
import { serveDirectory } from "../rig/file-server";
import { Rig } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { rigHost } from "./support/programs";

const PASSWORD = "s3cret-Pw9";
let rig: Rig;
let pkgs: DockerPackages;
let base: string;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1 }), ensureDockerPackages()]);
  // The rig's file server with basic auth on the repository.
  const served = await serveDirectory({
    container: `dyr-${rig.runId}-auth-packages`,
    dir: path.dirname(pkgs.dir),
    labels: rig.labels(),
    probePath: "/repo/linux/debian/gpg",
    auth: { prefix: "/repo", user: "deploy", password: PASSWORD },
  });
  base = `${served.base}/repo`;
});

test.after.always(async () => {
  await rig?.stop();
});

test("a mirror with credentials: installed; the password only in the 0600 auth file, never in state, repository files or output", async (t) => {
  const h = rig.hosts[0];
  const mirror = base.replace("http://", `http://deploy:${PASSWORD}@`);
  const { stack, cleanup, backendDir } = await testStack("dockyard-engine", "auth-mirror", async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      mirror: pulumi.secret(mirror),
      mirrorKeyFingerprint: pkgs.keyFingerprint,
      allowInsecureHttp: true,
      version: "24.0.7",
    });
    return { packageVersion: engine.packageVersion };
  });
  try {
    const up = await stack.up();
    t.is(up.outputs.packageVersion.value, "5:24.0.7-1~debian.12~bookworm");
    t.false(up.stdout.includes(PASSWORD) || up.stderr.includes(PASSWORD), "not in the run's output");
    t.is((await rig.exec(h, "stat -c '%a %U' /etc/apt/auth.conf.d/docker-ce.conf")).trim(), "600 root");
    t.regex(
      await rig.exec(h, "cat /etc/apt/auth.conf.d/docker-ce.conf"),
      new RegExp(`^machine http://.*/repo/linux/debian login deploy password ${PASSWORD}\n$`),
    );
    t.is(
      (await rig.exec(h, `grep -rl -- ${PASSWORD} /etc/apt/sources.list.d /etc/apt/keyrings /var/lib/dockyard 2>/dev/null || true`)).trim(),
      "",
    );
    t.regex(
      await rig.exec(h, "cat /etc/apt/sources.list.d/docker.list"),
      new RegExp(`\\] ${base.replace(/\./g, "\\.")}/linux/debian bookworm stable`),
    );
    // The state as stored (an export would decrypt secrets): the password only as ciphertext.
    const stored = spawnSync("grep", ["-rl", "--", PASSWORD, backendDir], { encoding: "utf8" });
    t.is(stored.status, 1, `no stored state file holds the password in plain text: ${stored.stdout}`);
    t.regex(
      spawnSync("grep", ["-rl", "--", "ciphertext", backendDir], { encoding: "utf8" }).stdout,
      /\.json/,
      "secrets are stored encrypted",
    );
    // What the export shows marks it secret: the password only in the plaintext of a secret value.
    const leaks: string[] = [];
    const walk = (v: unknown, at: string): void => {
      if (typeof v === "string" && v.includes(PASSWORD)) leaks.push(at);
      else if (v && typeof v === "object") for (const [k, w] of Object.entries(v)) walk(w, `${at}.${k}`);
    };
    walk(await stack.exportStack(), "state");
    t.true(leaks.length > 0 && leaks.every((l) => l.endsWith(".spec.plaintext")), leaks.join(", "));
    t.deepEqual((await stack.up()).summary.resourceChanges?.update ?? 0, 0, "a second up changes nothing");
  } finally {
    await stack.destroy().catch(() => undefined);
    await cleanup();
  }
});
