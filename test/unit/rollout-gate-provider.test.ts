// The gate provider's decisions without a fleet: when it waits, and what a timeout says.
import { keyPair } from "../rig/keys";
import test from "ava";
import { rolloutGate, type RolloutGateInputs } from "../../src/providers/rollout-gate";

const key = keyPair().private;
// Nothing listens on port 1: the host "does not answer", as a rebooting one would not.
const gate = (over: Partial<RolloutGateInputs> = {}): RolloutGateInputs => ({
  label: "batch 1 of 2 (web1)",
  changes: ["24.0.7", "c0ffee"],
  targets: [
    {
      connection: { host: "127.0.0.1", port: 1, user: "root", insecureSkipHostKeyCheck: true, connectTimeout: 2, connectAttempts: 1 },
      containers: ["web"],
    },
  ],
  credentials: [{ privateKey: key }],
  pauseSeconds: 0,
  timeoutSeconds: 1,
  ...over,
});

test("unchanged: no diff; the batch before changed, or still unknown in a preview: a diff", async (t) => {
  t.false((await rolloutGate.diff("g", gate(), gate())).changes);
  t.true((await rolloutGate.diff("g", gate(), gate({ changes: ["25.0.3", "c0ffee"] }))).changes);
  t.true((await rolloutGate.diff("g", gate(), gate({ changes: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] }))).changes);
  t.true((await rolloutGate.diff("g", gate(), gate({ pauseSeconds: 30 }))).changes, "a new pause is recorded");
});

test("an update that only records new settings does not wait (the hosts are not even asked)", async (t) => {
  const started = Date.now();
  const { outs } = await rolloutGate.update("g", gate(), gate({ pauseSeconds: 30, timeoutSeconds: 60 }));
  t.is(outs?.pauseSeconds, 30);
  t.true(Date.now() - started < 500, `took ${Date.now() - started} ms`);
});

test("a batch that is not healthy within the timeout stops the rollout, naming the host, the batch and why", async (t) => {
  const started = Date.now();
  const e = await t.throwsAsync(rolloutGate.update("g", gate(), gate({ changes: ["25.0.3", "c0ffee"] })));
  t.regex(
    e!.message,
    /^\[DOCKYARD_ROLLOUT_STOPPED\] root@127\.0\.0\.1:1: rollout stopped after batch 1 of 2 \(web1\): the host does not answer: .* after 1 s of waiting\. The later batches were not changed$/s,
  );
  t.true(Date.now() - started >= 1000, "it waited for the timeout");
});

test("a gate with no containers to wait for waits for the pause alone", async (t) => {
  const started = Date.now();
  await rolloutGate.create(gate({ targets: [], credentials: [], pauseSeconds: 0.3 }));
  t.true(Date.now() - started >= 300);
});
