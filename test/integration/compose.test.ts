import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import test from "ava";
import { ComposeProject, DaemonConfig, DockerEngine, Fleet, type FleetHostOutputs } from "pulumi-dockyard";
import { COMPOSE_PLUGIN_VERSION, startPackageServer } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, rigHost } from "./support/programs";

let rig: Rig;
let mirror: string;
let keyFingerprint: string;

test.before(async () => {
  await pulumiEngine();
  rig = await Rig.start({ hosts: 1, registry: true });
  [{ baseUrl: mirror, keyFingerprint }] = await Promise.all([startPackageServer(rig.runId, rig.labels()), rig.pushNginx("latest")]);
});

test.after.always(async () => {
  await rig?.stop();
});

const SECRET = "s3cret-compose-value-4711";

/**
 * Two services on the project's network: `backend` serves the nginx stand-in's page and keeps a
 * named volume; `web` publishes port 8080 and answers /cgi-bin/api by fetching the backend by its
 * service name. The .env carries a secret the backend gets in its environment.
 */
const COMPOSE_YAML = `services:
  backend:
    image: nginx:latest
    environment:
      GREETING: \${GREETING}
    volumes:
      - data:/data
  web:
    image: nginx:latest
    depends_on: [backend]
    ports: ["8080:80"]
    command:
      - /bin/sh
      - -c
      - |
        mkdir -p /www/cgi-bin
        cat > /www/cgi-bin/api <<'CGI'
        #!/bin/sh
        echo "Content-Type: text/plain"
        echo
        printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 5 backend 80
        CGI
        /bin/busybox chmod 755 /www/cgi-bin/api
        echo web-front > /www/index.html
        exec /bin/busybox httpd -f -p 80 -h /www
volumes:
  data: {}
`;

function program(h: RigHost) {
  return async () => {
    const engine = new DockerEngine("docker", {
      host: rigHost(rig, h),
      mirror,
      mirrorKeyFingerprint: keyFingerprint,
      allowInsecureHttp: true,
    });
    const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [`http://${rig.registry!.address}`] });
    const shop = new ComposeProject(
      "shop",
      { engine, projectName: "shop", composeYaml: COMPOSE_YAML, env: pulumi.secret({ GREETING: SECRET }), waitTimeout: 120 },
      { dependsOn: [daemon] },
    );
    return { composeVersion: engine.composeVersion, services: shop.services, drift: shop.drift };
  };
}

const projectOutputs = async (stack: {
  exportStack(): Promise<{ deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } }>;
}) => (await stack.exportStack()).deployment.resources?.find((r) => r.type === "dockyard:index:ComposeProject")?.outputs;

test.serial(
  "online engine with the compose plugin; a two-service project answers through its published port, is repaired after docker rm -f and a hand edit, settles, and destroy keeps its named volume",
  async (t) => {
    const h = rig.hosts[0];
    const { stack, cleanup, backendDir } = await testStack("dockyard-compose", "shop", program(h));
    const api = () => rig.exec(h, "curl -fsS --max-time 10 http://127.0.0.1:8080/cgi-bin/api");
    let destroyed = false;
    try {
      const up = await stack.up();
      // The plugin came from the stand-in's docker-compose-plugin package and answers through the CLI.
      t.true(String(up.outputs.composeVersion.value).startsWith(COMPOSE_PLUGIN_VERSION), String(up.outputs.composeVersion.value));
      t.regex(
        await rig.exec(h, "docker compose version"),
        new RegExp(`Docker Compose version v?${COMPOSE_PLUGIN_VERSION.replace(/\./g, "\\.")}`),
      );
      const plugins = await rig.exec(h, "dpkg-query -W -f='${Package} ${Version}\\n' docker-compose-plugin docker-buildx-plugin");
      t.regex(plugins, /^docker-compose-plugin 2\.26\.1-/m);
      t.regex(plugins, /^docker-buildx-plugin 0\.13\.1-/m);
      const services = up.outputs.services.value as Record<string, { state: string; ports: string[]; containerIds: string[] }>;
      t.is(services.backend.state, "running");
      t.is(services.web.state, "running");
      t.true(
        services.web.ports.some((p) => p.includes("8080->80/tcp")),
        JSON.stringify(services.web.ports),
      );
      // web fetched the backend by its service name, on the project's network.
      t.regex(await api(), /Welcome to nginx!/);
      // The secret reached the service, and the host only in a root-only file.
      t.is((await rig.exec(h, "docker exec shop-backend-1 /bin/busybox env | grep GREETING")).trim(), `GREETING=${SECRET}`);
      t.is((await rig.exec(h, "stat -c '%a %U' /var/lib/dockyard/compose/shop/.env")).trim(), "600 root");
      // The state as the backend keeps it (the export API shows secrets decrypted): ciphertext only.
      const files = readdirSync(backendDir, { recursive: true, encoding: "utf8" }).map((f) => path.join(backendDir, f));
      const withState = files.filter((f) => f.endsWith(".json") && statSync(f).isFile());
      t.true(
        withState.some((f) => readFileSync(f, "utf8").includes('"ComposeProject"') || readFileSync(f, "utf8").includes("ComposeProject")),
        "the checkpoint is there",
      );
      t.deepEqual(
        withState.filter((f) => readFileSync(f, "utf8").includes(SECRET)),
        [],
        "the .env is never plain in the state",
      );

      t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");

      // A service removed by hand: refresh shows it, up repairs it.
      await rig.exec(h, "docker rm -f shop-backend-1 >/dev/null");
      t.deepEqual(changesOf((await stack.refresh()).summary), { update: 1 });
      t.deepEqual((await projectOutputs(stack))?.drift, ["service backend has no container"]);
      const repaired = await stack.up();
      t.deepEqual(changesOf(repaired.summary), { update: 1 });
      t.is((repaired.outputs.services.value as typeof services).backend.state, "running");
      t.regex(await api(), /Welcome to nginx!/);

      // The compose file edited on the host, and web stopped: both drift, one up puts them back.
      await rig.exec(h, "echo '# edited by hand' >> /var/lib/dockyard/compose/shop/compose.yaml && docker stop shop-web-1 >/dev/null");
      await stack.refresh();
      const drift = (await projectOutputs(stack))?.drift as string[];
      t.true(
        drift.some((d) => /compose\.yaml on the host differs/.test(d)),
        JSON.stringify(drift),
      );
      t.true(
        drift.some((d) => /service web: container [0-9a-f]{12} is exited/.test(d)),
        JSON.stringify(drift),
      );
      t.deepEqual(changesOf((await stack.up()).summary), { update: 1 });
      t.regex(await api(), /Welcome to nginx!/);
      t.false((await rig.exec(h, "cat /var/lib/dockyard/compose/shop/compose.yaml")).includes("edited by hand"));
      const settled = await stack.preview({ expectNoChanges: true });
      t.deepEqual(changesOf({ resourceChanges: settled.changeSummary }), {}, "and settles");

      await stack.destroy();
      destroyed = true;
    } finally {
      if (!destroyed) await stack.destroy().catch(() => undefined);
      await cleanup();
    }
    t.is(
      (await rig.exec(h, "docker ps -aq --filter label=com.docker.compose.project=shop")).trim(),
      "",
      "the project's containers are gone",
    );
    t.is((await rig.exec(h, "docker volume ls -q --filter name=^shop_data$")).trim(), "shop_data", "its named volume is kept");
    t.is((await rig.exec(h, "ls /var/lib/dockyard/compose 2>/dev/null || echo none")).trim(), "none", "and its files");
  },
);

