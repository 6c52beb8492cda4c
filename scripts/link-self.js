// Makes `require("pulumi-dockyard")` resolve inside this repository the way it does for users
// (node_modules/pulumi-dockyard -> ..), so dynamic providers load the package by name here too.
const fs = require("node:fs");
const path = require("node:path");
const link = path.join(__dirname, "..", "node_modules", "pulumi-dockyard");
fs.mkdirSync(path.dirname(link), { recursive: true });
try {
  if (fs.readlinkSync(link) === "..") process.exit(0);
  fs.rmSync(link, { recursive: true, force: true });
} catch {}
fs.symlinkSync("..", link, "dir");
