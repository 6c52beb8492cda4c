import * as path from "node:path";
import test from "ava";
import type { Registered } from "./support/mocks";
import { MOCK_ECR_PASSWORD, MOCK_PUBLIC_IP, setAwsMocks, type Invoked } from "./support/aws-mocks";
import { valueOf } from "./support/mocks";

let created: Registered[] = [];
let invoked: Invoked[] = [];
let fleetModule: typeof import("../../src/fleet/fleet");
let loader: typeof import("../../src/fleet/load-fleet");
const REPO = path.resolve(__dirname, "..", "..");

test.before(async () => {
  ({ created, invoked } = await setAwsMocks());
  fleetModule = require("../../src/fleet/fleet");
  loader = require("../../src/fleet/load-fleet");
});

test.serial(
  "a whole AWS fleet from stacks/aws.yaml: instances per distro, ports opened from the containers, ECR pulls with a fresh token",
  async (t) => {
    const spec = loader.loadFleet(path.join(REPO, "stacks", "aws.yaml"));
    const fleet = new fleetModule.Fleet("aws", { spec, config: () => undefined });
    const out = await valueOf(fleet.outputs);
    t.deepEqual(Object.keys(fleet.awsHosts), ["web-ubuntu", "web-al2023", "worker-rocky"]);
    t.is(out["web-ubuntu"].address, MOCK_PUBLIC_IP);
    t.is(fleet.awsHosts["web-ubuntu"].user, "ubuntu");
    t.is(fleet.awsHosts["worker-rocky"].user, "rocky");

    const groups = created.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup");
    const ingressOf = (host: string) =>
      groups.find((g) => g.name.startsWith(host))!.inputs.ingress as { fromPort: number; cidrBlocks: string[] }[];
    t.deepEqual(
      ingressOf("web-ubuntu")
        .map((r) => r.fromPort)
        .sort((a, b) => a - b),
      [22, 80],
      "SSH plus the published 80",
    );
    t.deepEqual(
      ingressOf("worker-rocky")
        .map((r) => r.fromPort)
        .sort((a, b) => a - b),
      [22, 6379],
    );
    t.deepEqual(ingressOf("worker-rocky").find((r) => r.fromPort === 6379)!.cidrBlocks, ["172.31.0.0/16"]);
    t.deepEqual(ingressOf("web-ubuntu").find((r) => r.fromPort === 22)!.cidrBlocks, ["203.0.113.0/24"]);

    const amis = invoked.filter((i) => i.token === "aws:ec2/getAmi:getAmi");
    t.is(amis.length, 3, "one AMI lookup per distro");
    const repo = created.find((r) => r.type === "aws:ecr/repository:Repository")!;
    t.is(repo.inputs.name, "shop/web");
    t.is(repo.inputs.imageTagMutability, "IMMUTABLE");
    t.true(
      invoked.some((i) => i.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken"),
      "the ECR token is fetched on this run",
    );

    const pull = created.find((r) => r.name === "web-al2023-123456789012.dkr.ecr.eu-central-1.amazonaws.com-shop-web-1.4.2")!
      .inputs as Record<string, any>;
    t.is(
      pull.registryAuth["4dabf18193072939515e22adb298388d"],
      "1b47061264138c4ac30d75fd1eb44270",
      "the ECR login reaches the provider as a secret",
    );
    t.is(pull.registryAuth.value.password, MOCK_ECR_PASSWORD);
    const redis = created.find((r) => r.name === "worker-rocky-redis-7.2")!.inputs as Record<string, any>;
    t.is(redis.registryAuth, undefined, "Docker Hub images get no ECR login");
    t.false(JSON.stringify(out).includes(MOCK_ECR_PASSWORD));
    t.false(JSON.stringify(out).includes("PRIVATE KEY"));
  },
);

test("AWS hosts in a fleet file: address/hostKey are refused, distro typos get a did-you-mean", (t) => {
  const e = t.throws(() =>
    loader.parseFleet(
      `hosts:
  - name: a
    address: 10.0.0.1
    aws: { distro: ubuntu-2404, sshCidrs: ["10.0.0.0/8"] }
  - name: b
    aws: { distro: debian-12, sshCidrs: ["everyone"] }
`,
      "aws-bad.yaml",
    ),
  ) as InstanceType<typeof loader.FleetFileError>;
  const lines = e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  t.true(
    lines.some((l) => /^4:\d+ hosts\[0\]\.aws\.distro: must be one of .* \(got "ubuntu-2404"\); did you mean "ubuntu-24.04"\?/.test(l)),
    lines.join("\n"),
  );
  t.true(
    lines.some((l) => /^6:\d+ hosts\[1\]\.aws\.sshCidrs\[0\]: must be a CIDR/.test(l)),
    lines.join("\n"),
  );
  t.true(
    lines.some((l) => /^3:5 hosts\[0\]\.address: is set by the EC2 instance/.test(l)),
    lines.join("\n"),
  );
});
