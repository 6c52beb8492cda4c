import test from "ava";
import { goalChecks } from "../../bench/goals";
import { renderTables, type Results } from "../../bench/results";
import { benchResults, benchSample } from "./support/bench-results";

const sample = benchSample;

function results(createdAt5: number): Results {
  return benchResults(
    {
      "dockyard.converge.5": {
        tool: "dockyard",
        phase: "converge",
        hosts: 5,
        samples: [sample(99, { error: "boom" }), sample(20, { changes: { create: createdAt5 } })],
      },
      "dockyard.noop.5": { tool: "dockyard", phase: "noop", hosts: 5, samples: [sample(8)] },
      "empty.up-again.1": { tool: "empty", phase: "up-again", hosts: 1, samples: [sample(3)] },
      "components.up-again.5": {
        tool: "components",
        phase: "up-again",
        hosts: 5,
        samples: [sample(4, { nodeMaxRssMb: 170, cliPeakMb: 120 })],
      },
      "components.preview.5": { tool: "components", phase: "preview", hosts: 5, samples: [sample(2.5)] },
    },
    "2026-12-03T00:00:00.000Z",
  );
}

test("registrations per host come from the first converge's creates, the stack aside, and are held to 6", (t) => {
  const ten = goalChecks(results(51)).find((g) => g.goal.startsWith("registrations per host"));
  t.deepEqual(ten, { goal: "registrations per host, the guide's job (5 host(s))", value: 10, limit: 6, unit: "count", met: false });
  const six = goalChecks(results(31)).find((g) => g.goal.startsWith("registrations per host"));
  t.is(six?.value, 6);
  t.true(six?.met);
});

test("bare components: what registering costs beside the empty program, as a share of a no-op, with their memory", (t) => {
  const r = results(51);
  // (4 s - 3 s) / 8 s
  t.is(r.ratios["registrations only (bare components - empty program)/dockyard no-op up, 5 hosts"], 0.13);
  const tables = renderTables(r);
  t.regex(
    tables,
    /\| Registrations only \(10 bare components per host, no provider\): `pulumi up` again; `preview` \| —; — \| 4\.0 s; 2\.5 s \|/,
  );
  t.regex(tables, /\| 10 bare components per host, up again \| — \| 170 \/ 120 \/ — \|/);
  t.regex(tables, /\| registrations per host, the guide's job \(5 host\(s\)\) \| 10\.0 \| 6 \| \*\*no\*\* \|/);
});
