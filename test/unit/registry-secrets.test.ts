import test from "ava";
import bcrypt from "bcryptjs";
import forge from "node-forge";
import { generateCertificates } from "../../src/providers/certificate";
import { htpasswdLine } from "../../src/registry/registry";

test("htpasswd lines are bcrypt, verify against the password, and are stable for the same input", (t) => {
  const line = htpasswdLine("deploy", "s3cret", "registry/registry");
  const [user, hash] = line.split(":");
  t.is(user, "deploy");
  t.regex(hash, /^\$2b\$10\$/);
  t.true(bcrypt.compareSync("s3cret", hash));
  t.false(bcrypt.compareSync("wrong", hash));
  t.is(htpasswdLine("deploy", "s3cret", "registry/registry"), line, "no churn on every up");
  t.not(htpasswdLine("deploy", "s3cret", "other/registry"), line, "another registry gets another salt");
  t.false(line.includes("s3cret"));
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
