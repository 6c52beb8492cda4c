/*
 * Inline programs run in the test's own process, and some of their promises reject on purpose
 * with nobody awaiting them (test/integration/support/engine.ts drops the gRPC ones and
 * InputPropertyErrors the same way):
 * - a fleet file refused by loadFleet inside the program: the FleetFileError is reported to the
 *   engine, which fails the update, and is also left unhandled in the process;
 * - when a resource fails (a host that cannot be reached, a daemon.json that is rolled back),
 *   the registration of everything that depends on it rejects ("resource h4 [...] failed
 *   to register").
 * The run's own result reports both, so they are dropped here; every other unhandled rejection
 * still reaches ava.
 */
const FAILED_DEPENDENCY = /\bresource \S+ \[[^\]]+\] failed to register/;

process.on("unhandledRejection", (reason: unknown, promise: Promise<unknown>) => {
  const refusedFleet = reason instanceof Error && reason.name === "FleetFileError";
  const message = reason instanceof Error ? reason.message : String(reason);
  // Handling it late makes Node emit 'rejectionHandled', which takes it off ava's list.
  if (refusedFleet || FAILED_DEPENDENCY.test(message)) promise.catch(() => undefined);
});
