import test from "ava";
import { EventEmitter } from "node:events";
import { forgetAllHosts, HOST_READ_TTL_MS, readHost } from "../../src/remote/host-reads";
import type { SshSession } from "../../src/remote/ssh-session";
import { instrumented } from "../../src/providers/instrumented";

// The shared host read as providers see it: served from memory between changes, dropped by any
// create, update or delete of a resource on that machine (and only that machine).

/** A session that answers every command as the shell would, counting the commands. */
function fakeSession(target: string): { session: SshSession; commands: () => number } {
  let count = 0;
  const session = {
    target,
    stream: async (script: string) => {
      count++;
      const channel = Object.assign(new EventEmitter(), { stderr: new EventEmitter(), end: () => undefined });
      // Each probe part ends with its marker line and status 0, as the host's shell prints it.
      const markers = [...script.matchAll(/printf '\\n%s\\n' "(@@dockyard-read-[0-9a-f]+@@ \d+) \$\?"/g)].map((m) => m[1]);
      setImmediate(() => {
        channel.emit("data", Buffer.from(markers.map((m, i) => `out ${count}.${i}\n\n${m} 0\n`).join("")));
        channel.emit("close");
      });
      return channel;
    },
  } as unknown as SshSession;
  return { session, commands: () => count };
}

const probe = { name: "facts", script: "uname -r", what: "reading host facts" };
const web1 = { connection: { host: "10.0.0.1", port: 22, user: "root" } };
const web2 = { connection: { host: "10.0.0.2", port: 22, user: "root" } };

test.serial(
  "a change to a machine drops its shared reads before and after; diffs and reads keep them; other machines keep theirs",
  async (t) => {
    forgetAllHosts();
    const one = fakeSession("root@10.0.0.1:22");
    const two = fakeSession("root@10.0.0.2:22");
    t.is(await readHost(one.session, "10.0.0.1:22", [probe])[0], "out 1.0\n");
    t.is(await readHost(two.session, "10.0.0.2:22", [probe])[0], "out 1.0\n");
    t.is(await readHost(one.session, "10.0.0.1:22", [probe])[0], "out 1.0\n", "shared");
    t.is(one.commands(), 1);

    let readDuringChange: string | undefined;
    const provider = instrumented("example", {
      diff: async (_id: string, _olds: unknown, _news: unknown) => ({ changes: false }),
      read: async (id: string, props: unknown) => ({ id, props }),
      create: async (_inputs: unknown) => {
        t.is(one.commands(), 1, "nothing read yet");
        // A read while the change runs is dropped again when it ends.
        readDuringChange = await readHost(one.session, "10.0.0.1:22", [probe])[0];
        return { id: "x", outs: {} };
      },
      update: async (_id: string, _olds: unknown, _news: unknown) => ({ outs: {} }),
      delete: async (_id: string, _props: unknown) => undefined,
    });
    await provider.diff!("x", web1 as never, web1 as never);
    await provider.read!("x", web1 as never);
    t.is(await readHost(one.session, "10.0.0.1:22", [probe])[0], "out 1.0\n", "a diff or read drops nothing");

    await provider.create!(web1 as never);
    t.is(readDuringChange, "out 2.0\n", "the change's own read went to the host");
    t.is(await readHost(one.session, "10.0.0.1:22", [probe])[0], "out 3.0\n", "read again after the change");
    t.is(await readHost(two.session, "10.0.0.2:22", [probe])[0], "out 1.0\n", "the other machine's read is kept");

    await provider.update!("x", web2 as never, web2 as never);
    t.is(await readHost(two.session, "10.0.0.2:22", [probe])[0], "out 2.0\n");
    await provider.delete!("x", web1 as never);
    t.is(await readHost(one.session, "10.0.0.1:22", [probe])[0], "out 4.0\n");
    t.is(one.commands(), 4);
  },
);

test.serial("a read older than the limit is not served", async (t) => {
  forgetAllHosts();
  const one = fakeSession("root@10.0.0.1:22");
  const realNow = Date.now;
  try {
    await readHost(one.session, "10.0.0.1:22", [probe])[0];
    const later = realNow() + HOST_READ_TTL_MS + 1000;
    Date.now = () => later;
    t.is(await readHost(one.session, "10.0.0.1:22", [probe])[0], "out 2.0\n");
    t.is(one.commands(), 2);
  } finally {
    Date.now = realNow;
  }
});

test("the instrumented provider returns what the provider returns and passes its errors on", async (t) => {
  const p = instrumented("example", {
    create: async (inputs: unknown) => ({ id: "made", outs: inputs }),
    delete: async (_id: string, _props: unknown) => {
      throw new Error("refused by the host");
    },
  });
  t.deepEqual(await p.create!(web1 as never), { id: "made", outs: web1 });
  await t.throwsAsync(p.delete!("made", web1 as never), { message: "refused by the host" });
});
