// The guide as a Go program on the generated Go SDK (sdk/go/dockyard, by a `replace`), in a
// project of its own outside the repository (`runtime: go`), run by `pulumi` with the Go language
// host, the plugin installed from its tarball into a fresh PULUMI_HOME and automatic plugin
// acquisition off. On one rig host: a Host, an online DockerEngine from the rig's docker-ce
// mirror, a DaemonConfig with the rig's registry mirror, nginx pulled through it and a Container
// on port 80 answering 200; `preview --expect-no-changes`; the container stopped and daemon.json
// edited by hand, shown by `refresh` and repaired by one `up`; `destroy`.
//
// The Go language host compiles the program (and the Pulumi Go SDK under it) at every command:
// about 80 s the first time here, seconds after (GOCACHE is the machine's default, kept warm).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import test from "ava";
import { packPlugin } from "../../scripts/build-plugin";
import { PulumiCli, pulumiBin } from "../../scripts/pulumi-cli";
import { startPackageServer } from "../rig/package-server";
import { fetchWithin, Rig, type RigHost } from "../rig/rig";
import { SANDBOX_PASSPHRASE } from "./support/engine";

const REPO = path.resolve(__dirname, "..", "..");
const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
const GO_SDK = path.join(REPO, "sdk", "go", "dockyard");
const goModule = (readFileSync(path.join(GO_SDK, "go.mod"), "utf8").match(/^module (\S+)/) ?? [])[1];

let rig: Rig;
let mirror: string;
let keyFingerprint: string;
let bin: string;
const work = mkdtempSync(path.join(os.tmpdir(), "dockyard-go-program-"));

test.before(async () => {
  bin = pulumiBin();
  rig = await Rig.start({ hosts: 1, registry: true });
  [{ baseUrl: mirror, keyFingerprint }] = await Promise.all([startPackageServer(rig.runId, rig.labels()), rig.pushNginx("latest")]);
});

test.after.always(async () => {
  await rig?.stop();
  rmSync(work, { recursive: true, force: true });
});

// The guide, as a Go user writes it with the generated SDK.
const PROGRAM = `package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"${goModule}/engine"
	"${goModule}/host"
	"${goModule}/workload"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		h1, err := host.NewHost(ctx, "h1", &host.HostArgs{
			Address:    pulumi.String(cfg.Require("address")),
			PrivateKey: cfg.RequireSecret("privateKey"),
			HostKey:    pulumi.String(cfg.Require("hostKey")),
		})
		if err != nil {
			return err
		}
		docker, err := engine.NewDockerEngine(ctx, "docker", &engine.DockerEngineArgs{
			Host:                 h1,
			Mirror:               pulumi.String(cfg.Require("mirror")),
			MirrorKeyFingerprint: pulumi.String(cfg.Require("mirrorKeyFingerprint")),
			AllowInsecureHttp:    pulumi.Bool(true),
			Version:              pulumi.String("24.0.7"),
		})
		if err != nil {
			return err
		}
		daemon, err := engine.NewDaemonConfig(ctx, "daemon", &engine.DaemonConfigArgs{
			Engine:          docker,
			RegistryMirrors: pulumi.StringArray{pulumi.String(cfg.Require("registryMirror"))},
		})
		if err != nil {
			return err
		}
		nginx, err := workload.NewImage(ctx, "nginx", &workload.ImageArgs{
			Engine: docker,
			Ref:    pulumi.String("nginx:latest"),
		}, pulumi.DependsOn([]pulumi.Resource{daemon}))
		if err != nil {
			return err
		}
		web, err := workload.NewContainer(ctx, "web", &workload.ContainerArgs{
			Engine: docker,
			Name:   pulumi.String("web"),
			Image:  nginx,
			Ports:  pulumi.Array{pulumi.String("80:80")},
		})
		if err != nil {
			return err
		}
		ctx.Export("engineVersion", docker.Version)
		ctx.Export("packageVersion", docker.PackageVersion)
		ctx.Export("mirrors", daemon.EffectiveMirrors)
		ctx.Export("digest", nginx.Digest)
		ctx.Export("state", web.State)
		return nil
	})
}
`;

