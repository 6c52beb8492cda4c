// What the plugin's wrapper starts (plugin/start.js): main.js beside it, through the per-user code
// cache (code-cache.ts). scripts/build-plugin.ts bundles this after main.js and sets MAIN_SHA256
// to main.js's hash.
import * as path from "node:path";
import { runWithCodeCache } from "./code-cache";

declare const MAIN_SHA256: string;

runWithCodeCache(path.join(__dirname, "main.js"), MAIN_SHA256);
