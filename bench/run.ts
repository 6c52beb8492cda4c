/*
 * `npm run bench`: Dockyard against the shell floor, the CLI's fixed cost and Ansible, on rig
 * hosts, and against the previous release. Flags: --runs N (default 3), --hosts 1,5,20 (default),
 * --ansible-hosts 1,5,20 (default), --tools dockyard,dockyard-0.3.0,shell,empty,components,ansible (default
 * all; dockyard-0.3.0 is the previous release, its resources dynamic providers, run beside this
 * checkout's plugin), --out FILE (default bench/results.json),
 * --no-warm-up (skip the unrecorded first converge that fills the rig's package cache),
 * --no-parallel-diff (leave out the no-op `up` with PULUMI_PARALLEL_DIFF=true after the plain one),
 * --append (add samples to the --out file of an earlier run).
 *
 * The label comes first: the rig reads it when it is loaded, and it keeps the bench's hosts and
 * test runs' hosts out of each other's cleanup.
 */
// BENCH_RIG_LABEL (e.g. dockyard.bench.b) lets a second bench run beside a first one.
process.env.DOCKYARD_RIG_LABEL = process.env.BENCH_RIG_LABEL ?? "dockyard.bench";

const bench = require("./bench") as typeof import("./bench");
bench.main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
