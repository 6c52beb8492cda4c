import test from "ava";
import { checkProxy, daemonSettingsFrom } from "../../src/engine/daemon-config";
import { daemonSettingsProblems, daemonSpecProblems, didYouMean, keysSetByFlags, mergeDaemonJson } from "../../src/model/daemon-settings";
import { maskCredentials, maskCredentialsIn, maskUrl } from "../../src/model/url-credentials";
import { dataRootRefusal, notInEffect, proxyDropInAction, proxyNotInEffect } from "../../src/plan/daemon-config";
import {
  parseDaemonProbe,
  parseDataRootProbe,
  renderApplyDaemonJson,
  renderDataRootProbe,
  renderApplyDaemonSettings,
  renderDaemonProbe,
  renderProxyDropIn,
  renderProxyEnvFile,
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
    `@@dockyard@@ file\n{"live-restore": true}\n@@dockyard@@ execstart\n/usr/bin/dockerd -H fd://\n@@dockyard@@ info\n${info}\n`,
  );
  t.deepEqual(p.file, { "live-restore": true });
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

test("proxy: the drop-in names a root-only environment file and holds no value; scripts pass shellcheck", (t) => {
  const proxy = { http: "http://u:p%40ss@proxy:3128", noProxy: ["localhost", ".corp"] };
  t.is(
    renderProxyDropIn(),
    "# Written by Dockyard (DaemonConfig proxy): pulumi up puts back any edit.\n# The values are in /etc/docker/dockyard-proxy.env (root only: proxy URLs may carry credentials).\n[Service]\nEnvironmentFile=/etc/docker/dockyard-proxy.env\n",
  );
  t.notRegex(renderProxyDropIn(), /^Environment=/m, "no Environment= line: systemctl show would give it to every local user");
  t.is(
    renderProxyEnvFile(proxy),
    "# Written by Dockyard (DaemonConfig proxy): pulumi up puts back any edit.\nHTTP_PROXY=http://u:p%40ss@proxy:3128\nNO_PROXY=localhost,.corp\n",
    "an environment file knows no % specifiers: the value as it is",
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
  const write = scripts["apply with the proxy drop-in"];
  // The values come on stdin, never in the command; root-only from creation, then moved into place.
  t.false(write.includes("HTTP_PROXY"));
  t.regex(
    write,
    /\(umask 077; cat > "\$e\.dockyard-new"\)\nchown root:root "\$e\.dockyard-new"\nchmod 0600 "\$e\.dockyard-new"\nmv -f "\$e\.dockyard-new" "\$e"/,
  );
  t.regex(write, /^e='\/etc\/docker\/dockyard-proxy\.env'$/m);
  t.regex(write, /^EnvironmentFile=\/etc\/docker\/dockyard-proxy\.env$/m);
  // All files go back on failure.
  t.regex(
    write,
    /mv -f "\$p\.dockyard-backup" "\$p"; else rm -f "\$p"; fi\nif \[ "\$hade" = 1 \]; then mv -f "\$e\.dockyard-backup" "\$e"; else rm -f "\$e"; fi\nsystemctl daemon-reload/,
  );
  t.regex(scripts["apply removing the proxy drop-in"], /^rm -f "\$p" "\$e"$/m, "removal takes both files");
  t.regex(scripts["remove the proxy drop-in"], /'\/etc\/docker\/dockyard-proxy\.env'/);
});

for (const [label, proxy, path, reason] of [
  [
    "a proxy URL that is not http(s)",
    { https: "socks5://user:secret@10.0.0.1:1080" },
    "proxy.https",
    /must be an http:\/\/ or https:\/\/ URL \(got "socks5:\/\/xxxxx:xxxxx@10\.0\.0\.1:1080"\)/,
  ],
  [
    "a proxy that is not a URL",
    { http: "proxy.corp secret" },
    "proxy.http",
    /must be an http:\/\/ or https:\/\/ URL \(got "<not a valid URL, not shown>"\)/,
  ],
  [
    "a proxy URL with a space in its password",
    { http: "http://u:my secret@proxy:3128" },
    "proxy.http",
    /\(got "http:\/\/<not a valid URL, not shown>"\)/,
  ],
  [
    "a proxy URL with a newline",
    { https: "http://u:secret@proxy:3128\nX=1" },
    "proxy.https",
    /\(got "http:\/\/<not a valid URL, not shown>"\)/,
  ],
  [
    "a proxy URL with a query",
    { https: "http://u:secret@proxy:3128/?a=b" },
    "proxy.https",
    /\(got "http:\/\/xxxxx:xxxxx@proxy:3128\/\?a=b"\)/,
  ],
  ["a proxy URL with a dollar", { https: "http://u:$secret@proxy:3128" }, "proxy.https", /must be an http/],
  ["a quote in a proxy URL", { http: 'http://proxy"x:3128' }, "proxy.http", /must be an http|quotes/],
  ["a no-proxy entry with a space", { noProxy: ["a b"] }, "proxy.noProxy[0]", /host name/],
  ["a no-proxy entry with a comma", { noProxy: ["a,b"] }, "proxy.noProxy[0]", /host name/],
  ["a no-proxy entry with a newline", { noProxy: ["a\nHTTP_PROXY=x"] }, "proxy.noProxy[0]", /host name/],
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
  const ours = { proxyDropIn: renderProxyDropIn(), proxyEnv: renderProxyEnvFile(proxy), proxyEnvMode: "600 root" };
  t.is(proxyDropInAction(proxy, {}, false), "write");
  t.is(proxyDropInAction(proxy, ours, true), "keep");
  t.is(proxyDropInAction(proxy, { ...ours, proxyDropIn: "[Service]\n" }, true), "write");
  t.is(proxyDropInAction(proxy, { ...ours, proxyEnv: undefined }, true), "write");
  t.is(proxyDropInAction(undefined, { proxyDropIn: "[Service]\n" }, false), "keep", "a drop-in Dockyard did not write stays");
  t.is(proxyDropInAction(undefined, { proxyDropIn: "[Service]\n" }, true), "remove");
  t.is(proxyDropInAction(undefined, {}, true), "keep");
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
    `@@dockyard@@ proxy\n${renderProxyDropIn()}@@dockyard@@ proxyenv\n${renderProxyEnvFile(proxy)}@@dockyard@@ proxyenvmode\n600 root\n@@dockyard@@ info\n${JSON.stringify({ HttpsProxy: "http://xxxxx:xxxxx@proxy:3128" })}\n`,
  );
  t.is(p.proxyDropIn, renderProxyDropIn().replace(/\n$/, ""));
  t.is(p.proxyEnv, renderProxyEnvFile(proxy).replace(/\n$/, ""));
  t.is(p.proxyEnvMode, "600 root");
  t.is(proxyDropInAction(proxy, p, true), "keep", "read back as written: nothing to do");
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

// Masking never prints what it could not parse: each of these holds the password "S3cret".
for (const [input, shown] of [
  ["http://user:S3cret@proxy.example:3128", "http://xxxxx:xxxxx@proxy.example:3128"],
  ["http://user:S3cret@proxy.example:3128/path?q=1", "http://xxxxx:xxxxx@proxy.example:3128/path?q=1"],
  ["http://:S3cret@proxy.example", "http://xxxxx:xxxxx@proxy.example"],
  ["http://user:S3cret@proxy.example:99999", "http://<not a valid URL, not shown>"],
  ["http://user:S3 cret@proxy.example:3128", "http://<not a valid URL, not shown>"],
  ["http://user:S3cret@proxy example", "http://<not a valid URL, not shown>"],
  ["http://user:S3cret\n@proxy.example", "http://<not a valid URL, not shown>"],
  ["http://user:S3cret\t@proxy.example", "http://<not a valid URL, not shown>"],
  ["http://user:S3cr/et@proxy.example", "http://<not a valid URL, not shown>"],
  ["http:/user:S3cret@proxy.example", "http://<not a valid URL, not shown>"],
  ["http:\\\\user:S3cret@proxy.example", "http://<not a valid URL, not shown>"],
  ["http://user:S3cret@", "http://<not a valid URL, not shown>"],
  ["user:S3cret@proxy.example:3128", "user://<not a valid URL, not shown>"],
  ["S3cret@proxy.example", "<not a valid URL, not shown>"],
  ["//user:S3cret@proxy.example", "<not a valid URL, not shown>"],
  ["http://user:S3cret@[::1", "http://<not a valid URL, not shown>"],
  ["http://user:S3cret@proxy.example:3128\u2028", "http://<not a valid URL, not shown>"],
] as const) {
  test(`masking: ${JSON.stringify(input)} shows no password`, (t) => {
    t.is(maskCredentials(input), shown);
    t.false(maskUrl(input).includes("S3cret"));
  });
}

test("masking: values that are not URL-like stay; a value that must be a URL is hidden; URLs in free text masked", (t) => {
  t.is(maskCredentials("web-1"), "web-1", "no :// and no @: cannot carry URL credentials");
  t.is(maskCredentials("http://proxy:3128"), "http://proxy:3128");
  t.is(maskUrl("proxy.corp S3cret"), "<not a valid URL, not shown>");
  t.is(
    maskCredentialsIn('root@10.0.0.1:22: mirrors "http://u:S3cret@m:5000", "https://a:b@c/d@e" and http://plain:80, ops@example.com'),
    'root@10.0.0.1:22: mirrors "http://xxxxx:xxxxx@m:5000", "https://xxxxx:xxxxx@e" and http://plain:80, ops@example.com',
  );
  for (const word of [
    "http://user:S3cret@proxy.example:99999",
    "http:/user:S3cret@proxy.example",
    "http:\\\\user:S3cret@proxy.example",
    "//user:S3cret@proxy.example",
    "user:S3cret@proxy.example",
    "http://user:S3cr/et@proxy.example",
    "HTTP_PROXY=http://u:S3cret@p:3128",
  ]) {
    t.false(maskCredentialsIn(`dockerd said: (${word}) failed`).includes("S3cret"), word);
  }
});

test("a registry mirror with credentials is refused and never quoted: daemon.json is world-readable", (t) => {
  const e = bad(() => daemonSettingsFrom({ registryMirrors: ["https://user:S3cret@mirror.example"] }));
  t.is(e?.path, "registryMirrors[0]");
  t.regex(e!.message, /must not carry credentials.*\(got "https:\/\/xxxxx:xxxxx@mirror\.example"\)/);
  const malformed = bad(() => daemonSettingsFrom({ registryMirrors: ["https://user:S3 cret@mirror.example"] }));
  t.regex(malformed!.message, /registryMirrors\[0\] must be an http\(s\) URL.*\(got "https:\/\/<not a valid URL, not shown>"\)/);
  t.false(malformed!.message.includes("S3"));
});

test("the provider's own check refuses what the component refuses, never quoting a credential", (t) => {
  const ok = { settings: { "registry-mirrors": ["https://mirror.example"], "data-root": "/data/docker" }, policy: "merge" };
  t.deepEqual(daemonSpecProblems(ok), []);
  t.deepEqual(daemonSpecProblems({ ...ok, proxy: { http: "http://u:S3cret@proxy:3128", noProxy: ["localhost"] } }), []);
  const cases: [Parameters<typeof daemonSpecProblems>[0], string, RegExp][] = [
    [{ ...ok, policy: "overwrite" }, "policy", /merge or replace/],
    [{ ...ok, settings: { "registry-mirrors": ["https://m.example/x\nREPO"] } }, "settings.registry-mirrors[0]", /http\(s\) URL/],
    [{ ...ok, settings: { "registry-mirrors": ["https://u:S3cret@m.example"] } }, "settings.registry-mirrors[0]", /credentials/],
    [{ ...ok, settings: { "insecure-registries": ["10.0.0.5:5000; touch /x"] } }, "settings.insecure-registries[0]", /host\[:port\]/],
    [{ ...ok, settings: { "data-root": "/data/$(touch /x)" } }, "settings.data-root", /absolute path/],
    [{ ...ok, settings: { "live-restor": true } }, "settings.live-restor", /did you mean/],
    [{ ...ok, proxy: { https: "http://u:S3cret@proxy:3128\nX=1" } }, "proxy.https", /http:\/\/ or https:\/\/ URL/],
    [{ ...ok, proxy: { noProxy: ["a\nb"] } }, "proxy.noProxy[0]", /host name/],
    [{ ...ok, proxy: "http://proxy" }, "proxy", /object/],
  ];
  for (const [spec, path, reason] of cases) {
    const [first] = daemonSpecProblems(spec);
    t.truthy(first, `${path} accepted`);
    t.is(first[0], path);
    t.regex(first[1], reason);
    t.false(first[1].includes("S3cret"), `${path}: no credential`);
  }
});

test("daemon.json reaches the host only as the body of a quoted heredoc its values cannot end", (t) => {
  const hostile = ["x\nDAEMONJSON\ntouch /tmp/x", "$(touch /tmp/x)", "`id`", "'\"\\", "\u2028DAEMONJSON", "\0"];
  for (const v of hostile) {
    const content = JSON.stringify({ labels: [v], "log-opts": { [v]: v } }, null, 2);
    for (const body of [renderValidate(content), renderApplyDaemonJson(content), renderRestoreDaemonJson(content)]) {
      const lines = body.split("\n");
      const start = lines.findIndex((l) => /<<'DAEMONJSON'$/.test(l));
      const end = lines.indexOf("DAEMONJSON", start + 1);
      t.true(start >= 0 && end > start);
      t.is(lines.slice(start + 1, end).join("\n"), content, "the heredoc ends where the content ends");
    }
  }
});

test("reload: SIGHUP through systemd, success only on dockerd's reload event, else the restart with its rollback; snapshot and shellcheck", (t) => {
  const content = JSON.stringify({ "registry-mirrors": ["http://10.0.0.6:5000"] }, null, 2);
  const body = renderApplyDaemonSettings(content, "keep", 60, true);
  t.is(shellcheck(body), "", "the reload script fails shellcheck");
  t.snapshot(body, "apply by reload");
  const reload = body.indexOf("systemctl reload docker.service");
  const restart = body.indexOf("systemctl restart docker.service");
  t.true(body.indexOf('mv -f "$f.dockyard-new" "$f"') < reload, "the file is in place before the reload");
  t.true(reload > 0 && reload < restart, "the restart (with its rollback) only follows a reload that did not take");
  t.regex(body, /docker events --since "\$since" --until "\$\(date \+%s\.%N\)" --filter type=daemon --filter event=reload/);
  t.regex(body, /event=reload[^\n]*then rm -f "\$b"; exit 0; fi/, "the backup goes only when dockerd took the file");
  t.regex(body, /timeout 60 systemctl reload/, "the reload is bounded by engineStartTimeout");
  t.is(
    renderApplyDaemonSettings(content, "write", 60, true),
    renderApplyDaemonSettings(content, "write", 60),
    "a proxy change always restarts",
  );
});
