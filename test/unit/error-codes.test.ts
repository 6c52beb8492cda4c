import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  DockyardError,
  dockyardErrorCodes,
  ERROR_CODES,
  errorCodesMarkdown,
  isDockyardError,
  type DockyardErrorCode,
} from "../../src/model/error-codes";
import {
  AuthenticationError,
  EngineUnavailableError,
  HostKeyMismatchError,
  HostUnreachableError,
  RemoteCommandError,
  RemoteError,
} from "../../src/remote/errors";
import { checked, invalid, InvalidArgumentError } from "../../src/model/input-error";
import { PreflightError } from "../../src/remote/preflight-error";
import { FleetFileError, parseFleet } from "../../src/fleet/load-fleet";

const REPO = path.resolve(__dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** An error as a program or Automation API caller sees one a provider threw: its message, as text. */
const acrossProcesses = (e: Error) => new Error(`Diagnostics:\n  dockyard:index:DockerEngine (docker):\n    error: ${e.message}\n`);

test("docs/errors.md is rendered from the codes (run `npx tsx scripts/error-docs.ts` after a change)", (t) => {
  t.is(readFileSync(path.join(REPO, "docs", "errors.md"), "utf8"), errorCodesMarkdown());
});

test("every code names its class, meaning and action, and is thrown somewhere in src", (t) => {
  const src = sourceFiles(path.join(REPO, "src"))
    .filter((f) => !f.endsWith(path.join("model", "error-codes.ts")))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    t.regex(code, /^DOCKYARD_[A-Z0-9_]+$/);
    t.true(info.thrownAs.length > 0 && info.meaning.length > 20 && info.action.length > 10, code);
    t.true(src.includes(`"${code}"`), `${code} is never thrown`);
  }
});

test("each SSH error class carries its code, in `code` and first in the message", (t) => {
  const cases: [RemoteError, DockyardErrorCode][] = [
    [new RemoteError("root@h:22", "something"), "DOCKYARD_REMOTE_FAILED"],
    [new HostUnreachableError("root@h:22", "unreachable: connect ECONNREFUSED"), "DOCKYARD_HOST_UNREACHABLE"],
    [new AuthenticationError("root@h:22", "authentication failed"), "DOCKYARD_AUTHENTICATION_FAILED"],
    [new HostKeyMismatchError("root@h:22", "host key mismatch"), "DOCKYARD_HOST_KEY_MISMATCH"],
    [new RemoteCommandError("root@h:22", "false", 1, "", "nope", "reading facts"), "DOCKYARD_REMOTE_COMMAND_FAILED"],
    [new EngineUnavailableError("root@h:22", "reading container web", ["docker.service is inactive"]), "DOCKYARD_ENGINE_UNAVAILABLE"],
    [new PreflightError("root@h:22", "preflight failed"), "DOCKYARD_PREFLIGHT_FAILED"],
    [new RemoteError("root@h:22", "pin resolves to an older version", "DOCKYARD_DOWNGRADE_REFUSED"), "DOCKYARD_DOWNGRADE_REFUSED"],
  ];
  for (const [e, code] of cases) {
    t.is(e.code, code);
    t.true(e.message.startsWith(`[${code}] root@h:22: `), e.message);
    t.true(e instanceof DockyardError);
    // The stack is the message, so the provider host prints one line (see RemoteError).
    t.is(e.stack, e.message);
    t.is(`${e}`, "dockyard");
  }
  t.is(
    new RemoteCommandError("root@h:22", "false", 2, "", "line 1\nline 2", "installing docker").message,
    "[DOCKYARD_REMOTE_COMMAND_FAILED] root@h:22: installing docker failed with exit code 2:\nline 1\nline 2",
  );
});

