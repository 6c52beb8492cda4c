import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import forge from "node-forge";

export interface CertificateInputs {
  /** Names and addresses the server certificate is valid for. */
  names: string[];
  /** Validity in days. */
  days: number;
}

export interface CertificateOutputs extends CertificateInputs {
  caCertificate: string;
  certificate: string;
  /** The server's private key (secret). */
  privateKey: string;
}

function serial(): string {
  return forge.util.bytesToHex(forge.random.getBytesSync(16)).replace(/^[89a-f]/, "7");
}

/**
 * Makes a private CA and a server certificate signed by it, once: they live in the state and are
 * made again only when the names or the validity change (no churn on every `up`). Local only.
 */
export function generateCertificates(inputs: CertificateInputs): CertificateOutputs {
  const now = new Date();
  const until = new Date(now.getTime() + inputs.days * 86400_000);
  const caKeys = forge.pki.rsa.generateKeyPair(2048);
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = now;
  ca.validity.notAfter = until;
  const caName = [{ name: "commonName", value: "Dockyard registry CA" }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = until;
  cert.setSubject([{ name: "commonName", value: inputs.names[0] }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: inputs.names.map((n) => (/^[0-9.]+$|:/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })),
    },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    ...inputs,
    caCertificate: forge.pki.certificateToPem(ca),
    certificate: forge.pki.certificateToPem(cert),
    privateKey: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

export const certificate = {
  async create(inputs: CertificateInputs): Promise<pulumi.dynamic.CreateResult<CertificateOutputs>> {
    const outs = generateCertificates(inputs);
    return { id: `ca-${forge.util.bytesToHex(forge.random.getBytesSync(6))}`, outs };
  },
  async diff(_id: string, olds: CertificateOutputs, news: CertificateInputs): Promise<pulumi.dynamic.DiffResult> {
    const changed = !isDeepStrictEqual(olds.names, news.names) || olds.days !== news.days;
    return changed ? { changes: true, replaces: ["names"] } : { changes: false };
  },
  async read(id: string, props: CertificateOutputs): Promise<pulumi.dynamic.ReadResult<CertificateOutputs>> {
    return { id, props };
  },
  async update(_id: string, olds: CertificateOutputs): Promise<pulumi.dynamic.UpdateResult<CertificateOutputs>> {
    return { outs: olds };
  },
  async delete(): Promise<void> {},
};