/** Status of the host's port 80, retried while the container comes up (bounded). */
async function status(h: RigHost): Promise<number> {
  for (let i = 0; ; i++) {
    try {
      return (await fetchWithin(`http://${h.address}:80/`, 5000)).status;
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const tail = (r: { stdout: string; stderr: string }) => `${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`;
type State = { deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
const outputsOf = (state: State, type: string) => state.deployment.resources?.find((r) => r.type === type)?.outputs ?? {};

test.serial(
  "a Go program on the generated SDK through `pulumi` (runtime: go): engine from the mirror, daemon.json, nginx through the registry mirror on 80 (200); no changes after; hand edits shown by refresh, repaired by up; destroy",
  async (t) => {
    const h = rig.hosts[0];
    const registryMirror = `http://${rig.registry!.address}`;

    // The plugin as users install it: from its tarball, into a PULUMI_HOME of its own.
    const home = path.join(work, "pulumi-home");
    const tarball = packPlugin(path.join(REPO, "plugin"), work);
    execFileSync("pulumi", ["plugin", "install", "resource", "dockyard", version, "--file", tarball, "--non-interactive"], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
      stdio: "pipe",
      timeout: 120_000,
    });
    t.true(readdirSync(path.join(home, "plugins")).includes(`resource-dockyard-v${version}`));

    // The project: outside the repository, the SDK by a replace.
    const dir = path.join(work, "project");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: dockyard-go\nruntime: go\ndescription: The guide on Dockyard's Go SDK\n");
    writeFileSync(path.join(dir, "main.go"), PROGRAM);
    writeFileSync(
      path.join(dir, "go.mod"),
      `module dockyard-go\n\ngo 1.25.11\n\nrequire ${goModule} v0.0.0\n\nreplace ${goModule} => ${GO_SDK}\n`,
    );
    const goEnv = { ...process.env, GOFLAGS: "-mod=mod" };
    execFileSync("go", ["mod", "tidy"], { cwd: dir, env: goEnv, stdio: "pipe", timeout: 10 * 60_000 });

    const backend = path.join(work, "state");
    mkdirSync(backend);
    const cli = new PulumiCli({
      cwd: dir,
      stack: "dev",
      backendUrl: `file://${backend}`,
      passphrase: SANDBOX_PASSPHRASE,
      bin,
      // The plugin comes from PULUMI_HOME only: no download, no package registry.
      env: { PULUMI_HOME: home, PULUMI_DISABLE_REGISTRY_RESOLVE: "true", GOFLAGS: "-mod=mod" },
    });
    await cli.selectOrCreate();
    await cli.setConfig({
      address: { value: h.address },
      hostKey: { value: h.hostKey.trim() },
      privateKey: { value: rig.privateKey, secret: true },
      mirror: { value: mirror },
      mirrorKeyFingerprint: { value: keyFingerprint },
      registryMirror: { value: registryMirror },
    });

    // The Go language host runs it (the one scripts/pulumi-engine built, by the version stamped on it).
    const about = JSON.parse((await cli.ok(["about", "--json"])).stdout) as { plugins?: { name: string; kind: string; version: string }[] };
    const goHost = about.plugins?.find((p) => p.kind === "language" && p.name === "go");
    const pinFile = path.join(bin, ".pulumi-language-go.version");
    if (existsSync(pinFile)) t.is(goHost?.version, readFileSync(pinFile, "utf8").trim(), JSON.stringify(about.plugins));
    else t.regex(String(goHost?.version), /^\d+\.\d+\.\d+/, JSON.stringify(about.plugins));

    const up = await cli.run(["up", "--yes", "--skip-preview"]);
    t.is(up.code, 0, tail(up));
    const outputs = (await cli.outputs()) as Record<string, unknown>;
    t.is(outputs.state, "running");
    t.is(outputs.packageVersion, "5:24.0.7-1~debian.12~bookworm", "docker-ce from the rig's mirror");
    t.is(
      outputs.engineVersion,
      (await rig.exec(h, "docker version --format '{{.Server.Version}}'")).trim(),
      "the running engine's version",
    );
    t.deepEqual(outputs.mirrors, [`${registryMirror}/`]);
    t.regex(String(outputs.digest), /^sha256:[0-9a-f]{64}$/);
    t.is(await status(h), 200, "nginx answers on port 80");
    t.regex(await rig.exec(h, "dpkg-query -W -f='${Version}' docker-ce"), /^5:24\.0\.7-1~debian/, "docker-ce from the mirror");
    const exported = (await cli.ok(["stack", "export"])).stdout;
    t.true(exported.includes(`pulumi:providers:dockyard::default_${version.replace(/\./g, "_")}`), "the installed plugin served it");
    // The key's own lines (the first is a header every unencrypted ed25519 key shares): in no state
    // file, not in the stack's config file, not in the output.
    const keyLines = rig.privateKey
      .split("\n")
      .filter((l) => l.length > 40)
      .slice(1);
    t.true(keyLines.length > 0);
    const files = readdirSync(backend, { recursive: true, encoding: "utf8" })
      .map((f) => path.join(backend, f))
      .filter((f) => statSync(f).isFile());
    for (const f of [...files, path.join(dir, "Pulumi.dev.yaml")])
      t.false(
        keyLines.some((l) => readFileSync(f, "utf8").includes(l)),
        `${f} holds the SSH key in plain text`,
      );
    t.false(
      keyLines.some((l) => up.stdout.includes(l) || up.stderr.includes(l)),
      "the key in the output of up",
    );

    const again = await cli.run(["preview", "--expect-no-changes"]);
    t.is(again.code, 0, tail(again));

    // By hand on the host: the container stopped, our mirror replaced in daemon.json.
    await rig.exec(h, `docker stop web >/dev/null && printf '{"registry-mirrors": ["http://10.9.9.9:5000"]}' > /etc/docker/daemon.json`);
    const refresh = await cli.run(["refresh", "--yes", "--skip-preview"]);
    t.is(refresh.code, 0, tail(refresh));
    const refreshed = JSON.parse((await cli.ok(["stack", "export"])).stdout) as State;
    t.deepEqual(outputsOf(refreshed, "dockyard:index:DaemonConfig").drift, [
      `registry-mirrors is ["http://10.9.9.9:5000"], not ["${registryMirror}"]`,
    ]);
    t.deepEqual(outputsOf(refreshed, "dockyard:index:Container").drift, ["container web is exited"]);

    const repair = await cli.run(["up", "--yes", "--skip-preview"]);
    t.is(repair.code, 0, tail(repair));
    t.deepEqual(await cli.lastChanges(), { update: 2 }, "one up repairs both, replacing nothing");
    t.deepEqual(JSON.parse(await rig.exec(h, "cat /etc/docker/daemon.json")), { "registry-mirrors": [registryMirror] });
    t.is((await rig.exec(h, "docker inspect -f '{{.State.Status}}' web")).trim(), "running");
    t.is(await status(h), 200, "nginx answers again");
    const settled = await cli.run(["preview", "--expect-no-changes"]);
    t.is(settled.code, 0, tail(settled));

    const destroy = await cli.run(["destroy", "--yes", "--skip-preview"]);
    t.is(destroy.code, 0, tail(destroy));
    t.deepEqual((JSON.parse((await cli.ok(["stack", "export"])).stdout) as State).deployment.resources ?? [], [], "nothing left");
    t.is((await rig.exec(h, "docker ps -aq | wc -l")).trim(), "0", "web is gone");
    t.is((await rig.exec(h, "test -e /etc/docker/daemon.json && echo there || echo absent")).trim(), "absent", "daemon.json as it was");
    await cli.run(["stack", "rm", "--yes", "--force"]);
  },
);
