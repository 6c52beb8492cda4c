import test from "ava";
import { daemonConfig } from "../../src/providers/daemon-config";

// The provider's own check: what the component refuses, the provider refuses too, from inputs
// that did not come through the component (a config value, an older state, another language),
// before it opens any connection. The address is one nothing answers on: a connection attempt
// would end in an unreachable-host error instead of the refusal.
const connected = {
  connection: { host: "192.0.2.1", port: 22, user: "root", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA" },
  credentials: { privateKey: "unused" },
};

for (const [label, inputs, message] of [
  [
    "a mirror that ends a heredoc",
    { settings: { "registry-mirrors": ["https://m.example/x\nREPO\ntouch /tmp/x"] }, policy: "merge" },
    /settings\.registry-mirrors\[0\] must be an http\(s\) URL/,
  ],
  [
    "a proxy with a newline",
    { settings: {}, policy: "merge", proxy: { https: "http://u:S3cret@proxy:3128\nNO_PROXY=*" } },
    /proxy\.https must be an http:\/\/ or https:\/\/ URL \(got "http:\/\/<not a valid URL, not shown>"\)/,
  ],
  [
    "a no-proxy entry with a comma",
    { settings: {}, policy: "merge", proxy: { noProxy: ["a,b"] } },
    /proxy\.noProxy\[0\] must be a host name/,
  ],
  [
    "a data root with a command",
    { settings: { "data-root": "/x/$(id)" }, policy: "merge" },
    /settings\.data-root must be an absolute path/,
  ],
  ["an unknown policy", { settings: {}, policy: "overwrite" }, /policy must be merge or replace/],
] as const) {
  test(`the provider refuses ${label} before it connects, quoting no credential`, async (t) => {
    const started = Date.now();
    const err = await t.throwsAsync(daemonConfig.create({ ...connected, ...(inputs as object) } as never));
    t.regex(err!.message, /^\[DOCKYARD_INVALID_ARGUMENT\] root@192\.0\.2\.1:22: DaemonConfig refused before touching the host: /);
    t.regex(err!.message, message);
    t.false(err!.message.includes("S3cret"));
    t.true(Date.now() - started < 2000, "no connection was tried");
    const update = await t.throwsAsync(
      daemonConfig.update("id", { ...connected, settings: {}, policy: "merge" } as never, { ...connected, ...(inputs as object) } as never),
    );
    t.regex(update!.message, message);
  });
}
