import test from "ava";
import bcrypt from "bcryptjs";
import forge from "node-forge";
import { generateCertificates } from "../../src/providers/certificate";
import { htpasswd, htpasswdChanged, htpasswdContent, parseHtpasswd } from "../../src/providers/htpasswd";

const salt = (line: string) => line.split(":")[1].slice(0, 29);

test("htpasswd: bcrypt with a random salt; a password that still verifies keeps its hash", (t) => {
  const users = [
    { username: "deploy", password: "s3cret" },
    { username: "ci", password: "s3cret" },
  ];
  const content = htpasswdContent(users);
  const [deploy, ci] = content.trimEnd().split("\n");
  t.regex(deploy, /^deploy:\$2[aby]\$10\$/);
  t.true(bcrypt.compareSync("s3cret", deploy.split(":")[1]));
  t.false(bcrypt.compareSync("wrong", deploy.split(":")[1]));
  t.false(content.includes("s3cret"));
  // Random salts: the same password, for two users or for the same user made again, gives another hash.
  t.not(salt(deploy), salt(ci), "two users with one password: two salts");
  const again = htpasswdContent(users);
  t.not(again, content, "made again from nothing: new salts (the old deterministic salt gave the same file)");
  t.not(salt(again.split("\n")[0]), salt(deploy));
  // Idempotent: the previous file's hashes are kept while the passwords verify.
  t.is(htpasswdContent(users, content), content, "no new hash on every up");
  const changed = htpasswdContent([users[0], { username: "ci", password: "n3w" }], content);
  t.is(changed.split("\n")[0], deploy, "an unchanged password keeps its hash");
  t.not(changed.split("\n")[1], ci, "a changed password gets a new one");
  t.true(bcrypt.compareSync("n3w", changed.split("\n")[1].split(":")[1]));
});

test("htpasswd: the diff is a change only when a user or a password changed", (t) => {
  const users = [{ username: "deploy", password: "s3cret" }];
  const olds = { usernames: ["deploy"], content: htpasswdContent(users) };
  t.false(htpasswdChanged(olds, { users }));
  t.true(htpasswdChanged(olds, { users: [{ username: "deploy", password: "other" }] }));
  t.true(htpasswdChanged(olds, { users: [...users, { username: "ci", password: "x" }] }));
  t.true(htpasswdChanged(olds, { users: [{ username: "ops", password: "s3cret" }] }));
  t.true(htpasswdChanged({ usernames: ["deploy"], content: "deploy:not-a-hash\n" }, { users }), "an unreadable hash is made again");
  t.deepEqual([...parseHtpasswd(olds.content).keys()], ["deploy"]);
});

test("htpasswd: the provider keeps the file across updates; its content is a secret output", async (t) => {
  const users = [{ username: "deploy", password: "s3cret" }];
  const created = await htpasswd.create({ users });
  t.false(JSON.stringify(created.outs).includes("s3cret"), "no password in the outputs");
  t.deepEqual(await htpasswd.diff(created.id, created.outs!, { users }), { changes: false });
  const updated = await htpasswd.update(created.id, created.outs!, { users: [...users, { username: "ci", password: "x" }] });
  t.is(updated.outs!.content.split("\n")[0], created.outs!.content.split("\n")[0], "the unchanged user's hash is kept");
});

test("generated certificates: a CA, and a server certificate for the address it signed", (t) => {
  const out = generateCertificates({ names: ["10.0.0.12", "registry.intra"], days: 30 });
  const ca = forge.pki.certificateFromPem(out.caCertificate);
  const cert = forge.pki.certificateFromPem(out.certificate);
  t.true(ca.verify(cert), "signed by the CA");
  const san = cert.getExtension("subjectAltName") as { altNames: { type: number; ip?: string; value?: string }[] };
  t.deepEqual(
    san.altNames.map((a) => a.ip ?? a.value),
    ["10.0.0.12", "registry.intra"],
  );
  t.regex(out.privateKey, /BEGIN RSA PRIVATE KEY/);
  const days = (cert.validity.notAfter.getTime() - cert.validity.notBefore.getTime()) / 86400_000;
  t.is(Math.round(days), 30);
});
