import test from "ava";
import { checkHostValue, checkHttpUrl, isHostValue } from "../../src/model/host-values";

const urls: [string, boolean][] = [
  ["https://download.docker.com", true],
  ["https://mirror.example:8443/docker-ce/", true],
  ["https://user:p%40ss@mirror.example/docker-ce", true],
  ["http://10.0.0.5:8080/linux", true],
  ["https://[fd00::1]:443/x", true],
  ["https://mirror.example/docker-ce\nREPO\ntouch /tmp/x\n: ", false],
  ["https://mirror.example/a'b", false],
  ["https://mirror.example/$(id)", false],
  ["https://mirror.example/`id`", false],
  ["https://mirror.example/a b", false],
  ["https://mirror.example/?q=1", false],
  ["https://mirror.example/#f", false],
  ["ftp://mirror.example/", false],
  ["https://mirror.example/\u2028", false],
  ["https://mirror.example/\0", false],
  ["-https://mirror.example/", false],
];
for (const [url, ok] of urls) {
  test(`url ${JSON.stringify(url)} is ${ok ? "accepted" : "refused"}`, (t) => {
    t.is(isHostValue("url", url), ok);
  });
}

test("plain http is refused unless allowed, and the error names the field", (t) => {
  const e = t.throws(() => checkHttpUrl("mirror", "http://mirror.example/"));
  t.regex(e.message, /mirror is a plain http:\/\/ URL.*allowInsecureHttp/);
  t.notThrows(() => checkHttpUrl("mirror", "http://mirror.example/", { allowInsecureHttp: true }));
});

test("a refused URL's text (and its credentials) is not quoted in the error", (t) => {
  const e = t.throws(() => checkHttpUrl("bundle", "https://user:secret@mirror.example/a b"));
  t.false(e.message.includes("secret"));
  t.regex(e.message, /bundle must be an http\(s\) URL/);
});

test("other kinds quote the refused value as JSON, so control characters show", (t) => {
  const e = t.throws(() => checkHostValue("packageVersion", "version", "24.0.7\nrm -rf /"));
  t.true(e.message.includes(String.raw`"24.0.7\nrm -rf /"`));
  t.true(isHostValue("packageVersion", "5:24.0.7-1~debian.12~bookworm"));
  t.true(isHostValue("pgpFingerprint", "9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88".replace("  ", " ")));
  t.false(isHostValue("pgpFingerprint", "9DC8"));
});
