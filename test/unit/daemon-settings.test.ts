import test from "ava";
import { checkProxy, daemonSettingsFrom } from "../../src/engine/daemon-config";
import { daemonSettingsProblems, didYouMean, keysSetByFlags, maskCredentials, mergeDaemonJson } from "../../src/model/daemon-settings";
import { dataRootRefusal, notInEffect, proxyDropInAction, proxyNotInEffect } from "../../src/plan/daemon-config";
import {
  parseDaemonProbe,
  parseDataRootProbe,
  renderApplyDaemonJson,
  renderDataRootProbe,
  renderApplyDaemonSettings,
  renderDaemonProbe,
  renderProxyDropIn,
  renderRemoveProxyDropIn,
  renderRestoreDaemonJson,
  renderValidate,
} from "../../src/scripts/daemon-config";
import { shellcheck } from "./shellcheck";

const bad = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { path: (e as { propertyPath?: string }).propertyPath, message: (e as Error).message };
  }
  return undefined;
};

test("typed arguments become daemon.json keys", (t) => {
  t.deepEqual(
    daemonSettingsFrom({
      registryMirrors: ["https://mirror.example.cn"],
      insecureRegistries: ["10.0.0.5:5000", "10.1.0.0/16"],
      logDriver: "json-file",
      logOpts: { "max-size": "10m" },
      storageDriver: "overlay2",
      execOpts: ["native.cgroupdriver=systemd"],
      dataRoot: "/data/docker",
      liveRestore: true,
      bip: "172.26.0.1/16",
      defaultAddressPools: [{ base: "10.200.0.0/16", size: 24 }],
      maxConcurrentDownloads: 10,
      settings: { debug: true },
    }),
    {
      debug: true,
      "registry-mirrors": ["https://mirror.example.cn"],
      "insecure-registries": ["10.0.0.5:5000", "10.1.0.0/16"],
      "log-driver": "json-file",
      "log-opts": { "max-size": "10m" },
      "storage-driver": "overlay2",
      "exec-opts": ["native.cgroupdriver=systemd"],
      "data-root": "/data/docker",
      "live-restore": true,
      bip: "172.26.0.1/16",
      "default-address-pools": [{ base: "10.200.0.0/16", size: 24 }],
      "max-concurrent-downloads": 10,
    },
  );
});

for (const [label, args, path, reason] of [
  ["a mirror that is not http(s)", { registryMirrors: ["ftp://mirror.example.cn"] }, "registryMirrors[0]", /http\(s\) URL/],
  ["a mirror with a path", { registryMirrors: ["https://mirror.example.cn/v2/"] }, "registryMirrors[0]", /without a path/],
  ["an insecure registry given as a URL", { insecureRegistries: ["http://10.0.0.5:5000"] }, "insecureRegistries[0]", /without a scheme/],
  ["a misspelt setting", { settings: { "registry-mirror": ["https://m"] } }, "settings.registry-mirror", /did you mean 'registry-mirrors'/],
  ["a setting of the wrong type", { settings: { "live-restore": "yes" } }, "settings.live-restore", /true or false/],
  ["a typed argument given twice", { liveRestore: true, settings: { "live-restore": true } }, "settings.live-restore", /give it once/],
  ["a relative data root", { dataRoot: "docker" }, "dataRoot", /absolute/],
  ["a bip without prefix", { bip: "172.26.0.1" }, "bip", /prefix length/],
  ["zero downloads", { maxConcurrentDownloads: 0 }, "maxConcurrentDownloads", /at least 1/],
  ["a fractional download count", { maxConcurrentDownloads: 2.5 }, "maxConcurrentDownloads", /integer/],
  ["a pool size out of range", { defaultAddressPools: [{ base: "10.0.0.0/8", size: 40 }] }, "defaultAddressPools[0].size", /1-32/],
] as const) {
  test(`refused: ${label}`, (t) => {
    const e = bad(() => daemonSettingsFrom(args as Parameters<typeof daemonSettingsFrom>[0]));
    t.truthy(e, "accepted");
    t.is(e!.path, path);
    t.regex(e!.message, reason);
  });
}

test("unknown keys get the nearest known name, or none when nothing is close", (t) => {
  t.is(didYouMean("live_restore"), "live-restore");
  t.is(didYouMean("insecure-registry"), "insecure-registries");
  t.is(didYouMean("completely-unrelated-thing"), undefined);
  t.deepEqual(daemonSettingsProblems({ "storage-drivr": "overlay2" }), [
    "settings.storage-drivr: not a dockerd setting (did you mean 'storage-driver'?)",
  ]);
});

