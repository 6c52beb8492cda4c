import test from "ava";
import { niceCeiling, renderPlot, seriesOf } from "../../bench/plot";
import { summarize, type Results } from "../../bench/results";
import { benchResults, benchSample } from "./support/bench-results";

const sample = benchSample;

function results(): Results {
  return benchResults({
    "dockyard.converge.5": { tool: "dockyard", phase: "converge", hosts: 5, samples: [sample(30), sample(20), sample(25)] },
    "dockyard.converge.1": {
      tool: "dockyard",
      phase: "converge",
      hosts: 1,
      samples: [sample(10), sample(12), sample(99, { error: "boom" })],
    },
    "shell.converge.1": { tool: "shell", phase: "converge", hosts: 1, samples: [sample(8)] },
    "dockyard.noop.1": { tool: "dockyard", phase: "noop", hosts: 1, samples: [sample(4, { load1: 3.2 })] },
    "empty.up-again.1": { tool: "empty", phase: "up-again", hosts: 1, samples: [sample(2)] },
  });
}

test("a series holds each tool's medians by host count, failed samples left out of the spread", (t) => {
  const s = seriesOf(results(), "converge");
  t.deepEqual(
    s.map((x) => x.tool),
    ["dockyard", "shell"],
  );
  t.deepEqual(s[0].points, [
    { hosts: 1, median: 11, min: 10, max: 12 },
    { hosts: 5, median: 25, min: 20, max: 30 },
  ]);
  t.deepEqual(seriesOf(results(), "mirror-change"), []);
});

test("axis ceilings are 1, 2 or 5 times a power of ten", (t) => {
  for (const [x, want] of [
    [0, 1],
    [0.7, 1],
    [1, 1],
    [1.1, 2],
    [3, 5],
    [7, 10],
    [12, 20],
    [420, 500],
    [614, 1000],
  ] as const) {
    t.is(niceCeiling(x), want, `niceCeiling(${x})`);
  }
});

test("the picture has a panel per phase with data, a line per series, the empty program and the load", (t) => {
  const svg = renderPlot(results());
  t.true(svg.startsWith("<svg "));
  t.regex(svg, /first converge/);
  t.regex(svg, /no-op up</);
  t.notRegex(svg, /mirror change/, "a phase without samples gets no panel");
  t.is(svg.match(/<polyline /g)?.length, 3, "dockyard and shell converge, dockyard no-op");
  t.is(svg.match(/stroke-dasharray/g)?.length, 1, "the empty program's level on the no-op panel only");
  t.regex(svg, /Dockyard, 5 hosts: 25 s/);
  t.regex(svg, /load 0\.5-3\.2 on 2 cores/);
});

test("the previous release is a line of its own, and this checkout's points say how they compare with it", (t) => {
  const r = results();
  r.scenarios["dockyard-0.3.0.noop.1"] = { tool: "dockyard-0.3.0", phase: "noop", hosts: 1, samples: [sample(5)] };
  r.scenarios["ansible.noop.1"] = { tool: "ansible", phase: "noop", hosts: 1, samples: [sample(9)] };
  summarize(r);
  const svg = renderPlot(r);
  t.regex(svg, /Dockyard 0\.3\.0 \(before\), 1 hosts: 5 s</);
  t.regex(svg, /Dockyard, 1 hosts: 4 s, 0\.80x of 0\.3\.0</);
  t.notRegex(svg, /Dockyard, 1 hosts: 11 s,/, "no ratio where 0.3.0 did not run that phase");
  // Five legend entries do not fit on one line of two panels (600 px): the legend takes two lines.
  t.regex(svg, /<rect x="10" y="243" width="14" height="4" fill="#7f7f7f"\/>/);
  t.regex(svg, /height="276"/);
});
