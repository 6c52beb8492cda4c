// Engine settings in fleet files: default log rotation, the proxy (secrets only), refused input.
import test from "ava";
import { logRotationSettings } from "../../src/fleet/fleet";
import { FleetFileError, parseFleet } from "../../src/fleet/load-fleet";
import { FLEET_LOG_ROTATION } from "../../src/fleet/spec";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICgHTSzQHiJe4nF9OEws3zkLwYpmSGyuIiuwf4qR4/an";
const fleet = (daemon: string) => `defaults:
  privateKey: { config: sshPrivateKey }
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ${KEY}
${daemon ? `    daemon:\n${daemon.replace(/^/gm, "      ")}\n` : ""}`;

function problemsOf(text: string): string[] {
  try {
    parseFleet(text, "f.yaml");
  } catch (e) {
    if (e instanceof FleetFileError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

test("log rotation: on by default, its own values, off, or the host's explicit log settings", (t) => {
  t.deepEqual(FLEET_LOG_ROTATION, { maxSize: "50m", maxFile: 5 });
  t.deepEqual(logRotationSettings({}), { logDriver: "json-file", logOpts: { "max-size": "50m", "max-file": "5" }, defaulted: true });
  t.deepEqual(logRotationSettings({ logRotation: { maxSize: "100m" } }), {
    logDriver: "json-file",
    logOpts: { "max-size": "100m", "max-file": "5" },
    defaulted: false,
  });
  t.is(logRotationSettings({ logRotation: false }), undefined);
  t.is(logRotationSettings({ logDriver: "journald" }), undefined, "explicit log settings win");
  t.is(logRotationSettings({ settings: { "log-opts": { "max-size": "1m" } } }), undefined);
  const spec = parseFleet(fleet("logRotation: false"));
  t.is(spec.hosts[0].daemon?.logRotation, false);
});

test("refused with the field named: bad rotation values, rotation with its own log settings, a proxy that is not http(s) or has credentials in plain text", (t) => {
  t.deepEqual(problemsOf(fleet('logRotation: { maxSize: "50 MB" }')), [
    'hosts[0].daemon.logRotation.maxSize: must be a size like "50m" (k, m or g) (got "50 MB")',
  ]);
  t.deepEqual(problemsOf(fleet("logRotation: { maxFile: 0 }")).length, 1);
  t.deepEqual(problemsOf(fleet("logRotation: { maxFile: 3 }\nlogDriver: journald")), [
    "hosts[0].daemon.logRotation: conflicts with logDriver: give the log settings one way (logRotation sets json-file with max-size/max-file)",
  ]);
  const socks = problemsOf(fleet("proxy: { https: socks5://ops:hunter2@10.0.0.1:1080 }"));
  t.deepEqual(socks, ['hosts[0].daemon.proxy.https: must be an http:// or https:// URL (got "socks5://xxxxx:xxxxx@10.0.0.1:1080")']);
  t.false(socks.join().includes("hunter2"), "credentials are masked in the message");
  const plain = problemsOf(fleet("proxy: { http: http://ops:hunter2@10.0.0.1:3128 }"));
  t.deepEqual(plain, [
    "hosts[0].daemon.proxy.http: carries credentials: give it as { config: <key> } of a Pulumi config secret, never in plain text in the file",
  ]);
  t.false(plain.join().includes("hunter2"));
  t.deepEqual(problemsOf(fleet('proxy: { noProxy: ["a b"] }')), [
    'hosts[0].daemon.proxy.noProxy[0]: must be a host name, domain (.example.com), address or CIDR (got "a b")',
  ]);
  t.deepEqual(problemsOf(fleet("proxy: { https: { config: proxyUrl }, noProxy: [localhost, .corp] }")), []);
});

test("dockerUsers in a fleet file: names checked with the field named", (t) => {
  const host = (users: string) => fleet("").replace("    hostKey:", `    dockerUsers: ${users}\n    hostKey:`);
  t.deepEqual(problemsOf(host("[deploy, ci]")), []);
  t.deepEqual(problemsOf(host('["Bad Name"]')), [
    'hosts[0].dockerUsers[0]: must be a user name (lower-case letters, digits, _ and -, starting with a letter or _, at most 32) (got "Bad Name")',
  ]);
});
