import test from "ava";
import type * as pulumiType from "@pulumi/pulumi";
import type { RegistryCredentials } from "../../src/workload/image";
import type { Registered } from "./support/mocks";
import { registeredSince, settle, valueOf } from "./support/mocks";
import { type Invoked, MOCK_ACCOUNT, MOCK_ECR_PASSWORD, MOCK_REGISTRY, setAwsMocks } from "./support/aws-mocks";

// Mocks must be in place before the code that creates resources is loaded.
let pulumi: typeof pulumiType;
let EcrRegistry: typeof import("../../src/aws/ecr-registry").EcrRegistry;
let ecrLifecyclePolicy: typeof import("../../src/aws/ecr-registry").ecrLifecyclePolicy;
let created: Registered[] = [];
let invoked: Invoked[] = [];

test.before(async () => {
  ({ pulumi, created, invoked } = await setAwsMocks());
  ({ EcrRegistry, ecrLifecyclePolicy } = require("../../src/aws/ecr-registry"));
});

const isSecret = (o: pulumiType.Output<unknown>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;
const resource = (type: string, name: string) => {
  const r = created.find((c) => c.type === type && c.name === name);
  if (!r) throw new Error(`no ${type} named ${name} was registered`);
  return r;
};

test.serial("a repository with scan on push, mutable tags and no force delete by default", async (t) => {
  const ecr = new EcrRegistry("web");
  t.is(await valueOf(ecr.repositoryUrl), `${MOCK_REGISTRY}/web`);
  const repo = resource("aws:ecr/repository:Repository", "web").inputs;
  t.is(repo.name, "web");
  t.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
  t.is(repo.imageTagMutability, "MUTABLE");
  t.is(repo.forceDelete, false);
  t.false("encryptionConfigurations" in repo);
});

test.serial("the options reach the repository", async (t) => {
  const kms = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const ecr = new EcrRegistry("shop", {
    repositoryName: "shop/web",
    imageTagMutability: "IMMUTABLE",
    scanOnPush: false,
    forceDelete: true,
    kmsKeyArn: kms,
    tags: { team: "web" },
  });
  t.is(await valueOf(ecr.repositoryUrl), `${MOCK_REGISTRY}/shop/web`);
  const repo = resource("aws:ecr/repository:Repository", "shop").inputs;
  t.is(repo.name, "shop/web");
  t.is(repo.imageTagMutability, "IMMUTABLE");
  t.deepEqual(repo.imageScanningConfiguration, { scanOnPush: false });
  t.is(repo.forceDelete, true);
  t.deepEqual(repo.encryptionConfigurations, [{ encryptionType: "KMS", kmsKey: kms }]);
  t.deepEqual(repo.tags, { team: "web" });
});

test.serial("the lifecycle policy keeps the newest images and expires untagged ones", async (t) => {
  const ecr = new EcrRegistry("kept", { keepLastImages: 50, expireUntaggedAfterDays: 3 });
  await valueOf(ecr.lifecyclePolicy.id);
  const policy = resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "kept").inputs;
  t.is(policy.repository, "kept");
  const rules = JSON.parse(policy.policy as string).rules;
  t.deepEqual(
    rules.map((r: { rulePriority: number; selection: unknown }) => [r.rulePriority, r.selection]),
    [
      [1, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 3 }],
      [2, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 50 }],
    ],
  );
  t.true(rules.every((r: { action: { type: string } }) => r.action.type === "expire"));
  const defaults = JSON.parse(ecrLifecyclePolicy(30, 14)).rules;
  t.deepEqual([defaults[0].selection.countNumber, defaults[1].selection.countNumber], [14, 30]);
  const d = new EcrRegistry("defaults");
  await valueOf(d.lifecyclePolicy.id);
  t.is(resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "defaults").inputs.policy, ecrLifecyclePolicy(30, 14));
});

test.serial("endpoint and credentials for an Image: fetched by an invoke, the password a secret", async (t) => {
  const before = invoked.length;
  const ecr = new EcrRegistry("pull");
  t.is(await valueOf(ecr.endpoint), MOCK_REGISTRY);
  t.is(await valueOf(ecr.registryId), MOCK_ACCOUNT);
  // The shape Image takes (a compile-time check as much as a runtime one).
  const creds: RegistryCredentials = ecr.credentials;
  t.is(await valueOf(pulumi.output(creds.server)), MOCK_REGISTRY);
  t.is(await valueOf(pulumi.output(creds.username)), "AWS");
  t.is(await valueOf(ecr.credentials.password), MOCK_ECR_PASSWORD);
  t.true(await isSecret(ecr.credentials.password), "the token is a secret");
  t.false(await isSecret(ecr.credentials.server));
  const call = invoked.slice(before).find((i) => i.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken");
  t.truthy(call, "the token comes from an invoke, which runs on every preview and up");
  t.is(call!.inputs.registryId, MOCK_ACCOUNT);
  await settle(created);
  t.false(
    created.some((c) => /getAuthorizationToken|AuthorizationToken/i.test(c.type)),
    "no resource keeps a token in the state",
  );
  // The token is in no resource's inputs and no plain output.
  t.false(created.some((c) => JSON.stringify(c.inputs).includes(MOCK_ECR_PASSWORD)));
  const plain = await Promise.all([ecr.endpoint, ecr.repositoryUrl, ecr.registryId].map((o) => valueOf(o)));
  t.false(JSON.stringify(plain).includes(MOCK_ECR_PASSWORD));
});

for (const [label, args, path, reason] of [
  ["an upper-case repository name", { repositoryName: "Shop/Web" }, "repositoryName", /lowercase/],
  ["a repository name with a trailing slash", { repositoryName: "shop/" }, "repositoryName", /lowercase/],
  ["a one-letter repository name", { repositoryName: "a" }, "repositoryName", /2-256/],
  ["an unknown tag mutability", { imageTagMutability: "mutable" }, "imageTagMutability", /"MUTABLE" or "IMMUTABLE"/],
  ["keeping no images", { keepLastImages: 0 }, "keepLastImages", /positive integer/],
  ["a fractional number of days", { expireUntaggedAfterDays: 1.5 }, "expireUntaggedAfterDays", /positive integer/],
  ["a reserved tag key", { tags: { "aws:x": "y" } }, "tags.aws:x", /aws:/],
] as const) {
  test.serial(`refused before anything is made: ${label}`, async (t) => {
    const before = await settle(created);
    const err = t.throws(() => new EcrRegistry("bad", args as never));
    t.is((err as { propertyPath?: string }).propertyPath, path);
    t.regex(err!.message, reason);
    t.true(err!.message.startsWith("[DOCKYARD_INVALID_ARGUMENT] EcrRegistry bad: "), err!.message);
    // Only the component's own shell (registered before its arguments are checked); no AWS resource.
    t.deepEqual(
      (await registeredSince(created, before)).map((r) => `${r.type} ${r.name}`),
      ["dockyard:aws:EcrRegistry bad"],
      "no AWS resource registered",
    );
  });
}
