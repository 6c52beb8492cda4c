// The entry of `pulumi-resource-dockyard` (bundled into plugin/main.js by scripts/build-plugin.ts):
// serves every Dockyard resource kind over the engine's provider protocol.
import * as provider from "@pulumi/pulumi/provider";
import { dockyardProvider } from "./dispatch";
import { engineAddressOf, logNoticesTo } from "./engine-log";
import { registerComponentModules } from "./live";
import { acceptReadWithoutProperties } from "./read-request";
import { lendModules } from "./shared";

// Before any construct: components passed to a construct resolve while its inputs are read.
lendModules();
registerComponentModules();
acceptReadWithoutProperties();

const args = process.argv.slice(2);
logNoticesTo(engineAddressOf(args));
void provider.main(dockyardProvider(), args);