test("an error that quotes another keeps one code: its own", (t) => {
  const inner = new RemoteCommandError("root@h:22", "docker swarm leave", 1, "", "node is the last manager");
  const outer = new RemoteError("root@h:22", `leaving the swarm: ${inner.message}`, "DOCKYARD_ENGINE_REFUSED");
  t.deepEqual(dockyardErrorCodes(outer), ["DOCKYARD_ENGINE_REFUSED"]);
  t.false(isDockyardError(outer, "DOCKYARD_REMOTE_COMMAND_FAILED"));
  t.regex(outer.message, /leaving the swarm: root@h:22: command failed with exit code 1/);
});

test("isDockyardError recognises an error from its message alone, as it arrives from a provider", (t) => {
  const e = acrossProcesses(new HostUnreachableError("root@10.0.0.5:2222", "unreachable: connect ECONNREFUSED 10.0.0.5:2222"));
  t.true(isDockyardError(e));
  t.true(isDockyardError(e, "DOCKYARD_HOST_UNREACHABLE"));
  t.false(isDockyardError(e, "DOCKYARD_AUTHENTICATION_FAILED"));
  t.true(isDockyardError(e.message, "DOCKYARD_HOST_UNREACHABLE"), "a string (CLI output) works too");
  // Codes Dockyard does not define, and errors of others, are not Dockyard's.
  t.false(isDockyardError(new Error("[DOCKYARD_SOMETHING_ELSE] x")));
  t.false(isDockyardError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })));
  t.false(isDockyardError(undefined));
  t.false(isDockyardError({}));
  // Several errors in one `pulumi up` output: each is found.
  const two = new Error(
    `${acrossProcesses(new AuthenticationError("a@h1:22", "refused")).message}\n${acrossProcesses(new PreflightError("root@h2:22", "kernel too old")).message}`,
  );
  t.deepEqual(dockyardErrorCodes(two), ["DOCKYARD_AUTHENTICATION_FAILED", "DOCKYARD_PREFLIGHT_FAILED"]);
});

test("isDockyardError reads the `code` property of an error thrown in the program's process", (t) => {
  const e = new DockyardError("DOCKYARD_BUNDLE_INVALID", "bundle /x.tgz does not exist");
  t.is(e.message, "[DOCKYARD_BUNDLE_INVALID] bundle /x.tgz does not exist");
  t.true(isDockyardError(e, "DOCKYARD_BUNDLE_INVALID"));
  t.true(isDockyardError({ code: "DOCKYARD_INVALID_ARGUMENT", message: "no code in this text" }, "DOCKYARD_INVALID_ARGUMENT"));
});

test("a bad argument is an InputPropertyError with the code in its message and a plain reason", (t) => {
  const e = t.throws(() => checked("Host h1", () => invalid("port", "must be an integer 1-65535 (got 70000)")));
  t.true(pulumi.InputPropertyError.isInstance(e));
  t.true(e instanceof InvalidArgumentError);
  const err = e as InvalidArgumentError;
  t.is(err.message, "[DOCKYARD_INVALID_ARGUMENT] Host h1: port must be an integer 1-65535 (got 70000)");
  t.is(err.reason, "Host h1: port must be an integer 1-65535 (got 70000)");
  t.is(err.propertyPath, "port");
  t.is(err.code, "DOCKYARD_INVALID_ARGUMENT");
  t.true(err.stack!.includes("[DOCKYARD_INVALID_ARGUMENT] Host h1: port"), "the stack Pulumi prints carries the code");
  t.true(isDockyardError(err, "DOCKYARD_INVALID_ARGUMENT"));
});

test("a fleet file's problems come as one FleetFileError with its code", (t) => {
  const e = t.throws(() => parseFleet("hosts:\n  - name: a\n    address: 10.0.0.1\n    port: seventy\n", "stacks/x.yaml"));
  t.true(e instanceof FleetFileError);
  t.is((e as FleetFileError).code, "DOCKYARD_FLEET_FILE_INVALID");
  t.true(e!.message.startsWith("[DOCKYARD_FLEET_FILE_INVALID] fleet file stacks/x.yaml: "), e!.message);
  t.true(pulumi.RunError.isInstance(e));
  t.true(isDockyardError(acrossProcesses(e as Error), "DOCKYARD_FLEET_FILE_INVALID"));
});