test("merge keeps foreign keys, ours win, and keys we dropped go; replace keeps only ours", (t) => {
  const current = { "log-driver": "journald", "registry-mirrors": ["http://old"], debug: true };
  t.deepEqual(mergeDaemonJson(current, { "registry-mirrors": ["http://new"] }, ["registry-mirrors", "debug"], "merge"), {
    "log-driver": "journald",
    "registry-mirrors": ["http://new"],
  });
  t.deepEqual(mergeDaemonJson(current, { "registry-mirrors": ["http://new"] }, [], "replace"), { "registry-mirrors": ["http://new"] });
});

test("flags in the docker unit that clash with daemon.json keys are found", (t) => {
  const execStart =
    "{ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock ; ignore_errors=no }";
  const keys = keysSetByFlags(execStart);
  t.is(keys.get("hosts"), "-H");
  t.is(keys.get("containerd"), "--containerd");
  t.false(keys.has("registry-mirrors"));
  t.is(
    keysSetByFlags("/usr/bin/dockerd --registry-mirror=https://m --insecure-registry 10.0.0.5:5000").get("insecure-registries"),
    "--insecure-registry",
  );
});

test("docker info is parsed and checked against what was asked", (t) => {
  const info = JSON.stringify({
    RegistryConfig: {
      Mirrors: ["http://10.0.0.5:5000/"],
      IndexConfigs: { "10.0.0.6:5000": { Secure: false }, "docker.io": { Secure: true } },
      InsecureRegistryCIDRs: ["127.0.0.0/8"],
    },
    LiveRestoreEnabled: true,
    LoggingDriver: "json-file",
    Driver: "overlay2",
    CgroupDriver: "cgroupfs",
    DockerRootDir: "/var/lib/docker",
  });
  const p = parseDaemonProbe(
    `@@dockyard@@ file\n{"live-restore": true}\n@@dockyard@@ execstart\n/usr/bin/dockerd -H fd://\n@@dockyard@@ validate\nno\n@@dockyard@@ info\n${info}\n`,
  );
  t.deepEqual(p.file, { "live-restore": true });
  t.false(p.canValidate);
  t.deepEqual(p.info?.insecureRegistries, ["10.0.0.6:5000", "127.0.0.0/8"]);
  t.deepEqual(
    notInEffect({ "registry-mirrors": ["http://10.0.0.5:5000"], "insecure-registries": ["10.0.0.6:5000"], "live-restore": true }, p.info),
    [],
  );
  t.deepEqual(notInEffect({ "registry-mirrors": ["http://10.9.9.9"], "exec-opts": ["native.cgroupdriver=systemd"] }, p.info), [
    "registry mirror http://10.9.9.9",
    "cgroup driver systemd",
  ]);
  t.is(parseDaemonProbe("@@dockyard@@ file\n@@absent@@\n").file, undefined);
  t.is(parseDaemonProbe("@@dockyard@@ file\n{ broken\n").unparsable, "{ broken");
});

