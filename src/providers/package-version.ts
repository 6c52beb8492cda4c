// The package's own version, read by its name so the built `dist/`, the bundled plugin and the
// tests all find the one package.json.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- JSON, resolved through the package's exports
const { version } = require("pulumi-dockyard/package.json") as { version: string };

/** The version every resource registers with: the plugin it names is the one this package carries. */
export const PACKAGE_VERSION: string = version;
