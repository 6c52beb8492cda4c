// The rig for people: `npm run rig -- up 3` starts three hosts and a registry and prints how to
// reach them (`up 2 rocky9`: two RHEL-family flavour hosts, see rpm-hosts.ts, and the RPM
// package server; `up 2 debian13`: two Debian 13 hosts); `npm run rig -- down` removes every rig container, volume and network.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { downAll, leftovers, Rig } from "./rig";
import { addRpmHost, RPM_FLAVOURS, type RpmFlavour, startRpmPackageServer } from "./rpm-hosts";

const STATE_DIR = path.join(__dirname, "..", "..", ".rig");

async function main(argv: string[]): Promise<void> {
  const [cmd, arg, flavourArg] = argv;
  if (cmd === "up") {
    const count = arg === undefined ? 1 : Number(arg);
    if (!Number.isInteger(count) || count < 1 || count > 40) throw new Error("usage: rig up [hosts 1-40] [flavour]");
    const debian13 = flavourArg === "debian13";
    if (flavourArg !== undefined && !debian13 && !(flavourArg in RPM_FLAVOURS)) {
      throw new Error(`rig: unknown flavour '${flavourArg}' (one of debian13, ${Object.keys(RPM_FLAVOURS).join(", ")})`);
    }
    const flavour = debian13 ? undefined : (flavourArg as RpmFlavour | undefined);
    const rig = await Rig.start({
      hosts: flavour ? 0 : count,
      flavour: debian13 ? "debian13" : undefined,
      registry: true,
      log: (s) => console.error(s),
    });
    if (flavour) {
      const server = await startRpmPackageServer(rig);
      for (let i = 1; i <= count; i++) await addRpmHost(rig, `${flavour}-${i}`, flavour, server);
      console.log(`docker-ce mirror\t${server.mirror}\t(${RPM_FLAVOURS[flavour].label})`);
    }
    await rig.pushNginx();
    mkdirSync(STATE_DIR, { recursive: true });
    const keyFile = path.join(STATE_DIR, `id_ed25519-${rig.runId}`);
    writeFileSync(keyFile, rig.privateKey);
    chmodSync(keyFile, 0o600);
    const knownHosts = path.join(STATE_DIR, `known_hosts-${rig.runId}`);
    writeFileSync(knownHosts, rig.hosts.map((h) => `${h.address} ${h.hostKey}`).join("\n") + "\n");
    const info = { runId: rig.runId, keyFile, knownHosts, hosts: rig.hosts, registry: rig.registry };
    writeFileSync(path.join(STATE_DIR, `rig-${rig.runId}.json`), JSON.stringify(info, null, 2));
    for (const h of rig.hosts) {
      console.log(`${h.name}\t${h.address}\tssh -i ${keyFile} -o UserKnownHostsFile=${knownHosts} root@${h.address}`);
    }
    console.log(`registry\t${rig.registry?.address}\t(library/nginx:latest pushed; from here: ${rig.registry?.local})`);
    console.log(`details: ${path.join(STATE_DIR, `rig-${rig.runId}.json`)}`);
  } else if (cmd === "down") {
    const removed = await downAll();
    console.log(`rig: removed ${removed.containers} containers and ${removed.volumes} volumes`);
    const left = await leftovers();
    if (left.length) throw new Error(`rig: still present after down: ${left.join(", ")}`);
  } else if (cmd === "status") {
    const left = await leftovers();
    console.log(left.length ? left.join("\n") : "rig: nothing running");
  } else {
    throw new Error(`usage: npm run rig -- up [N] [debian13|${Object.keys(RPM_FLAVOURS).join("|")}] | down | status`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