test("daemon.json scripts: snapshot and shellcheck", (t) => {
  const content = JSON.stringify({ "live-restore": true, "registry-mirrors": ["http://10.0.0.5:5000"] }, null, 2);
  const scripts = {
    probe: renderDaemonProbe(),
    validate: renderValidate(content),
    apply: renderApplyDaemonJson(content),
    "restore a file": renderRestoreDaemonJson(content),
    "remove the file": renderRestoreDaemonJson(undefined),
  };
  for (const [name, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${name} fails shellcheck`);
    t.snapshot(body, name);
  }
  // The apply script backs up before writing, writes atomically, and rolls back on failure.
  const apply = scripts.apply;
  t.true(apply.indexOf('cp -p "$f" "$b"') < apply.indexOf('mv -f "$f.dockyard-new" "$f"'));
  t.regex(apply, /mv -f "\$b" "\$f"; else rm -f "\$f"; fi/);
  t.regex(apply, /exit 3/);
});

test("proxy: drop-in text doubles systemd's %, and scripts with it pass shellcheck", (t) => {
  const text = renderProxyDropIn({ http: "http://u:p%40ss@proxy:3128", noProxy: ["localhost", ".corp"] });
  t.is(
    text,
    '# Written by Dockyard (DaemonConfig proxy): pulumi up puts back any edit.\n[Service]\nEnvironment="HTTP_PROXY=http://u:p%%40ss@proxy:3128"\nEnvironment="NO_PROXY=localhost,.corp"\n',
  );
  const content = JSON.stringify({ "live-restore": true }, null, 2);
  const scripts = {
    "apply with the proxy drop-in": renderApplyDaemonSettings(content, "write"),
    "apply removing the proxy drop-in": renderApplyDaemonSettings(content, "remove"),
    "remove the proxy drop-in": renderRemoveProxyDropIn(true),
  };
  for (const [name, body] of Object.entries(scripts)) {
    t.is(shellcheck(body), "", `${name} fails shellcheck`);
    t.snapshot(body, name);
  }
  t.is(renderApplyDaemonSettings(content, "keep"), renderApplyDaemonJson(content), "no proxy: the daemon.json script as before");
  // The drop-in comes on stdin, never in the command; both files go back on failure.
  t.false(scripts["apply with the proxy drop-in"].includes("HTTP_PROXY"));
  t.regex(scripts["apply with the proxy drop-in"], /mv -f "\$p\.dockyard-backup" "\$p"; else rm -f "\$p"; fi\nsystemctl daemon-reload/);
});

for (const [label, proxy, path, reason] of [
  [
    "a proxy URL that is not http(s)",
    { https: "socks5://user:secret@10.0.0.1:1080" },
    "proxy.https",
    /must be an http:\/\/ or https:\/\/ URL \(got "socks5:\/\/xxxxx:xxxxx@10\.0\.0\.1:1080"\)/,
  ],
  ["a proxy that is not a URL", { http: "proxy.corp secret" }, "proxy.http", /must be an http:\/\/ or https:\/\/ URL$/],
  ["a quote in a proxy URL", { http: 'http://proxy"x:3128' }, "proxy.http", /must be an http|quotes/],
  ["a no-proxy entry with a space", { noProxy: ["a b"] }, "proxy.noProxy[0]", /host name/],
  ["an unknown proxy key", { ftp: "http://x" }, "proxy.ftp", /not a proxy setting/],
] as const) {
  test(`refused: ${label}`, (t) => {
    const e = bad(() => checkProxy(proxy as never));
    t.truthy(e, "accepted");
    t.is(e!.path, path);
    t.regex(e!.message, reason);
    t.false(e!.message.includes("secret"), "no credential in the message");
  });
}

test("proxy: only our drop-in is removed; docker info is compared with credentials masked", (t) => {
  const proxy = { https: "http://u:p@proxy:3128" };
  t.is(proxyDropInAction(proxy, undefined, false), "write");
  t.is(proxyDropInAction(proxy, renderProxyDropIn(proxy), true), "keep");
  t.is(proxyDropInAction(proxy, "[Service]\n", true), "write");
  t.is(proxyDropInAction(undefined, "[Service]\n", false), "keep", "a drop-in Dockyard did not write stays");
  t.is(proxyDropInAction(undefined, "[Service]\n", true), "remove");
  t.is(proxyDropInAction(undefined, undefined, true), "keep");
  const info = {
    mirrors: [],
    insecureRegistries: [],
    liveRestore: false,
    loggingDriver: "",
    storageDriver: "",
    cgroupDriver: "",
    dockerRootDir: "",
    httpProxy: "",
    httpsProxy: "http://xxxxx:xxxxx@proxy:3128",
    noProxy: "",
  };
  t.deepEqual(proxyNotInEffect(proxy, info), []);
  t.deepEqual(proxyNotInEffect({ ...proxy, noProxy: ["localhost"] }, info), ['no-proxy localhost (docker shows "")']);
  t.is(maskCredentials("http://proxy:3128"), "http://proxy:3128");
  const p = parseDaemonProbe(
    `@@dockyard@@ proxy\n${renderProxyDropIn(proxy)}\n@@dockyard@@ info\n${JSON.stringify({ HttpsProxy: "http://xxxxx:xxxxx@proxy:3128" })}\n`,
  );
  t.is(p.proxyDropIn, renderProxyDropIn(proxy));
  t.is(p.info?.httpsProxy, "http://xxxxx:xxxxx@proxy:3128");
  t.is(parseDaemonProbe("@@dockyard@@ proxy\n@@absent@@\n").proxyDropIn, undefined);
});

test("data-root: refused while the old root holds data and the new one is empty; probe snapshot and shellcheck", (t) => {
  const probe = renderDataRootProbe("/data/it's docker");
  t.is(shellcheck(probe), "");
  t.snapshot(probe, "data-root probe");
  const p = parseDataRootProbe("@@dockyard@@ containers\n2\n@@dockyard@@ images\n3\n@@dockyard@@ volumes\n0\n@@dockyard@@ new\nempty\n");
  t.deepEqual(p, { containers: 2, images: 3, volumes: 0, newRootUsed: false });
  t.regex(
    dataRootRefusal("root@10.0.0.1:22", "/var/lib/docker", "/data/docker", p)!,
    /^data-root would change from \/var\/lib\/docker to \/data\/docker on root@10\.0\.0\.1:22, but \/var\/lib\/docker holds 2 container\(s\), 3 image\(s\) and 0 volume\(s\).*Nothing was changed$/,
  );
  t.is(dataRootRefusal("h", "/var/lib/docker", "/data/docker", { ...p, newRootUsed: true }), undefined, "already moved: taken as it is");
  t.is(
    dataRootRefusal("h", "/var/lib/docker", "/data/docker", { containers: 0, images: 0, volumes: 0, newRootUsed: false }),
    undefined,
    "nothing to lose",
  );
});
