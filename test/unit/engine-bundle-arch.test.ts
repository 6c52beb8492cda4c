import test from "ava";
import { BUNDLE_ARCHITECTURES, bundleArchOf } from "../../src/model/bundle-arch";
import { checkEngineSpec, engineSpecForHost, type EngineSpec, offlinePrerequisiteRefusal } from "../../src/plan/docker-engine";
import { isRefusal } from "../../src/plan/refusal";
import { dockerEngine } from "../../src/providers/docker-engine";
import { RemoteError } from "../../src/remote/errors";
import { DISTROS } from "./fixtures/os-release";

const sha = (c: string) => c.repeat(64);
const X86 = { path: "/b/x86_64/docker-24.0.7.tgz", sha256: sha("a") };
const ARM64 = { path: "/b/aarch64/docker-24.0.7.tgz", sha256: sha("b") };
const ARMHF = { url: "https://files.example.com/armhf/docker-24.0.7.tgz", sha256: sha("c") };
const perArch: EngineSpec = { method: "offline", bundles: { x86_64: X86, aarch64: ARM64, armhf: ARMHF }, installDir: "/usr/bin" };
const onArch = (arch: string) => ({ ...DISTROS["debian-12"], arch });

test("uname -m names map to Docker's bundle folders; an architecture Docker publishes none for maps to nothing", (t) => {
  const cases: [string, string | undefined][] = [
    ["x86_64", "x86_64"],
    ["aarch64", "aarch64"],
    ["arm64", "aarch64"],
    ["armv7l", "armhf"],
    ["armv8l", "armhf"],
    ["armv6l", "armel"],
    ["ppc64le", "ppc64le"],
    ["s390x", "s390x"],
    ["i686", undefined],
    ["riscv64", undefined],
    ["", undefined],
  ];
  for (const [uname, want] of cases) t.is(bundleArchOf(uname) as string | undefined, want, uname);
  for (const a of BUNDLE_ARCHITECTURES) t.is(bundleArchOf(a), a, `a folder name is its own architecture: ${a}`);
});

test("per-architecture bundles: each host gets the bundle of its own architecture, and nothing else of the map", (t) => {
  t.deepEqual(engineSpecForHost(perArch, onArch("x86_64")), { method: "offline", bundle: X86, installDir: "/usr/bin" });
  t.deepEqual(engineSpecForHost(perArch, onArch("aarch64")), { method: "offline", bundle: ARM64, installDir: "/usr/bin" });
  t.deepEqual(engineSpecForHost(perArch, onArch("armv7l")), { method: "offline", bundle: ARMHF, installDir: "/usr/bin" });
});

test("a host whose architecture has no bundle is refused, naming its architecture and the architectures given", (t) => {
  const only = { ...perArch, bundles: { x86_64: X86, aarch64: ARM64 } };
  const armhf = engineSpecForHost(only, onArch("armv7l"));
  if (!isRefusal(armhf)) return t.fail("an armv7l host with only x86_64 and aarch64 bundles went ahead");
  t.is(armhf.code, "DOCKYARD_BUNDLE_ARCH_MISSING");
  t.is(
    armhf.message,
    "this host's architecture is armv7l (Docker's armhf bundles) and the offline bundles given are for aarch64, x86_64: add bundles.armhf. Nothing was changed",
  );
  t.deepEqual(armhf.undo, [], "refused before anything was changed: nothing to put back");
  const arm64 = engineSpecForHost({ ...perArch, bundles: { x86_64: X86 } }, onArch("aarch64"));
  t.true(isRefusal(arm64));
  t.regex(
    isRefusal(arm64) ? arm64.message : "",
    /^this host's architecture is aarch64 and the offline bundles given are for x86_64: add bundles\.aarch64\./,
  );
  const riscv = engineSpecForHost(perArch, onArch("riscv64"));
  t.regex(
    isRefusal(riscv) ? riscv.message : "",
    /riscv64 .*aarch64, armhf, x86_64: Docker publishes no static bundle for riscv64; install it online/,
  );
});

