// What the reference's Pulumi YAML examples share (each example sits beside its settings): the
// config keys they read and the machine they act on, as in the README's first program.
import type { ExampleValue } from "./types";

/** Config keys the examples read as `${key}`, with the command that sets each. */
export const EXAMPLE_CONFIG: Readonly<Record<string, { secret: boolean; set: string }>> = {
  sshPrivateKey: { secret: true, set: "pulumi config set --secret sshPrivateKey < key" },
  registryPassword: { secret: true, set: "pulumi config set --secret registryPassword" },
};

/** The example machine's pinned host key (`ssh-keyscan -t ed25519 10.0.0.12`). */
export const EXAMPLE_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG+Zg2HVbIXiZIrNxSK/LJf3R8DNgO2+xZ0JI01BvLov";

/** A resource kind's machine: the connection and key material the Host example `web1` puts out. */
export const ON_WEB1: Readonly<Record<string, ExampleValue>> = {
  connection: "${web1.connection}",
  credentials: "${web1.credentials}",
};
