import { isHostValue } from "../model/host-values";
import { checkPlainMap } from "../model/map-values";
import * as pulumi from "@pulumi/pulumi";
import { DockyardComponent } from "../components/base";
import type { DockerEngine } from "../engine/docker-engine";
import { invalid } from "../model/input-error";
import type { NamedVolumeSpec } from "../plan/volume";
import { VolumeResource } from "../providers/workload-resources";

export interface VolumeArgs {
  /**
   * The engine the volume is made on.
   * @example engine
   */
  engine: DockerEngine;
  /**
   * Volume name on the host.
   * @example "shop-data"
   */
  name: string;
  /**
   * Volume driver.
   * @default "local"
   * @example "local"
   */
  driver?: string;
  /**
   * Driver options, as `docker volume create -o` takes them.
   * @default none
   * @example { type: "tmpfs", device: "tmpfs", o: "size=100m" }
   */
  driverOpts?: Record<string, string>;
  /**
   * Labels on the volume.
   * @default none
   * @example { team: "shop" }
   */
  labels?: Record<string, string>;
  /**
   * Remove the volume, and the data in it, on destroy (or when it is replaced).
   * @default false (the volume and its data stay, and destroy says so)
   * @example true
   */
  deleteOnDestroy?: boolean;
}

/** The volume spec from the arguments, or a bad-argument error naming the field. */
export function volumeSpec(args: Omit<VolumeArgs, "engine" | "deleteOnDestroy">): NamedVolumeSpec {
  if (!args.name || !isHostValue("name", args.name))
    invalid("name", `must be a volume name like shop-data (got ${JSON.stringify(args.name)})`);
  const driver = args.driver ?? "local";
  if (!isHostValue("driver", driver)) invalid("driver", `must be a driver name like local (got ${JSON.stringify(driver)})`);
  for (const [k, v] of Object.entries(args.driverOpts ?? {})) if (typeof v !== "string") invalid(`driverOpts.${k}`, "must be a string");
  checkPlainMap("driverOpts", "labelKey", args.driverOpts);
  checkPlainMap("labels", "labelKey", args.labels);
  return { name: args.name, driver, driverOpts: args.driverOpts ?? {}, labels: args.labels ?? {} };
}

/**
 * A named volume on a host's engine, for data that outlives containers. Read back on refresh
 * (removed or changed by hand is drift; `up` makes a removed one again, empty). Data is precious:
 * destroy keeps it and says so unless `deleteOnDestroy: true`, and a volume with other settings
 * already on the host is refused, never removed to make it match.
 *
 * @example
 * const data = new Volume("data", { engine, name: "shop-data" });
 * new Container("db", { engine, name: "db", image, volumes: [{ volume: data, target: "/var/lib/data" }] });
 */
export class Volume extends DockyardComponent {
  /** The volume's name on the host (known when declared, for containers that mount it). */
  readonly volumeName: string;
  /** Where the engine keeps its data on the host. */
  readonly mountpoint: pulumi.Output<string>;
  readonly drift: pulumi.Output<string[]>;
  readonly engine: DockerEngine;
  readonly ready: pulumi.Resource;

  constructor(name: string, args: VolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dockyard:workload:Volume", name, opts);
    const spec = this.checked(() => {
      if (!args?.engine) invalid("engine", "is required");
      return volumeSpec(args);
    });
    const host = args.engine.host;
    const res = new VolumeResource(
      `${name}-volume`,
      { connection: host.connection, credentials: host.credentials, spec, deleteOnDestroy: args.deleteOnDestroy ?? false },
      this.childOptions(args.engine.ready),
    );
    this.volumeName = spec.name;
    this.engine = args.engine;
    this.mountpoint = res.mountpoint;
    this.drift = res.drift;
    this.ready = res;
    this.registerOutputs({ mountpoint: this.mountpoint });
  }
}
