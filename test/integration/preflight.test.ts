import test from "ava";
import { DockerEngine } from "pulumi-dockyard";
import { Rig } from "../rig/rig";
import { pulumiEngine, testStack } from "./support/engine";
import { fingerprint, rigHost } from "./support/programs";

let rig: Rig;

test.before(async () => {
  await pulumiEngine();
  rig = await Rig.start({ hosts: 2 });
  // h1 claims to be an OS outside the policy (the test controls its os-release).
  await rig.exec(
    rig.hosts[0],
    `rm -f /etc/os-release && printf 'ID=gentoo\\nPRETTY_NAME="Gentoo Linux"\\nVERSION_ID=2.15\\n' > /etc/os-release`,
  );
});

test.after.always(async () => {
  await rig?.stop();
});

const types = async (stack: { exportStack(): Promise<{ deployment: { resources?: { type: string }[] } }> }) =>
  ((await stack.exportStack()).deployment.resources ?? []).map((r) => r.type);

test.serial("a host outside policy is refused with its name and reason, and no host is changed", async (t) => {
  const [bad, good] = rig.hosts;
  const before = await Promise.all([fingerprint(rig, bad), fingerprint(rig, good)]);
  const { stack, cleanup } = await testStack("dockyard-preflight", "os", async () => {
    const hosts = [rigHost(rig, bad), rigHost(rig, good)];
    // Engines wait for every host's preflight: one refused host stops the whole fleet.
    hosts.forEach((h, i) => new DockerEngine(`${[bad, good][i].name}-docker`, { host: h, source: "distro" }, { dependsOn: hosts }));
    return {};
  });
  try {
    const err = await t.throwsAsync(stack.up());
    t.regex(
      err!.message,
      new RegExp(`root@${bad.address}:22: preflight failed, nothing was changed: Gentoo Linux is not a supported family`),
    );
    t.deepEqual(await Promise.all([fingerprint(rig, bad), fingerprint(rig, good)]), before);
    t.false((await types(stack)).some((ty) => ty === "dockyard:index:DockerEngine"));
  } finally {
    await cleanup();
  }
});

test.serial("a kernel below the policy's minimum is refused before anything changes", async (t) => {
  const good = rig.hosts[1];
  const before = await fingerprint(rig, good);
  const { stack, cleanup } = await testStack("dockyard-preflight", "kernel", async () => {
    const h = rigHost(rig, good, { preflight: { minKernel: "99.0" } });
    new DockerEngine("docker", { host: h, source: "distro" });
    return {};
  });
  try {
    const err = await t.throwsAsync(stack.up());
    t.regex(
      err!.message,
      new RegExp(`root@${good.address}:22: preflight failed, nothing was changed: kernel \\S+ is older than the required 99\\.0`),
    );
    t.is(await fingerprint(rig, good), before);
  } finally {
    await cleanup();
  }
});

test.serial("an unreachable host fails with a clear error naming it, after the configured attempts", async (t) => {
  const good = rig.hosts[1];
  const nowhere = good.address.replace(/\.\d+$/, ".250");
  const { stack, cleanup } = await testStack("dockyard-preflight", "unreachable", async () => {
    const h = rigHost(rig, { ...good, address: nowhere }, { connectAttempts: 2, connectTimeout: 3 });
    new DockerEngine("docker", { host: h });
    return {};
  });
  try {
    const started = Date.now();
    const err = await t.throwsAsync(stack.up());
    t.regex(err!.message, new RegExp(`root@${nowhere.replace(/\./g, "\\.")}:22: unreachable`));
    t.true(Date.now() - started < 120_000);
    t.false((await types(stack)).some((ty) => ty === "dockyard:index:DockerEngine"));
  } finally {
    await cleanup();
  }
});

test.serial("a wrong user is an authentication failure, distinct from a wrong host key", async (t) => {
  const good = rig.hosts[1];
  const { stack, cleanup } = await testStack("dockyard-preflight", "auth", async () => {
    const h = rigHost(rig, good, { user: "nobody" });
    return { facts: h.facts };
  });
  try {
    const err = await t.throwsAsync(stack.up());
    t.regex(err!.message, new RegExp(`nobody@${good.address.replace(/\./g, "\\.")}:22: authentication failed for user 'nobody'`));
  } finally {
    await cleanup();
  }
});

test.serial("through a jump host: the connection to the target is forwarded by the bastion", async (t) => {
  const [bastion, target] = rig.hosts;
  const { stack, cleanup } = await testStack("dockyard-preflight", "jump", async () => {
    const h = rigHost(rig, target, {
      jump: { address: bastion.address, hostKey: bastion.hostKey },
    });
    return { facts: h.facts };
  });
  try {
    const up = await stack.up();
    t.is(up.outputs.facts.value.kernel, (await rig.exec(target, "uname -r")).trim());
    // The target saw the connection come from the bastion, not from this machine.
    const log = await rig.exec(target, "journalctl -u ssh --no-pager | grep 'Accepted publickey' | tail -n 1");
    t.regex(log, new RegExp(`from ${bastion.address.replace(/\./g, "\\.")} port`));
    await stack.destroy();
  } finally {
    await cleanup();
  }
});
