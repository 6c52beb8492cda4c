// The docker-ce package source as a way in: a mirror value that would become a root shell, a
// signing key trusted as the mirror serves it, credentials in a mirror URL. Each row here failed
// on the code before issue 24.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import test from "ava";
import { DEFAULT_DOCKER_CE_KEY_FINGERPRINT, DEFAULT_DOWNLOAD_TIMEOUT_SECONDS } from "../../src/model/defaults";
import { type Distro, detectDistro } from "../../src/model/distro";
import { FleetFileError, parseFleet } from "../../src/fleet/load-fleet";
import { InvalidArgumentError } from "../../src/model/input-error";
import { formatFingerprint, keyFingerprints, normalizeFingerprint, signingKeyProblem } from "../../src/model/pgp-key";
import { maskUrl, splitUrlCredentials } from "../../src/model/url-credentials";
import { checkEngineSpec, checkSigningKey, type EngineSpec, planSigningKeyFetch, renderEngineStep } from "../../src/plan/docker-engine";
import { isRefusal } from "../../src/plan/refusal";
import { dockerEngine } from "../../src/providers/docker-engine";
import {
  prepareInput,
  renderFetchSigningKey,
  renderOnlinePrepare,
  SIGNING_KEY_STAGING,
  STAGED_KEY_MARKER,
} from "../../src/scripts/engine-online";
import { APT_AUTH_FILE, packageManagerOf } from "../../src/scripts/package-managers";
import { DISTROS } from "./fixtures/os-release";

function distro(name: keyof typeof DISTROS): Distro {
  const d = detectDistro(DISTROS[name]);
  if (typeof d === "string") throw new Error(d);
  return d;
}
const rocky = distro("rocky-9");
const debian = distro("debian-12");
const HOSTILE_MIRROR = "https://mirror.example/docker-ce\nREPO\ntouch /tmp/x\n: ";

// --- 1. a mirror value is never a shell ---

test("the heredoc-ending mirror on Rocky 9 is refused by the provider's own check, naming the field", (t) => {
  const err = t.throws(() => checkEngineSpec({ method: "online", mirror: HOSTILE_MIRROR }), { instanceOf: InvalidArgumentError });
  t.is((err as InvalidArgumentError).propertyPath, "mirror");
  t.regex(err!.message, /^.*mirror must be an http\(s\) URL/);
});

test("the provider refuses it before it touches the host (a state or config value arrives unchecked)", async (t) => {
  // An address nothing answers on: reaching for the host would fail otherwise, and slowly.
  const inputs = {
    connection: { host: "192.0.2.1", port: 22, user: "root", connectTimeout: 1, connectAttempts: 1, hostKey: "SHA256:x" },
    credentials: { privateKey: "unused" },
    facts: DISTROS["rocky-9"],
    spec: { method: "online", source: "docker-ce", mirror: HOSTILE_MIRROR, channel: "stable" } as EngineSpec,
  };
  const err = await t.throwsAsync(() => dockerEngine.create(inputs as never), { instanceOf: InvalidArgumentError });
  t.is((err as InvalidArgumentError).propertyPath, "mirror");
  const update = await t.throwsAsync(() => dockerEngine.update("id", inputs as never, inputs as never), {
    instanceOf: InvalidArgumentError,
  });
  t.is((update as InvalidArgumentError).propertyPath, "mirror");
});

