import test from "ava";
import { Container, DaemonConfig, Image, Network, Volume } from "pulumi-dockyard";
import { type DockerPackages, ensureDockerPackages } from "../rig/package-server";
import { Rig, type RigHost } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { changesOf, offlineEngine } from "./support/programs";

let rig: Rig;
let pkgs: DockerPackages;

test.before(async () => {
  await pulumiEngine();
  [rig, pkgs] = await Promise.all([Rig.start({ hosts: 1, registry: true }), ensureDockerPackages()]);
  await rig.pushNginx("latest");
});

test.after.always(async () => {
  await rig?.stop();
});

interface App {
  /** A label on the network: a new value replaces the network. */
  networkRevision?: string;
  /** Aliases the backend answers to on the app network. */
  aliases: string[];
  /** A label on the backend: labels are fixed at creation, so a new value replaces it. */
  revision: string;
}

/**
 * A two-container application: `web` reaches `backend` by its alias on a user network; the
 * backend serves its page from a named volume. A second volume is deleted on destroy.
 */
function program(h: RigHost, app: () => App) {
  return async () => {
    const engine = offlineEngine("docker", rig, h, pkgs);
    const daemon = new DaemonConfig("daemon", { engine, registryMirrors: [`http://${rig.registry!.address}`] });
    const { aliases, revision, networkRevision } = app();
    const nginx = new Image("nginx", { engine, ref: "nginx:latest" }, { dependsOn: [daemon] });
    // After daemon.json: its docker restart would cut the engine away under them.
    const after = { dependsOn: [daemon] };
    const net = new Network(
      "app",
      {
        engine,
        name: "app-net",
        subnet: "172.30.7.0/24",
        gateway: "172.30.7.1",
        labels: { app: "shop", ...(networkRevision ? { revision: networkRevision } : {}) },
      },
      after,
    );
    const data = new Volume("data", { engine, name: "app-data" }, after);
    const scratch = new Volume("scratch", { engine, name: "app-scratch", deleteOnDestroy: true }, after);
    const backend = new Container("backend", {
      engine,
      name: "backend-c",
      image: nginx,
      networks: [{ network: net, aliases }],
      volumes: [
        { volume: data, target: "/usr/share/nginx/html" },
        { volume: scratch, target: "/scratch" },
      ],
      labels: { revision },
    });
    const web = new Container("web", { engine, name: "web-c", image: nginx, networks: [net], ports: ["8080:80"] });
    return { networkId: net.networkId, backend: backend.containerId, web: web.state };
  };
}

const resourceOutputs = async (
  stack: { exportStack(): Promise<{ deployment: { resources?: { type: string; urn: string; outputs?: Record<string, unknown> }[] } }> },
  suffix: string,
  type?: string,
) => (await stack.exportStack()).deployment.resources?.find((r) => r.urn.endsWith(`::${suffix}`) && (!type || r.type === type))?.outputs;

