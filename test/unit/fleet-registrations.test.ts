// Every resource a representative fleet registers, compared with the list the Fleet registered
// before its constructor was split into resolution and wiring (fixtures/fleet-registrations.json):
// types, names, URNs, parents, dependencies, aliases, options, inputs and outputs. A difference
// here is a difference an existing stack would see. After a deliberate change, write the list
// again with DOCKYARD_WRITE_FIXTURE=1 and review its diff.
import * as fs from "node:fs";
import * as path from "node:path";
import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import { keyPair } from "../rig/keys";
import { setAwsMocks } from "./support/aws-mocks";
import { settle, valueOf, type Registered } from "./support/mocks";
import { comparable, recordRegistrations, type Registration } from "./support/registrations";
import { MOCK_DEBIAN_12 } from "./fixtures/os-release";
import { PACKAGE_VERSION } from "../../src/providers/package-version";

const FIXTURE = path.join(__dirname, "fixtures", "fleet-registrations.json");
const KEYS = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsnv3Uyb++Lzikm+ymeUw1f7qsj9/66lvmqpZVRdK20",
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an",
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBR85VRLhfpFLww3iTaYqtjJ/ce0agRCUJTKydbFAp9i",
];
const sshKey = keyPair().private;
const config: Record<string, string> = {
  sshPrivateKey: sshKey,
  registryPassword: "s3cret-registry-pw",
  dbPassword: "s3cret-db-pw",
  mirror: "https://mirror.example.com",
  proxyUrl: "http://proxy.corp:3128",
  app2Address: "10.0.0.12",
};

// Every section of a fleet file: plain and EC2 hosts, offline and online engines, daemon settings
// (mirrors from config, a proxy, log rotation off), docker users, a jump host, a registry with
// users and credentials, ECR, images, networks and volumes used by containers, a swarm with a
// service, and a rollout of three batches.
const FLEET = `defaults:
  privateKey: { config: sshPrivateKey }
  user: ops
  sudo: true
  engine: { method: online, version: "24.0.7", mirror: "https://mirrors.aliyun.com/docker-ce" }
  daemon:
    registryMirrors: [ { config: mirror } ]
    proxy: { https: { config: proxyUrl }, noProxy: [localhost, 10.0.0.0/8] }
hosts:
  - name: reg1
    address: 10.0.0.10
    hostKey: ${KEYS[0]}
    groups: [infra]
    engine: { method: offline, bundle: bundles/docker-24.0.7.tgz, bundleSha256: 6a1b8ba8f9d2b4a7e1f3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4 }
    daemon: { liveRestore: true, dataRoot: /data/docker }
  - name: app1
    address: 10.0.0.11
    hostKey: ${KEYS[1]}
    groups: [app]
    dockerUsers: [deploy, ci]
    daemon: { logRotation: false }
  - name: app2
    address: { config: app2Address }
    hostKey: ${KEYS[2]}
    groups: [app]
    port: 2222
    jump: { address: 10.0.0.1, user: jump, hostKey: ${KEYS[0]} }
    daemon: { logRotation: { maxSize: 20m, maxFile: 4 } }
  - name: cloud1
    groups: [app]
    engine: { mirror: "https://download.docker.com" }
    aws: { distro: ubuntu-24.04, sshCidrs: ["203.0.113.0/24"], keyName: ops-key, tags: { team: web } }
  - name: app3
    address: 10.0.0.13
    insecureSkipHostKeyCheck: true
    groups: [app]
    engine: { version: "25.0.3" }
registries:
  - name: intranet
    host: reg1
    port: 5000
    storagePath: /data/registry
    tls: generate
    trustedBy: [app1]
    users:
      - { username: ci, password: { config: registryPassword } }
credentials:
  - { server: "10.0.0.10:5000", username: ci, password: { config: registryPassword } }
ecr:
  - { name: shop, repositoryName: shop/web, keepLastImages: 5 }
images:
  - { ref: "redis:7.2", on: all, pullPolicy: always }
  - { ref: "10.0.0.10:5000/shop/tools:1.0", on: [app1], keepOnDestroy: true }
networks:
  - { name: shop, on: [app], subnet: 172.30.0.0/24, gateway: 172.30.0.1, labels: { app: shop } }
volumes:
  - { name: shop-data, on: [app], labels: { app: shop } }
  - { name: scratch, on: [app1, app2], deleteOnDestroy: true }
containers:
  - name: api
    image: "10.0.0.10:5000/shop/web:3.2.1"
    on: [app1, app2]
    env: { TZ: UTC, DB_PASSWORD: { config: dbPassword } }
    networks: [ { network: shop, aliases: [backend] } ]
    volumes: ["shop-data:/data", "scratch:/tmp/scratch:ro", "/srv/uploads:/uploads"]
    restartPolicy: always
  - name: web
    image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/shop/web:1.4.2"
    on: [app]
    ports: ["80:8080", "127.0.0.1:9090:9090"]
    networks: [shop]
  - name: cache
    image: "redis:7.2"
    on: [reg1]
swarm:
  managers: [app1]
  workers: [ { host: app2, labels: { zone: b } } ]
  services:
    - name: front
      image: "nginx:1.25"
      replicas: 2
      ports: ["8081:80"]
      env: { TZ: UTC, DB_PASSWORD: { config: dbPassword } }
rollout: { batch: 2, pause: 5s, timeout: 2m }
`;

let pulumi: typeof pulumiType;
let created: Registered[] = [];
let recorded: Registration[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");

test.before(async () => {
  ({ pulumi, created } = await setAwsMocks({
    version: "24.0.7",
    packageVersion: "5:24.0.7-1~debian.12~bookworm",
    apiVersion: "1.43",
    effectiveMirrors: ["https://mirror.example.com"],
    content: { "log-driver": "json-file" },
    state: "running",
    containerId: "c0ffee",
    members: [],
    joinTokens: { worker: "", manager: "" },
    runningTasks: 2,
    digest: "sha256:" + "a".repeat(64),
    repoDigest: "x@sha256:" + "a".repeat(64),
    facts: MOCK_DEBIAN_12,
  }));
  recorded = recordRegistrations();
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
});

/** Values made fresh on every run (the login key, the keys the EC2 mocks generate) by name. */
function fresh(s: string): string {
  if (s === sshKey) return "<sshPrivateKey>";
  if (KEYS.some((k) => s.includes(k))) return s;
  return s
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/g, "<generated private key>")
    .replace(/ssh-ed25519 [A-Za-z0-9+/=]+/g, "<generated public key>");
}

test.serial("a fleet of every section registers exactly what it registered before the constructor was split", async (t) => {
  const spec = loader.parseFleet(FLEET, "/srv/fleets/every-section.yaml");
  const fleet = new fleetModule.Fleet("every", { spec, config: (k, secret) => (secret ? pulumi.secret(config[k]) : config[k]) });
  await valueOf(fleet.outputs);
  await settle(created, 300, 20000);
  // The package version every resource names changes with each release, not with the code.
  const now = JSON.parse(
    JSON.stringify(comparable(recorded, fresh)).replaceAll(`"version":"${PACKAGE_VERSION}"`, '"version":"<package version>"'),
  ) as unknown[];
  if (process.env.DOCKYARD_WRITE_FIXTURE) fs.writeFileSync(FIXTURE, JSON.stringify(now, null, 1) + "\n");
  const before = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as unknown[];
  t.deepEqual(
    now.map((r) => (r as Registration).urn),
    before.map((r) => (r as Registration).urn),
    "the same resources, by URN",
  );
  t.deepEqual(now, before);
});