test("even past every check, the yum .repo file is written through quoted printf lines: the value stays text", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-repo-"));
  const marker = path.join(dir, "pwned");
  try {
    const lines = packageManagerOf(rocky).writeRepository(
      rocky,
      `https://mirror.example/docker-ce\nREPO\ntouch ${marker}\n: '$(touch ${marker})\`touch ${marker}\``,
      "stable",
      "/k",
      false,
    );
    const write = lines.filter((l) => l.includes("docker-ce.repo.new")).map((l) => l.replaceAll("/etc/yum.repos.d/", `${dir}/`));
    t.false(
      lines.some((l) => l.includes("<<")),
      "no heredoc",
    );
    execFileSync("sh", ["-eu", "-c", write.join("\n")]);
    t.false(existsSync(marker), "nothing the value says ran");
    t.regex(readFileSync(path.join(dir, "docker-ce.repo"), "utf8"), /touch/, "the value is in the file, as text");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("plain http is refused unless allowInsecureHttp, for the mirror and the bundle URL alike", (t) => {
  t.throws(() => checkEngineSpec({ method: "online", mirror: "http://mirror.example/docker-ce" }), { message: /plain http/ });
  t.notThrows(() => checkEngineSpec({ method: "online", mirror: "http://mirror.example/docker-ce", allowInsecureHttp: true }));
  const bundle = { url: "http://files.example/docker.tgz", sha256: "a".repeat(64) };
  t.throws(() => checkEngineSpec({ method: "offline", bundle }), { message: /bundle .*plain http/ });
  t.notThrows(() => checkEngineSpec({ method: "offline", bundle, allowInsecureHttp: true }));
  // curl on the host is held to https (redirects included) unless allowed.
  t.regex(renderFetchSigningKey(debian, "https://m.example").script, /--proto =https --proto-redir =https /);
  t.regex(renderFetchSigningKey(debian, "http://m.example", { allowInsecureHttp: true }).script, /--proto =https,http /);
});

// --- 2. the signing key is checked against its pin before anything trusts it ---

let gnupg: string;
function gpg(...args: string[]): string {
  return execFileSync("gpg", ["--batch", "--homedir", gnupg, "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}
/** gpg's own fingerprints of a key: [primary, ...subkeys]. */
function gpgFingerprints(uid: string): string[] {
  return gpg("--with-colons", "--fingerprint", "--fingerprint", uid)
    .split("\n")
    .filter((l) => l.startsWith("fpr:"))
    .map((l) => l.split(":")[9]);
}

test.before(() => {
  gnupg = mkdtempSync(path.join(tmpdir(), "dockyard-gpg-"));
  gpg("--quick-generate-key", "Rig RSA <rsa@dockyard.invalid>", "rsa2048", "sign", "never");
  gpg("--quick-generate-key", "Rig Ed <ed@dockyard.invalid>", "ed25519", "sign", "never");
  const fpr = gpgFingerprints("ed@dockyard.invalid")[0];
  gpg("--quick-add-key", fpr, "cv25519", "encr", "never");
});
test.after.always(() => {
  execFileSync("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"], { stdio: "ignore" });
  rmSync(gnupg, { recursive: true, force: true });
});

test("fingerprints computed from the armored key are gpg's own (RSA, ed25519 with a subkey)", (t) => {
  for (const uid of ["rsa@dockyard.invalid", "ed@dockyard.invalid"]) {
    const [primary, ...subkeys] = gpgFingerprints(uid);
    const armored = gpg("--armor", "--export", uid);
    t.deepEqual(keyFingerprints(armored), { primary: [primary], subkeys }, uid);
    t.is(signingKeyProblem(armored, formatFingerprint(primary)), undefined);
    t.is(signingKeyProblem(armored, primary.toLowerCase()), undefined);
  }
});

test("a key that is not the pinned one is refused, naming the fingerprint found and the one pinned", (t) => {
  const [found] = gpgFingerprints("rsa@dockyard.invalid");
  const armored = gpg("--armor", "--export", "rsa@dockyard.invalid");
  const out = `installing curl...\n${STAGED_KEY_MARKER}\n${armored}`;
  const r = checkSigningKey({ method: "online", mirror: "https://user:s3cret@mirror.example/docker-ce" }, debian, out);
  if (!isRefusal(r)) return t.fail("accepted");
  t.is(r.code, "DOCKYARD_SIGNING_KEY_MISMATCH");
  t.true(r.message.includes(formatFingerprint(found)), r.message);
  t.true(r.message.includes(formatFingerprint(DEFAULT_DOCKER_CE_KEY_FINGERPRINT)), r.message);
  t.regex(r.message, /https:\/\/xxxxx:xxxxx@mirror\.example\/docker-ce\/linux\/debian\/gpg/);
  t.false(r.message.includes("s3cret"));
  t.regex(r.message, /Nothing was trusted or changed/);
  t.deepEqual(r.undo, [{ kind: "dropSigningKey" }], "the staged key is removed; repository files were never touched");
  t.is(renderEngineStep(r.undo[0], debian).script.includes(`rm -f ${SIGNING_KEY_STAGING}`), true);
  // With its own fingerprint pinned the same key passes, and the prepare checks it is still that key.
  const ok = checkSigningKey({ method: "online", mirrorKeyFingerprint: found }, debian, out);
  if (isRefusal(ok)) return t.fail(ok.message);
  t.regex(ok.keySha256, /^[0-9a-f]{64}$/);
  t.true(
    renderOnlinePrepare(debian, "docker-ce", { mirror: "https://m", channel: "stable", keySha256: ok.keySha256 }).includes(ok.keySha256),
  );
});

test("a second key appended to the pinned one is refused: apt and rpm would trust both", (t) => {
  const [pinned] = gpgFingerprints("ed@dockyard.invalid");
  const both = gpg("--armor", "--export", "ed@dockyard.invalid", "rsa@dockyard.invalid");
  t.regex(signingKeyProblem(both, pinned) ?? "", /fingerprint is .*, .* but .* is pinned/);
  t.regex(signingKeyProblem("<html>mirror error page</html>", pinned) ?? "", /not a readable OpenPGP public key/);
  t.regex(signingKeyProblem("", pinned) ?? "", /not a readable OpenPGP public key/);
});

test("Docker's published fingerprint is the default pin; the fetch is the first step of a docker-ce install only", (t) => {
  t.is(normalizeFingerprint(DEFAULT_DOCKER_CE_KEY_FINGERPRINT), "9DC858229FC7DD38854AE2D88D81803C0EBFCD88");
  t.deepEqual(planSigningKeyFetch({ method: "online" }), [
    { kind: "fetchSigningKey", mirror: "https://download.docker.com", allowInsecureHttp: false },
  ]);
  t.deepEqual(planSigningKeyFetch({ method: "online", source: "distro" }), []);
  t.throws(() => checkEngineSpec({ method: "online", mirrorKeyFingerprint: "9DC8" }), {
    message: /mirrorKeyFingerprint must be an OpenPGP/,
  });
});

test("the key is staged root-only and trusted from that file: apt keyring, rpm gpgkey=file://, never fetched by yum/dnf", (t) => {
  for (const d of [debian, rocky]) {
    const fetch = renderFetchSigningKey(d, "https://mirror.example/docker-ce").script;
    t.regex(
      fetch,
      new RegExp(`\\(umask 077 && curl .* -o ${SIGNING_KEY_STAGING}.new 'https://mirror.example/docker-ce/linux/${d.repoOs}/gpg'\\)`),
    );
    const prepare = renderOnlinePrepare(d, "docker-ce", {
      mirror: "https://mirror.example/docker-ce",
      channel: "stable",
      keySha256: "ab".repeat(32),
    });
    t.regex(prepare, new RegExp(`sha256sum -c --status`), "the key installed is the one checked");
    t.true(prepare.indexOf("sha256sum -c") < prepare.indexOf("repo-before"), "checked before any repository file is touched");
    t.notRegex(prepare, /curl|gpgkey=http/);
  }
});

// --- 3. credentials in the mirror URL ---

test("credentials reach the host only over stdin, into 0600 files; no command line carries them", (t) => {
  const mirror = "https://deploy:s3cr%21et@mirror.example/docker-ce";
  t.deepEqual(splitUrlCredentials(mirror), { url: "https://mirror.example/docker-ce", username: "deploy", password: "s3cr!et" });
  t.is(maskUrl(mirror), "https://xxxxx:xxxxx@mirror.example/docker-ce");
  t.is(maskUrl("not a url with:pass@word"), "<not a valid URL, not shown>");
  for (const d of [debian, rocky]) {
    const fetch = renderFetchSigningKey(d, mirror);
    t.false(fetch.script.includes("s3cr"), "no password in the fetch script");
    t.false(fetch.script.includes("deploy"), "no user name in the fetch script");
    t.regex(fetch.script, / -K - /, "curl reads them from stdin");
    t.is(fetch.stdin, 'user = "deploy:s3cr!et"\n');
    const prepare = renderOnlinePrepare(d, "docker-ce", { mirror, channel: "stable", keySha256: "ab".repeat(32) });
    t.false(prepare.includes("s3cr") || prepare.includes("deploy"), "no credentials in the prepare script");
    const step = renderEngineStep(
      { kind: "prepareRepository", source: "docker-ce", mirror, channel: "stable", keySha256: "ab".repeat(32) },
      d,
    );
    t.is(step.stdin, prepareInput(d, "docker-ce", { mirror }));
    if (d.family === "debian") {
      t.is(step.stdin, "machine mirror.example/docker-ce/linux/debian login deploy password s3cr!et\n");
      t.regex(prepare, new RegExp(`\\(umask 077 && cat > ${APT_AUTH_FILE}.new\\)\nchmod 0600 ${APT_AUTH_FILE}.new`));
      t.regex(prepare, /signed-by=\/etc\/apt\/keyrings\/docker.asc\] https:\/\/mirror.example\/docker-ce\/linux\/debian /);
    } else {
      t.is(step.stdin, "username=deploy\npassword=s3cr!et\n");
      t.regex(
        prepare,
        /\(umask 077 && printf .* > \/etc\/yum.repos.d\/docker-ce.repo.new && cat >> \/etc\/yum.repos.d\/docker-ce.repo.new\)/,
      );
      t.regex(prepare, /chmod 0600 \/etc\/yum.repos.d\/docker-ce.repo.new/);
    }
  }
  // apt applies an entry without a scheme to https only: a plain-http mirror's entry names it.
  t.is(
    prepareInput(debian, "docker-ce", { mirror: "http://deploy:pw@10.0.0.9/repo" }),
    "machine http://10.0.0.9/repo/linux/debian login deploy password pw\n",
  );
  // Without credentials, none is written and an old credentials file goes.
  t.regex(
    renderOnlinePrepare(debian, "docker-ce", { mirror: "https://m.example", channel: "stable", keySha256: "" }),
    new RegExp(`rm -f ${APT_AUTH_FILE}`),
  );
});

test("the credentials files really are 0600 and hold the credentials from stdin (run in a sandbox)", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "dockyard-auth-"));
  try {
    const mirror = "https://deploy:s3cret@mirror.example/docker-ce";
    for (const d of [debian, rocky]) {
      const lines = packageManagerOf(d).writeRepository(d, "https://mirror.example/docker-ce/linux/x", "stable", `${dir}/key`, true);
      const sandboxed = lines
        .join("\n")
        .replaceAll("/etc/apt/", `${dir}/`)
        .replaceAll("/etc/yum.repos.d/", `${dir}/`)
        .replaceAll("/etc/pki/rpm-gpg", `${dir}/pki`)
        .replace(/\$\(dpkg --print-architecture\)/, "amd64");
      execFileSync("sh", ["-eu", "-c", `umask 022; mkdir -p ${dir}/sources.list.d; : > ${dir}/key; ${sandboxed}`], {
        input: prepareInput(d, "docker-ce", { mirror }),
      });
      const file = d.family === "debian" ? `${dir}/auth.conf.d/docker-ce.conf` : `${dir}/docker-ce.repo`;
      t.is(statSync(file).mode & 0o777, 0o600, file);
      t.regex(readFileSync(file, "utf8"), /s3cret/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("error messages about a mirror never quote its credentials", (t) => {
  for (const mirror of ["http://u:s3cret@mirror.example/x", "https://u:s3cret@mirror example/x", "https://u:s3%0Acret@mirror.example/x"]) {
    const err = t.throws(() => checkEngineSpec({ method: "online", mirror }));
    t.false(err!.message.includes("s3"), err!.message);
  }
  // A bundle's credentials are fine (the controller sends them in a header); ones that decode to a newline are not, and are not quoted.
  t.notThrows(() =>
    checkEngineSpec({ method: "offline", bundle: { url: "https://u:s3cret@files.example/d.tgz", sha256: "a".repeat(64) } }),
  );
  const bundle = t.throws(() =>
    checkEngineSpec({ method: "offline", bundle: { url: "https://u:s3%0Acret@files.example/d.tgz", sha256: "a".repeat(64) } }),
  );
  t.is((bundle as InvalidArgumentError).propertyPath, "bundle");
  t.false(bundle!.message.includes("s3"));
});

// --- 4. downloads are bounded ---

test("every download has a bound, the host's downloadTimeout or the one default: apt, yum/dnf and curl", (t) => {
  const n = DEFAULT_DOWNLOAD_TIMEOUT_SECONDS;
  const bound = `"\\$\\{DOCKYARD_DOWNLOAD_TIMEOUT:-${n}\\}"`;
  t.regex(packageManagerOf(debian).refresh, new RegExp(`Acquire::http::Timeout=${bound} -o Acquire::https::Timeout=${bound}`));
  t.regex(packageManagerOf(rocky).refresh, new RegExp(`--setopt=timeout=${bound}`));
  for (const line of packageManagerOf(rocky).install([{ name: "docker-ce" }], { downgrade: false, reinstall: false }))
    t.regex(line, new RegExp(`--setopt=timeout=${bound}`));
  const repo = packageManagerOf(rocky).writeRepository(rocky, "https://m/linux/centos", "stable", "/k", false).join("\n");
  t.regex(repo, /'minrate=1000'/);
  t.notRegex(repo, /timeout=/, "the bound is the host's, given per command, not frozen in the file");
  const fetch = renderFetchSigningKey(rocky, "https://m").script;
  t.regex(fetch, new RegExp(`--retry-max-time ${bound} --connect-timeout ${bound} --max-time ${bound}`));
  t.regex(
    fetch,
    /if \[ "\$rc" -eq 28 \]; then echo "dockyard: the mirror sent nothing within \$\{DOCKYARD_DOWNLOAD_TIMEOUT:-60\} s \(bound: downloadTimeout\)" >&2; fi/,
  );
  // The host's own bound is set at the top of every engine step.
  const step = renderEngineStep({ kind: "fetchSigningKey", mirror: "https://m", allowInsecureHttp: false }, rocky, { downloadTimeout: 7 });
  t.true(step.script.startsWith("set -eu\nDOCKYARD_DOWNLOAD_TIMEOUT=7\n"), step.script.slice(0, 80));
  t.true(renderEngineStep({ kind: "unmask" }, rocky).script.startsWith(`set -eu\nDOCKYARD_DOWNLOAD_TIMEOUT=${n}\n`));
});

// --- the fleet file: the same patterns, no credentials in plain text ---

function fleetProblems(engine: string): string[] {
  const text = `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
    engine: ${engine}
`;
  try {
    parseFleet(text, "f.yaml");
  } catch (e) {
    if (e instanceof FleetFileError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

test("fleet file: the engine's mirror, bundle URL and key pin follow the host-value patterns; credentials only from config", (t) => {
  t.deepEqual(
    fleetProblems('{ mirror: "https://mirror.example/docker-ce", mirrorKeyFingerprint: "' + DEFAULT_DOCKER_CE_KEY_FINGERPRINT + '" }'),
    [],
  );
  t.deepEqual(fleetProblems('{ mirror: "http://mirror.example/docker-ce", allowInsecureHttp: true }'), []);
  t.deepEqual(fleetProblems("{ mirror: { config: dockerMirror } }"), []);
  const one = (engine: string) => fleetProblems(engine).join("\n");
  t.regex(
    one('{ mirror: "https://mirror.example/docker-ce\\nREPO\\ntouch /tmp/x\\n: " }'),
    /hosts\[0\]\.engine\.mirror: must be an http\(s\) URL/,
  );
  const creds = one('{ mirror: "https://u:s3cret@mirror.example/docker-ce" }');
  t.regex(creds, /hosts\[0\]\.engine\.mirror: carries credentials: give it as \{ config: <key> \}/);
  t.false(creds.includes("s3cret"));
  t.regex(
    one('{ method: offline, bundle: "https://u:p@files.example/d.tgz", bundleSha256: ' + "a".repeat(64) + " }"),
    /engine\.bundle: carries credentials/,
  );
  t.regex(
    one('{ method: offline, bundle: "https://files.example/d.tgz?x=1", bundleSha256: ' + "a".repeat(64) + " }"),
    /engine\.bundle: must be a path or/,
  );
  t.regex(one('{ mirrorKeyFingerprint: "0EBFCD88" }'), /engine\.mirrorKeyFingerprint: must be an OpenPGP fingerprint/);
});
