import { summarize, type Results, type Sample, type Scenario } from "../../../bench/results";

/** A sample as the bench records it: its seconds, on a quiet machine, with anything else given. */
export const benchSample = (seconds: number, extra: Partial<Sample> = {}): Sample => ({
  seconds,
  otherRigContainers: 0,
  load1: 0.5,
  ...extra,
});

/** A bench results file around `scenarios`, its medians and ratios filled in. */
export function benchResults(scenarios: Record<string, Scenario>, date = "2026-12-01T00:00:00.000Z"): Results {
  const r: Results = {
    date,
    command: "npm run bench",
    machine: { cores: 2, memoryGiB: 24 },
    versions: {},
    settings: {},
    sharedMachine: { rigContainersAtStart: 0, rigContainersAtEnd: 0, maxDuringRun: 0, shared: false, note: "" },
    scenarios,
    ratios: {},
    resourceMedians: {},
    notes: [],
  };
  summarize(r);
  return r;
}
