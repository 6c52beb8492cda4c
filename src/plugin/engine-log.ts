// Notices from the controllers, sent to the engine's log under the URN of the resource the plugin
// is serving: the CLI shows them beside that resource. A plugin's stderr is not shown.
import { AsyncLocalStorage } from "node:async_hooks";
import * as grpc from "@grpc/grpc-js";
import { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import { LogRequest, LogSeverity } from "@pulumi/pulumi/proto/engine_pb";
import { setNoticeSink } from "../providers/notices";

/** The URN of the resource each call serves, across the controller's awaits. */
const serving = new AsyncLocalStorage<string>();

/** Runs `call` with notices going to `urn`'s log. */
export const servingUrn = <T>(urn: string, call: () => Promise<T>): Promise<T> => serving.run(urn, call);

/**
 * The engine's address among the plugin's arguments: the first that is not one of the flags the
 * CLI may put before it (`--logtostderr`, `-v=N`, `--tracing <endpoint>`).
 */
export function engineAddressOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--tracing") i++;
    else if (arg !== "--logtostderr" && !arg.startsWith("-v=")) return arg;
  }
  return undefined;
}

/**
 * Sends the controllers' notices to the engine at `address` as warnings on the resource being
 * served; without an engine (a plugin started by hand) they stay on stderr.
 */
export function logNoticesTo(address: string | undefined): void {
  if (!address) return;
  const engine = new EngineClient(address, grpc.credentials.createInsecure());
  setNoticeSink((message) => {
    const request = new LogRequest()
      .setSeverity(LogSeverity.WARNING)
      .setMessage(message)
      .setUrn(serving.getStore() ?? "");
    engine.log(request, (err) => {
      if (err) console.error(`${message} (the engine's log refused it: ${err.message})`);
    });
  });
}
