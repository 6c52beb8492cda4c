import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DaemonConfig, DockerEngine, Image, Registry } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost, smallImageTags } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

// h1 runs a private registry (auth + generated TLS); h2 pulls from it. Both get "registry:2" and
// nginx through the rig's mirror, as an intranet would.
let rig: Rig;
let pkgs: DockerPackages;
const PASSWORD = "s3cret-Registry-pa55";

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 2, registry: true }), ensureDockerPackages()]);
  await rig.pushNginx("latest");
  await rig.pushImage(smallImageTags().registry, "library/registry:2");
});

test.after.always(async () => {
  await rig?.stop();
});

function engineFor(h: RigHost): { engine: DockerEngine; daemon: DaemonConfig } {
  const engine = offlineEngine(`${h.name}-docker`, rig, h, pkgs);
  const daemon = new DaemonConfig(`${h.name}-daemon`, { engine, registryMirrors: [`http://${rig.registry!.address}`] });
  return { engine, daemon };
}

const readTree = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");

test.serial(
  "a private registry with auth and generated TLS: trusted by the fleet, an image built and pushed on one host, pulled on another with credentials",
  async (t) => {
    const [h1, h2] = rig.hosts;
    let password = PASSWORD;
    let pullRef: string | undefined;
    let build = false;
    const context = mkdtempSync(path.join(os.tmpdir(), "dockyard-build-"));
    writeFileSync(path.join(context, "Dockerfile"), "FROM nginx:latest\nCOPY built.txt /usr/share/nginx/html/built.txt\n");
    writeFileSync(path.join(context, "built.txt"), "built by dockyard\n");
    const { stack, backendDir, cleanup } = await testStack("dockyard-registry", "private", async () => {
      const { engine: e1, daemon: d1 } = engineFor(h1);
      const { engine: e2, daemon: d2 } = engineFor(h2);
      // registry:2 comes through the mirror, so the registry waits for the daemon configs.
      const registry = new Registry(
        "registry",
        { engine: e1, users: [{ username: "deploy", password: pulumi.secret(PASSWORD) }], tls: "generate", trustedBy: [e1, e2] },
        { dependsOn: [d1, d2] },
      );
      const out: Record<string, pulumi.Output<unknown>> = { endpoint: registry.endpoint, ca: registry.caCertificate };
      const credentials = { server: registry.endpoint, username: "deploy", password: pulumi.secret(PASSWORD) };
      const built = build
        ? new Image(
            "built",
            { engine: e1, ref: pulumi.interpolate`${registry.endpoint}/app/web:1`, credentials, build: { context, push: true } },
            { dependsOn: [registry, d1] },
          )
        : undefined;
      if (built) out.built = built.digest;
      if (pullRef) {
        const img = new Image(
          "web",
          { engine: e2, ref: pullRef, credentials: { server: registry.endpoint, username: "deploy", password: pulumi.secret(password) } },
          { dependsOn: built ? [registry, d2, built] : [registry, d2] },
        );
        out.digest = img.digest;
      }
      return out;
    });
    try {
      const up = await stack.up();
      const endpoint = up.outputs.endpoint.value as string;
      t.is(endpoint, `${h1.address}:5000`);
      t.regex(up.outputs.ca.value, /BEGIN CERTIFICATE/);
      // Both engines trust the CA; the registry answers TLS and wants a login.
      for (const h of [h1, h2]) t.regex(await rig.exec(h, `cat /etc/docker/certs.d/${endpoint}/ca.crt`), /BEGIN CERTIFICATE/);
      const anonymous = await rig.exec(
        h2,
        `curl -s -o /dev/null -w '%{http_code}' --cacert /etc/docker/certs.d/${endpoint}/ca.crt https://${endpoint}/v2/`,
      );
      t.is(anonymous.trim(), "401");

      // Built on h1 from a local context and pushed with the registry's credentials; pulled on h2
      // with credentials over TLS.
      build = true;
      pullRef = `${endpoint}/app/web:1`;
      const pulled = await stack.up();
      t.regex(pulled.outputs.built.value, /^sha256:[0-9a-f]{64}$/);
      t.is(pulled.outputs.digest.value, pulled.outputs.built.value, "h2 pulled exactly what h1 built and pushed");
      t.is((await rig.exec(h2, `docker run --rm --entrypoint cat ${pullRef} /usr/share/nginx/html/built.txt`)).trim(), "built by dockyard");
      t.deepEqual(changesOf((await stack.up()).summary), {}, "stable: no new certificate, no new htpasswd, no new container");

      // The password never appears in plain text in the state or the CLI output.
      t.false(readTree(backendDir).includes(PASSWORD), "password in the state");
      t.false(pulled.stdout.includes(PASSWORD), "password in the output");
      const htpasswdFile = await rig.exec(h1, "cat /var/lib/dockyard/registry/registry/auth/htpasswd");
      t.false(htpasswdFile.includes(PASSWORD), "only a hash on the host");
      // The hash is a secret in the state too: its bcrypt text is nowhere in the state files.
      const hash = htpasswdFile.trim().split(":")[1];
      t.regex(hash, /^\$2[aby]\$10\$.{53}$/);
      t.false(readTree(backendDir).includes(hash), "the password hash in plain state");

      // Wrong credentials: a clear error naming the registry.
      password = "wrong-password";
      pullRef = `${endpoint}/app/web:2`;
      const err = await t.throwsAsync(stack.up());
      t.regex(
        err!.message,
        new RegExp(
          `pulling ${endpoint.replace(/\./g, "\\.")}/app/web:2 failed: .*(unauthorized|authentication required|no basic auth)`,
          "i",
        ),
      );
      t.false(err!.message.includes("wrong-password"));
    } finally {
      pullRef = undefined;
      build = false;
      rmSync(context, { recursive: true, force: true });
      await stack.destroy().catch(() => undefined);
      await cleanup();
    }
  },
);

test.serial("pull-through mode: a registry that mirrors an upstream serves engines that use it as their mirror", async (t) => {
  const [h1, h2] = rig.hosts;
  const { stack, cleanup } = await testStack("dockyard-registry", "proxy", async () => {
    const { engine: e1, daemon: d1 } = engineFor(h1);
    // The rig's registry plays the upstream (Docker Hub in real life).
    const mirror = new Registry(
      "mirror",
      { engine: e1, name: "hub-mirror", port: 5001, proxy: { remoteUrl: `http://${rig.registry!.address}` } },
      { dependsOn: [d1] },
    );
    const e2 = offlineEngine(`${h2.name}-docker`, rig, h2, pkgs);
    const d2 = new DaemonConfig(
      `${h2.name}-daemon`,
      { engine: e2, registryMirrors: mirror.endpoint.apply((ep) => [`http://${ep}`]) },
      { dependsOn: [mirror] },
    );
    const nginx = new Image("nginx", { engine: e2, ref: "nginx:latest" }, { dependsOn: [d2] });
    return { endpoint: mirror.endpoint, digest: nginx.digest };
  });
  try {
    const up = await stack.up();
    t.is(up.outputs.endpoint.value, `${h1.address}:5001`);
    t.regex(up.outputs.digest.value, /^sha256:/);
    // The pull went through the pull-through registry, which now holds the repository.
    const catalog = await rig.exec(h2, `curl -fs http://${h1.address}:5001/v2/_catalog`);
    t.regex(catalog, /library\/nginx/);
  } finally {
    await stack.destroy().catch(() => undefined);
    await cleanup();
  }
});