test.serial(
  "web reaches backend by alias on a user network; the backend's data survives its replacement; a network removed by hand is drift and up repairs it; destroy refuses while a container Dockyard does not manage is on the network, and keeps the volume unless asked",
  async (t) => {
    const h = rig.hosts[0];
    let app: App = { aliases: ["backend"], revision: "1" };
    const { stack, cleanup } = await testStack(
      "dockyard-networks",
      "app",
      program(h, () => app),
    );
    // From web, on the app network: an HTTP GET with busybox's nc (the static busybox's wget
    // crashes in the rig's nginx stand-in); the body, after the headers.
    const fromWeb = async (host: string, path: string) => {
      const cmd = `docker exec web-c /bin/busybox sh -c 'printf "GET ${path} HTTP/1.0\\r\\n\\r\\n" | /bin/busybox nc -w 5 ${host} 80'`;
      const res = await rig.exec(h, cmd).catch(async (e: Error) => {
        // What the containers see, so a failure says why.
        const seen = await rig
          .exec(
            h,
            `docker exec web-c /bin/busybox nslookup ${host} 2>&1; docker inspect -f '{{json .NetworkSettings.Networks}}' web-c backend-c; docker ps -a`,
          )
          .catch((e2: Error) => e2.message);
        throw new Error(`${e.message}\n${seen}`);
      });
      if (!/^HTTP\/1\.[01] 200/.test(res)) throw new Error(`GET http://${host}${path} from web-c: ${res}`);
      return res.slice(res.indexOf("\r\n\r\n") + 4);
    };
    const destroyed = { stdout: "" };
    try {
      const up = await stack.up();
      t.is(up.outputs.web.value, "running");
      t.is(
        (
          await rig.exec(
            h,
            "docker network inspect -f '{{.Driver}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}} {{index .Labels \"app\"}}' app-net",
          )
        ).trim(),
        "bridge 172.30.7.0/24 172.30.7.1 shop",
      );
      t.regex(await fromWeb("backend", "/"), /Welcome to nginx!/, "web reaches the backend by its alias");
      t.deepEqual(changesOf((await stack.up()).summary), {}, "a second up changes nothing");

      // Data on the named volume survives a replaced container.
      await rig.exec(h, "docker exec backend-c sh -c 'echo kept-data-42 > /usr/share/nginx/html/data.txt'");
      app = { ...app, revision: "2" };
      const replaced = await stack.up();
      t.is(replaced.summary.resourceChanges?.replace, 1, JSON.stringify(replaced.summary.resourceChanges));
      t.not(replaced.outputs.backend.value, up.outputs.backend.value, "a new backend container");
      t.is((await fromWeb("backend", "/data.txt")).trim(), "kept-data-42", "the new container reads the old one's file, by alias");

      // A new alias: the running container is reconnected in place, not replaced.
      app = { ...app, aliases: ["backend", "api"] };
      const realiased = await stack.up();
      t.deepEqual(changesOf(realiased.summary), { update: 1 });
      t.is(realiased.outputs.backend.value, replaced.outputs.backend.value, "the same container");
      t.is((await fromWeb("api", "/data.txt")).trim(), "kept-data-42");

      // A network setting changed: the network is replaced, its containers rejoin it in place.
      app = { ...app, networkRevision: "2" };
      const renet = await stack.up();
      t.deepEqual(changesOf(renet.summary), { replace: 1, update: 2 }, JSON.stringify(renet.summary.resourceChanges));
      t.not(renet.outputs.networkId.value, up.outputs.networkId.value, "a new network");
      t.is(renet.outputs.backend.value, replaced.outputs.backend.value, "the same backend container");
      t.is((await fromWeb("api", "/data.txt")).trim(), "kept-data-42");

      // The network removed by hand (docker refuses while containers are attached).
      await rig.exec(
        h,
        "docker network disconnect -f app-net web-c && docker network disconnect -f app-net backend-c && docker network rm app-net >/dev/null",
      );
      const refresh = await stack.refresh();
      t.deepEqual(changesOf(refresh.summary), { update: 3 }, "the network and both containers");
      t.deepEqual((await resourceOutputs(stack, "app-network"))?.drift, ["network app-net is missing"]);
      t.deepEqual((await resourceOutputs(stack, "web", "dockyard:index:Container"))?.drift, ["container web-c is not on network app-net"]);
      const repaired = await stack.up();
      t.deepEqual(changesOf(repaired.summary), { update: 3 }, JSON.stringify(repaired.summary.resourceChanges));
      t.is(repaired.outputs.backend.value, replaced.outputs.backend.value, "containers rejoined in place");
      t.is((await fromWeb("api", "/data.txt")).trim(), "kept-data-42");
      t.deepEqual(changesOf((await stack.up()).summary), {}, "and settles");

      // A container Dockyard does not manage on the network: destroy refuses to remove it, naming it.
      await rig.exec(
        h,
        "docker run -d --name foreign-c --network app-net --entrypoint /bin/busybox $(docker inspect -f '{{.Image}}' web-c) httpd -f -p 80 >/dev/null",
      );
      const refused = await t.throwsAsync(stack.destroy());
      t.regex(refused!.message, /network app-net is used by containers Dockyard does not manage \(foreign-c\): disconnect them/);
      t.is((await rig.exec(h, "docker network inspect -f '{{.Name}}' app-net")).trim(), "app-net", "the network is still there");
      destroyed.stdout += refused!.message;
      await rig.exec(h, "docker rm -f foreign-c >/dev/null");
    } finally {
      destroyed.stdout += await stack.destroy().then(
        (r) => r.stdout,
        (e: Error) => e.message,
      );
      await cleanup();
    }
    t.regex(destroyed.stdout, /volume app-data was kept with its data \(deleteOnDestroy is not set\)/, "destroy says the volume was kept");
    t.is((await rig.exec(h, "docker volume ls -q --filter name=^app-")).trim(), "app-data", "app-data kept, app-scratch removed");
    t.is((await rig.exec(h, "docker network ls -q --filter name=^app-net$")).trim(), "", "the network removed");
    t.is(
      (await rig.exec(h, "cat \"$(docker volume inspect -f '{{.Mountpoint}}' app-data)/data.txt\"")).trim(),
      "kept-data-42",
      "with its data",
    );
  },
);
