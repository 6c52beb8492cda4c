// The Pulumi program of this repository. For now it checks the hosts of the stack: it connects to
// each (host key pinned, key a secret) and exports the facts it reads. Run by `npm run up` on
// local sandbox hosts, or by `pulumi up` with your own stack configuration:
//
//   pulumi config set --path 'dockyard:hosts[0].name' web1
//   pulumi config set --path 'dockyard:hosts[0].address' 10.0.0.12
//   pulumi config set --path 'dockyard:hosts[0].hostKey' "$(ssh-keyscan -t ed25519 10.0.0.12 | cut -d' ' -f2-)"
//   pulumi config set --secret dockyard:sshPrivateKey < ~/.ssh/id_ed25519
import * as pulumi from "@pulumi/pulumi";
import { Host } from "pulumi-dockyard";

interface HostEntry {
  name: string;
  address: string;
  port?: number;
  user?: string;
  hostKey: string;
  sudo?: boolean;
}

export = async () => {
  const config = new pulumi.Config("dockyard");
  const entries = config.requireObject<HostEntry[]>("hosts");
  const privateKey = config.requireSecret("sshPrivateKey");
  const hosts: Record<string, pulumi.Output<unknown>> = {};
  for (const e of entries) {
    const host = new Host(e.name, { address: e.address, port: e.port, user: e.user, sudo: e.sudo, hostKey: e.hostKey, privateKey });
    hosts[e.name] = host.facts;
  }
  return { hosts };
};
