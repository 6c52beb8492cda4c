import * as pulumi from "@pulumi/pulumi";
import { checked } from "../model/input-error";
import { programGate } from "./program-gate";
import { dependsOnList } from "./resource-component";

/** What a component gives each resource or component it creates. */
export interface ChildOptions {
  parent: pulumi.Resource;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * What every Dockyard component shares, so none can forget it: argument checks whose errors name
 * the component, and children that are parented to it, wait for whatever the component was told
 * to wait for (`dependsOn`), and are held by the program gate (a program that throws in the same
 * turn changes no host).
 */
export abstract class DockyardComponent extends pulumi.ComponentResource {
  /** How messages name this component: its kind and name, e.g. `Host web1`. */
  protected readonly what: string;
  /** The component's own `dependsOn`, which Pulumi does not pass on to children by itself. */
  private readonly inheritedDeps: pulumi.Input<pulumi.Resource>[];

  /** `type` is `dockyard:<module>:<Kind>`; the kind names the component in messages. */
  constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.what = `${type.slice(type.lastIndexOf(":") + 1)} ${name}`;
    this.inheritedDeps = dependsOnList(opts?.dependsOn);
  }

  /** Runs argument checks; a bad argument's error starts with the component's kind and name. */
  protected checked<T>(checks: () => T): T {
    return checked(this.what, checks);
  }

  /**
   * Logs a message on this component once it has registered. Pulumi's log calls run one after
   * another in the process and each waits for its resource's URN: logged at once, a component
   * that never registers (one waiting on a failed batch) would hold every later message, of this
   * run and, with an inline program, of the next runs in the same process.
   */
  protected notice(severity: "info" | "warn", message: string): void {
    this.urn.apply(() => void pulumi.log[severity](message, this));
  }

  /**
   * Options for a child: parented here, waiting for `own`, for the component's own `dependsOn`
   * and for the program gate. Called when the child is declared (the gate is per declaration).
   */
  protected childOptions(...own: pulumi.Input<pulumi.Resource>[]): ChildOptions {
    // gatherExplicitDependencies flattens a promise of resources among the entries.
    const gate = programGate() as unknown as pulumi.Input<pulumi.Resource>;
    return { parent: this, dependsOn: [...own, ...this.inheritedDeps, gate] };
  }
}
