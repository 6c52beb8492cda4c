import * as pulumi from "@pulumi/pulumi";
import { Container, DaemonConfig, DockerEngine, Host, Image } from "pulumi-dockyard";

/** One rig host as the bench hands it to a program. */
export interface FleetHost {
  name: string;
  address: string;
  hostKey: string;
}

/** The fleet job, the same on every host, as the shell script and the Ansible playbook do it. */
export interface FleetJob {
  hosts: FleetHost[];
  privateKey: string;
  /** Base URL of the docker-ce mirror (`<base>/linux/debian/...`). */
  dockerMirror: string;
  /** Fingerprint of the key the mirror signs with (the rig's throwaway key, not Docker's). */
  dockerMirrorKeyFingerprint: string;
  /** docker-ce version pin, e.g. `25.0.3`. */
  dockerVersion: string;
  /** daemon.json `registry-mirrors`. */
  registryMirrors: string[];
}

/**
 * The fleet job written with Dockyard's public components: per host a Host, an online
 * DockerEngine from the mirror, a DaemonConfig with the registry mirrors, nginx pulled through
 * them and run as nginx-container on 80:80.
 */
export function fleetProgram(job: FleetJob): () => Promise<Record<string, pulumi.Output<string>>> {
  return async () => {
    const outputs: Record<string, pulumi.Output<string>> = {};
    const key = pulumi.secret(job.privateKey);
    for (const h of job.hosts) {
      const host = new Host(h.name, { address: h.address, privateKey: key, hostKey: h.hostKey });
      // The rig's docker-ce mirror is plain http on this machine's own Docker network; both
      // releases refuse that unless told.
      const engine = new DockerEngine(`${h.name}-docker`, {
        host,
        mirror: job.dockerMirror,
        version: job.dockerVersion,
        allowInsecureHttp: job.dockerMirror.startsWith("http:"),
        mirrorKeyFingerprint: job.dockerMirrorKeyFingerprint,
        // The guide's job, as the shell script and the playbook do it: docker-ce, its CLI and
        // containerd, without the compose and buildx plugins Dockyard adds by default.
        plugins: [],
      });
      const daemon = new DaemonConfig(`${h.name}-daemon`, { engine, registryMirrors: job.registryMirrors });
      const nginx = new Image(`${h.name}-nginx`, { engine, ref: "nginx:latest" }, { dependsOn: [daemon] });
      const web = new Container(`${h.name}-web`, {
        engine,
        name: "nginx-container",
        image: nginx,
        ports: ["80:80"],
        restartPolicy: "unless-stopped",
      });
      outputs[`${h.name}State`] = web.state;
    }
    return outputs;
  };
}
