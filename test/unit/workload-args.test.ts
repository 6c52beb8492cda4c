import test from "ava";
import { imageRefProblem, parseImageRef, pullRef, sameRepository } from "../../src/model/image-ref";

// The parsers of Container arguments are pure model code: no mocks needed.
import { parseMemory, parsePort, parseVolume } from "../../src/model/container-settings";

const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { path: (e as { propertyPath?: string }).propertyPath, message: (e as Error).message };
  }
  return undefined;
};

test("image references parse the way Docker reads them", (t) => {
  t.deepEqual(parseImageRef("nginx"), { registry: "docker.io", repository: "library/nginx", tag: undefined, digest: undefined });
  t.deepEqual(parseImageRef("nginx:1.25"), { registry: "docker.io", repository: "library/nginx", tag: "1.25", digest: undefined });
  t.deepEqual(parseImageRef("10.0.0.5:5000/app/web:2"), { registry: "10.0.0.5:5000", repository: "app/web", tag: "2", digest: undefined });
  t.deepEqual(parseImageRef("localhost/web"), { registry: "localhost", repository: "web", tag: undefined, digest: undefined });
  const d = "sha256:" + "a".repeat(64);
  t.is(parseImageRef(`nginx@${d}`).digest, d);
  t.is(pullRef("nginx"), "nginx:latest", "a bare name never pulls every tag");
  t.is(pullRef(`nginx@${d}`), `nginx@${d}`);
  t.true(sameRepository(`nginx@${d}`, "nginx:1.25"));
  t.true(sameRepository(`docker.io/library/nginx@${d}`, "nginx"));
  t.false(sameRepository(`10.0.0.5:5000/library/nginx@${d}`, "nginx"));
});

test("bad references are refused with the reason", (t) => {
  t.is(imageRefProblem("nginx:1.25"), "");
  t.regex(imageRefProblem("NGINX"), /not an image reference/);
  t.regex(imageRefProblem("nginx:bad tag"), /malformed tag|not an image reference/);
  t.regex(imageRefProblem("nginx@sha256:123"), /malformed digest/);
});

test("ports: short forms and objects, validated", (t) => {
  t.deepEqual(parsePort("80:80", 0), { containerPort: 80, hostPort: 80, protocol: "tcp" });
  t.deepEqual(parsePort("127.0.0.1:8080:80", 0), { containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1", protocol: "tcp" });
  t.deepEqual(parsePort("53/udp", 0), { containerPort: 53, hostPort: 53, protocol: "udp" });
  t.deepEqual(parsePort({ containerPort: 443 }, 0), { containerPort: 443, hostPort: 443, protocol: "tcp" });
  t.deepEqual(
    err(() => parsePort("80:80:80:80", 2)),
    {
      path: "ports[2]",
      message: '[DOCKYARD_INVALID_ARGUMENT] ports[2] must look like "80:80", "127.0.0.1:8080:80" or "53:53/udp" (got "80:80:80:80")',
    },
  );
  t.is(err(() => parsePort("70000:80", 1))?.path, "ports[1].hostPort");
});

test("volumes: bind mounts and named volumes, validated", (t) => {
  t.deepEqual(parseVolume("/srv/html:/usr/share/nginx/html:ro", 0), {
    source: "/srv/html",
    target: "/usr/share/nginx/html",
    readOnly: true,
  });
  t.deepEqual(parseVolume("data:/var/lib/app", 0), { source: "data", target: "/var/lib/app" });
  t.is(err(() => parseVolume("data:relative", 1))?.path, "volumes[1]");
  t.is(err(() => parseVolume("/a:/b:rx", 0))?.path, "volumes[0]");
});

test("memory sizes", (t) => {
  t.is(parseMemory("512m"), 512 * 1024 ** 2);
  t.is(parseMemory("2g"), 2 * 1024 ** 3);
  t.is(parseMemory(64 * 1024 ** 2), 64 * 1024 ** 2);
  t.regex(err(() => parseMemory("1k"))!.message, /at least 6 MiB/);
  t.regex(err(() => parseMemory("lots"))!.message, /size like 512m/);
});

test("a build context is listed and hashed: a changed file means a rebuild; a missing Dockerfile is refused", (t) => {
  const { buildSpec } = require("../../src/workload/image") as typeof import("../../src/workload/image");
  const fs = require("node:fs") as typeof import("node:fs");
  const dir = fs.mkdtempSync(require("node:os").tmpdir() + "/dockyard-ctx-");
  try {
    fs.writeFileSync(`${dir}/Dockerfile`, "FROM nginx\nCOPY a.txt /a.txt\n");
    fs.mkdirSync(`${dir}/sub`);
    fs.writeFileSync(`${dir}/sub/a.txt`, "one");
    const first = buildSpec({ context: dir, push: true });
    t.deepEqual(first.files, ["Dockerfile", "sub/a.txt"]);
    t.true(first.push);
    t.is(buildSpec({ context: dir, push: true }).contextHash, first.contextHash, "same files, same hash");
    fs.writeFileSync(`${dir}/sub/a.txt`, "two");
    t.not(buildSpec({ context: dir }).contextHash, first.contextHash);
    t.regex(err(() => buildSpec({ context: dir, dockerfile: "Nope" }))!.message, /build\.dockerfile Nope is not in/);
    t.regex(err(() => buildSpec({ context: `${dir}/missing` }))!.message, /build\.context must be a directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