/** The same kind of project from a fleet file's `compose:` section, its .env value a secret config reference. */
const FLEET_COMPOSE_YAML = `services:
  api:
    image: nginx:latest
    environment:
      GREETING: \${GREETING}
  front:
    image: nginx:latest
    depends_on: [api]
    ports: ["8082:80"]
`;

test.serial(
  "a fleet file's compose section: the project on the hosts of its group, its .env from a secret config reference, in the fleet's outputs; repaired after docker rm -f; a second up changes nothing; destroy removes it",
  async (t) => {
    const h = rig.hosts[0];
    const dir = mkdtempSync(path.join(os.tmpdir(), "dockyard-fleet-compose-"));
    writeFileSync(path.join(dir, "fleetshop.yaml"), FLEET_COMPOSE_YAML);
    const fleetFile = path.join(dir, "fleet.yaml");
    writeFileSync(
      fleetFile,
      [
        "defaults:",
        "  user: root",
        "  privateKey: { config: sshKey }",
        "  daemon:",
        `    registryMirrors: ["http://${rig.registry!.address}"]`,
        "hosts:",
        `  - name: ${h.name}`,
        `    address: "${h.address}"`,
        `    hostKey: "${h.hostKey}"`,
        "    groups: [app]",
        "    engine:",
        "      method: online",
        `      mirror: "${mirror}"`,
        `      mirrorKeyFingerprint: "${keyFingerprint}"`,
        "      allowInsecureHttp: true",
        "compose:",
        "  - project: fleetshop",
        "    on: [app]",
        "    file: fleetshop.yaml",
        "    env:",
        "      GREETING: { config: greeting }",
        "    waitTimeout: 120",
        "",
      ].join("\n"),
    );
    const config: Record<string, string> = { sshKey: rig.privateKey, greeting: SECRET };
    const { stack, cleanup } = await testStack("dockyard-compose", "fleet", async () => {
      const fleet = new Fleet("site", { file: fleetFile, config: (k, secret) => (secret ? pulumi.secret(config[k]) : config[k]) });
      return { hosts: fleet.outputs };
    });
    let destroyed = false;
    const front = () => rig.exec(h, "curl -fsS --max-time 10 http://127.0.0.1:8082/");
    try {
      const up = await stack.up();
      const hosts = up.outputs.hosts.value as Record<string, FleetHostOutputs>;
      const services = hosts[h.name].compose.fleetshop;
      t.deepEqual(Object.keys(services).sort(), ["api", "front"]);
      t.is(services.front.state, "running");
      t.true(
        services.front.ports.some((p) => p.includes("8082->80/tcp")),
        JSON.stringify(services.front.ports),
      );
      t.regex(await front(), /Welcome to nginx!/);
      t.is((await rig.exec(h, "docker exec fleetshop-api-1 /bin/busybox env | grep GREETING")).trim(), `GREETING=${SECRET}`);
      t.is((await rig.exec(h, "stat -c '%a %U' /var/lib/dockyard/compose/fleetshop/.env")).trim(), "600 root");

      await rig.exec(h, "docker rm -f fleetshop-front-1 >/dev/null");
      const repaired = await stack.up();
      t.deepEqual(changesOf(repaired.summary), { update: 1 }, "the project, and nothing else, is repaired");
      t.regex(await front(), /Welcome to nginx!/);
      t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");

      await stack.destroy();
      destroyed = true;
    } finally {
      if (!destroyed) await stack.destroy().catch(() => undefined);
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
    t.is(
      (await rig.exec(h, "docker ps -aq --filter label=com.docker.compose.project=fleetshop")).trim(),
      "",
      "the project's containers are gone",
    );
  },
);