test("the single-bundle form is taken as it is, on any architecture (backwards compatible)", (t) => {
  const single: EngineSpec = { method: "offline", bundle: X86, installDir: "/usr/bin" };
  for (const arch of ["x86_64", "aarch64", "armv7l", "riscv64"]) t.is(engineSpecForHost(single, onArch(arch)), single, arch);
  const online: EngineSpec = { method: "online", source: "docker-ce" };
  t.is(engineSpecForHost(online, onArch("riscv64")), online, "online installs pick the architecture on the host itself");
});

test("a spec with both forms, an unknown architecture key or a bad checksum is refused, naming the field", (t) => {
  t.throws(() => checkEngineSpec({ ...perArch, bundle: X86 }), { message: /bundles.*cannot be given with bundle/ });
  t.throws(() => checkEngineSpec({ method: "offline", bundles: { amd64: X86 } }), {
    message: /bundles\.amd64.*not an architecture Docker publishes bundles for \(one of x86_64, aarch64, armhf, armel, ppc64le, s390x/,
  });
  t.throws(() => checkEngineSpec({ method: "offline", bundles: { aarch64: { ...ARM64, sha256: "xyz" } } }), {
    message: /bundles\.aarch64\.sha256/,
  });
  t.throws(() => checkEngineSpec({ method: "offline", bundles: { armhf: { ...ARMHF, url: "http://files.example.com/b.tgz" } } }), {
    message: /bundles\.armhf\.bundle/,
  });
  t.notThrows(() => checkEngineSpec(perArch));
});

test("an offline install on a host without iptables is refused naming the fix; online installs and older facts are not", (t) => {
  const offline: EngineSpec = { method: "offline", bundle: X86 };
  const none = offlinePrerequisiteRefusal(offline, { iptables: "none" });
  t.is(none?.code, "DOCKYARD_ENGINE_PREREQUISITE_MISSING");
  t.regex(
    none?.message ?? "",
    /no iptables command.*install it \(apt-get install iptables; dnf install iptables-nft\), or use method online/,
  );
  t.is(offlinePrerequisiteRefusal(offline, { iptables: "nft" }), undefined);
  t.is(offlinePrerequisiteRefusal(offline, { iptables: "legacy" }), undefined);
  t.is(offlinePrerequisiteRefusal(offline, {}), undefined, "facts read before iptables was: not refused");
  t.is(offlinePrerequisiteRefusal({ method: "online" }, { iptables: "none" }), undefined, "docker-ce's packages bring iptables");
});

test("the provider refuses a host without a bundle for its architecture before it reads a bundle or reaches the host", async (t) => {
  // Neither bundle file exists and nothing listens on the address: reading a bundle or
  // connecting first would fail with another error.
  const inputs = {
    connection: { host: "127.0.0.1", port: 1, user: "root", connectTimeout: 1, connectAttempts: 1, hostKey: "SHA256:x" },
    credentials: { privateKey: "unused" },
    facts: { ...DISTROS["debian-12"], arch: "armv7l" },
    spec: { method: "offline", bundles: { x86_64: { ...X86, path: "/nonexistent/x86_64.tgz" }, aarch64: ARM64 }, installDir: "/usr/bin" },
  };
  const err = await t.throwsAsync(() => dockerEngine.create(inputs as never), { instanceOf: RemoteError });
  t.is((err as RemoteError).code, "DOCKYARD_BUNDLE_ARCH_MISSING");
  t.regex(
    err!.message,
    /^\[DOCKYARD_BUNDLE_ARCH_MISSING\] root@127\.0\.0\.1:1: this host's architecture is armv7l \(Docker's armhf bundles\) and the offline bundles given are for aarch64, x86_64/,
  );
  const update = await t.throwsAsync(() => dockerEngine.update("id", inputs as never, inputs as never), { instanceOf: RemoteError });
  t.is((update as RemoteError).code, "DOCKYARD_BUNDLE_ARCH_MISSING");
  const noIptables = { ...inputs, facts: { ...DISTROS["debian-12"], iptables: "none" } };
  const missing = await t.throwsAsync(() => dockerEngine.create(noIptables as never), { instanceOf: RemoteError });
  t.is((missing as RemoteError).code, "DOCKYARD_ENGINE_PREREQUISITE_MISSING");
});
