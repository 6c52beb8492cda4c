/*
 * When a resource fails (a host that cannot be reached, a daemon.json that is rolled back), the
 * registration of everything that takes its outputs or depends on it rejects inside the inline
 * program ("resource h4-facts [...] failed to register"), which runs in the test's own process;
 * nobody awaits those promises. The run's result already reports the failed resource, so these
 * are dropped here; every other unhandled rejection still reaches ava.
 */
const FAILED_DEPENDENCY = /\bresource \S+ \[[^\]]+\] failed to register/;

process.on("unhandledRejection", (reason: unknown, promise: Promise<unknown>) => {
  const message = reason instanceof Error ? reason.message : String(reason);
  // Handling it late makes Node emit 'rejectionHandled', which takes it off ava's list.
  if (FAILED_DEPENDENCY.test(message)) promise.catch(() => undefined);
});
