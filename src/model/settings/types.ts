// The shape of a declared setting: enough to emit a Pulumi package schema property, the
// reference docs and the comparison with the TypeScript argument types and the fleet file.

/**
 * A setting's type. `ref` names an object type of SETTING_TYPES; `resource` a resource or
 * component by its type token; `object` is only what the TypeScript reader returns for an inline
 * object literal (a declared setting names its type instead).
 */
export type SettingType =
  | "string"
  | "integer"
  | "number"
  | "boolean"
  | "any"
  | "asset"
  | { enum: readonly string[] }
  | { array: SettingType }
  | { map: SettingType }
  | { ref: string }
  | { resource: string }
  | { oneOf: readonly SettingType[] }
  | { object: readonly { name: string }[] };

/** One setting: declared once, read by the schema, the docs and the agreement tests. */
export interface Setting {
  type: SettingType;
  /** What it does, in one or a few sentences (Markdown). */
  description: string;
  /** Must be given (a component argument without `?`, a schema `required` property). */
  required?: boolean;
  /** The default as the docs say it (a JSON value or a phrase), the JSDoc `@default` text. */
  default?: string;
  /** An example as the JSDoc `@example` shows it (TypeScript). */
  example?: string;
  /** Stored as a Pulumi secret. */
  secret?: boolean;
  /** Any change to it replaces the resource (the provider's diff returns it in `replaces`). */
  replaceOnChange?: boolean;
  /** When a change replaces the resource, where only some changes do (the diff decides). */
  replacesWhen?: string;
  /**
   * Why the schema leaves the type open (`pulumi.json#/Any`): a value with a schema of its own
   * (the fleet spec), or one only a Node.js program can pass (a function).
   */
  openBecause?: string;
}

export type Settings = Readonly<Record<string, Setting>>;

/** An object type settings refer to by name (`{ ref: name }`). */
export interface ObjectType {
  description: string;
  properties: Settings;
  /** The TypeScript interface that declares the same shape, checked against this one. */
  source?: TsSource;
  /** Where the fleet file carries the same settings. */
  fleet?: FleetMapping;
}

/**
 * How the fleet file (src/fleet/spec.ts) carries a component's settings or an object type's: the
 * sections (ids of its JSON Schema's `$defs`) whose keys are these settings, the settings it names
 * otherwise or leaves out by design, and its keys that are not these settings.
 */
export interface FleetMapping {
  /** The section holding every setting (unless `keys` says otherwise). */
  section: string;
  /** Further sections whose keys are these settings too (a host's `defaults`). */
  alsoIn?: readonly string[];
  /** A setting under another key in the file, or `null`: not in the file (why, in `why`). */
  keys?: Readonly<Record<string, string | null>>;
  /** Keys of the sections that are no setting of this component (the file's own: `name`, `on`). */
  fleetOnly?: readonly string[];
  /** Why settings are left out or renamed. */
  why?: string;
}

/** Where a TypeScript declaration is: a file under the repository and the name in it. */
export interface TsSource {
  file: string;
  name: string;
}

/** A value of an example's property, as YAML writes it. */
export type ExampleValue = string | number | boolean | readonly ExampleValue[] | { readonly [key: string]: ExampleValue };

/**
 * A Pulumi YAML example of a component or resource kind: one resource of a program. In strings,
 * `${name}` or `${name.output}` refers to the resource of another example (by its `name`), and
 * `${key}` to a config key of EXAMPLE_CONFIG; the reference shows the resource and the whole
 * program those references make (src/plugin/examples.ts).
 */
export interface YamlExample {
  /** The resource's name in the program; names are unique across all examples. */
  name: string;
  /** Its properties, by their schema names. */
  properties: Readonly<Record<string, ExampleValue>>;
  /** Resources it waits for (the `dependsOn` option), by name. */
  dependsOn?: readonly string[];
}

/** A component (constructed by the plugin): its arguments and its outputs. */
export interface ComponentSettings {
  token: string;
  description: string;
  inputs: Settings;
  outputs: Settings;
  /** Shown in the reference; a unit test checks it against the schema. */
  example: YamlExample;
  /** The Args interface and the class whose inputs and outputs these are. */
  args: TsSource;
  class: TsSource;
  /** Where the fleet file carries the same settings. */
  fleet?: FleetMapping;
}

/** A resource kind (src/providers/kinds.ts): its inputs and the outputs it adds. */
export interface ResourceSettings {
  description: string;
  inputs: Settings;
  outputs: Settings;
  /** Shown in the reference; a unit test checks it against the schema. */
  example: YamlExample;
  /** The provider's inputs and outputs interfaces, checked against these. */
  inputsSource?: TsSource;
  outputsSource?: TsSource;
}
