import * as grpc from "@grpc/grpc-js";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { LogSeverity } from "@pulumi/pulumi/proto/engine_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import test from "ava";
import { dockyardProvider, type Controllers } from "../../src/plugin/dispatch";
import { engineAddressOf, logNoticesTo } from "../../src/plugin/engine-log";
import { KINDS, tokenOf } from "../../src/providers/kinds";
import { notice, setNoticeSink } from "../../src/providers/notices";

/** An engine that records what is logged to it. */
async function fakeEngine(): Promise<{ address: string; logged: LogRequest.AsObject[]; stop: () => void }> {
  const logged: LogRequest.AsObject[] = [];
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, done: grpc.sendUnaryData<Empty>) => done({ code: grpc.status.UNIMPLEMENTED }, null);
  server.addService(EngineService, {
    log: (call: grpc.ServerUnaryCall<LogRequest, Empty>, done: grpc.sendUnaryData<Empty>) => {
      logged.push(call.request.toObject());
      done(null, new Empty());
    },
    getRootResource: unimplemented,
    setRootResource: unimplemented,
    startDebugging: unimplemented,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, logged, stop: () => server.forceShutdown() };
}

test("the engine's address is the first argument after the CLI's flags", (t) => {
  t.is(engineAddressOf(["127.0.0.1:4000"]), "127.0.0.1:4000");
  t.is(engineAddressOf(["--logtostderr", "-v=9", "--tracing", "http://t:1", "127.0.0.1:4000"]), "127.0.0.1:4000");
  t.is(engineAddressOf(["--logtostderr"]), undefined);
});

test.serial("a controller's notice reaches the engine's log under the URN of the resource being served", async (t) => {
  const engine = await fakeEngine();
  t.teardown(() => (setNoticeSink(undefined), engine.stop()));
  logNoticesTo(engine.address);
  // Two deletes at once, each noticing after an await: each notice keeps its own resource.
  const controllers = Object.fromEntries(
    Object.values(KINDS).map((k) => [
      k.provider,
      {
        delete: async (id: string) => {
          await new Promise((r) => setTimeout(r, id === "a" ? 30 : 5));
          notice(`${id} was left in place`);
        },
      },
    ]),
  ) as unknown as Controllers;
  const p = dockyardProvider(controllers);
  const urn = (name: string) => `urn:pulumi:s::p::${tokenOf("DockerEngine")}::${name}`;
  await Promise.all([p.delete!("a", urn("one"), {}), p.delete!("b", urn("two"), {})]);
  for (let i = 0; i < 100 && engine.logged.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  const byUrn = Object.fromEntries(engine.logged.map((l) => [l.urn, l]));
  t.is(byUrn[urn("one")]?.message, "dockyard: a was left in place");
  t.is(byUrn[urn("two")]?.message, "dockyard: b was left in place");
  t.is(byUrn[urn("one")]?.severity, LogSeverity.WARNING);
});

test.serial("without an engine, notices go to stderr", (t) => {
  const seen: string[] = [];
  const original = console.error;
  console.error = (m: string) => void seen.push(m);
  t.teardown(() => (console.error = original));
  logNoticesTo(undefined);
  notice("kept");
  t.deepEqual(seen, ["dockyard: kept"]);
});
