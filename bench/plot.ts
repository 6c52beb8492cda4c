/**
 * Time against hosts, one panel per phase, one line per tool: an SVG drawn from a results file
 * (pure: results in, markup out), so the picture in the docs is always the numbers beside it.
 */
import { BEFORE, type Phase, type Results, type Scenario, type Tool } from "./results";

/** The phases drawn, in panel order, with their titles. */
export const PLOTTED_PHASES: ReadonlyArray<readonly [Phase, string]> = [
  ["converge", "first converge"],
  ["noop", "no-op up"],
  ["noop-parallel-diff", "no-op up, parallel diff"],
  ["preview", "preview"],
  ["refresh", "refresh"],
  ["mirror-change", "mirror change"],
];

const TOOL_STYLE: Record<Tool, { label: string; color: string }> = {
  dockyard: { label: "Dockyard", color: "#1f77b4" },
  [BEFORE]: { label: "Dockyard 0.3.0 (before)", color: "#9467bd" },
  shell: { label: "shell over ssh (floor)", color: "#2ca02c" },
  ansible: { label: "Ansible", color: "#d62728" },
  empty: { label: "empty program (dashed)", color: "#7f7f7f" },
  components: { label: "bare components only", color: "#bcbd22" },
};

/** One line of a panel: a tool's medians, with the spread of its samples, by host count. */
export interface Series {
  tool: Tool;
  points: { hosts: number; median: number; min: number; max: number }[];
}

/** The series of one phase: every tool with at least one successful sample, sorted by hosts. */
export function seriesOf(results: Results, phase: Phase): Series[] {
  const byTool = new Map<Tool, Series>();
  for (const s of Object.values(results.scenarios) as Scenario[]) {
    if (s.phase !== phase) continue;
    const ok = s.samples.filter((x) => !x.error).map((x) => x.seconds);
    if (!ok.length || s.median === undefined) continue;
    const series = byTool.get(s.tool) ?? { tool: s.tool, points: [] };
    series.points.push({ hosts: s.hosts, median: s.median, min: Math.min(...ok), max: Math.max(...ok) });
    byTool.set(s.tool, series);
  }
  for (const s of byTool.values()) s.points.sort((a, b) => a.hosts - b.hosts);
  return [...byTool.values()].sort((a, b) => a.tool.localeCompare(b.tool));
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `x`. */
export function niceCeiling(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].map((m) => m * p).find((v) => v >= x) ?? 10 * p) as number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

const PANEL_W = 300;
const PANEL_H = 220;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };
/** The width of one legend entry. */
const LEGEND_W = 190;

/** A panel; `hosts` is every host count of the run, so the panels share an x axis. `floor`: a level drawn dashed (the empty program). */
function panel(title: string, series: Series[], hosts: number[], floor: number | undefined, x0: number, y0: number): string {
  // This checkout's points say how they compare with the previous release's at the same host count.
  const before = new Map(series.find((s) => s.tool === BEFORE)?.points.map((p) => [p.hosts, p.median]));
  const versus = (s: Series, p: Series["points"][number]) => {
    const b = before.get(p.hosts);
    return s.tool === "dockyard" && b ? `, ${(p.median / b).toFixed(2)}x of 0.3.0` : "";
  };
  const yMax = niceCeiling(Math.max(floor ?? 0, ...series.flatMap((s) => s.points.map((p) => p.max))));
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const xMax = Math.max(...hosts);
  // Host counts on a linear axis: flat cost per host shows as a flat line.
  const X = (n: number) => x0 + PAD.left + (xMax === 0 ? 0 : (n / xMax) * w);
  const Y = (s: number) => y0 + PAD.top + h - (s / yMax) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + PAD.left}" y="${y0 + 18}" font-weight="bold">${esc(title)}</text>`);
  out.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(xMax)}" y2="${Y(0)}" stroke="#000"/>`);
  out.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(0)}" y2="${Y(yMax)}" stroke="#000"/>`);
  for (const t of [0, yMax / 2, yMax]) {
    out.push(`<text x="${X(0) - 4}" y="${Y(t) + 4}" text-anchor="end">${n1(t)}</text>`);
  }
  for (const n of hosts) out.push(`<text x="${X(n)}" y="${Y(0) + 14}" text-anchor="middle">${n}</text>`);
  out.push(`<text x="${x0 + PAD.left + w / 2}" y="${y0 + PANEL_H - 6}" text-anchor="middle">hosts (seconds up the side)</text>`);
  if (floor !== undefined) {
    out.push(
      `<line x1="${X(0)}" y1="${n1(Y(floor))}" x2="${X(xMax)}" y2="${n1(Y(floor))}" stroke="${TOOL_STYLE.empty.color}" stroke-dasharray="4 3"/>`,
    );
  }
  for (const s of series) {
    const { color } = TOOL_STYLE[s.tool];
    const pts = s.points.map((p) => `${n1(X(p.hosts))},${n1(Y(p.median))}`).join(" ");
    out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) {
      // The whisker is the spread of the samples: on a shared machine it is often wide.
      out.push(`<line x1="${n1(X(p.hosts))}" y1="${n1(Y(p.min))}" x2="${n1(X(p.hosts))}" y2="${n1(Y(p.max))}" stroke="${color}"/>`);
      out.push(
        `<circle cx="${n1(X(p.hosts))}" cy="${n1(Y(p.median))}" r="3" fill="${color}"><title>${esc(`${TOOL_STYLE[s.tool].label}, ${p.hosts} hosts: ${n1(p.median)} s${versus(s, p)}`)}</title></circle>`,
      );
    }
  }
  return out.join("\n");
}

/** The whole picture: panels of the phases that have data, a legend, and how busy the machine was. */
export function renderPlot(results: Results): string {
  const panels = PLOTTED_PHASES.map(([phase, title]) => ({ phase, title, series: seriesOf(results, phase) })).filter(
    (p) => p.series.length,
  );
  const hosts = [...new Set(panels.flatMap((p) => p.series.flatMap((s) => s.points.map((x) => x.hosts))))].sort((a, b) => a - b);
  // The CLI's fixed cost: what a no-op run is measured against, the same command of an empty program.
  const emptyOf = (phase: Phase) =>
    results.scenarios[`empty.${phase === "preview" || phase === "refresh" ? phase : "up-again"}.1`]?.median ??
    results.scenarios["empty.up-again.1"]?.median;
  const empty = results.scenarios["empty.up-again.1"]?.median;
  const cols = Math.min(3, Math.max(1, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const width = cols * PANEL_W;
  const tools = [
    ...new Set([...panels.flatMap((p) => p.series.map((s) => s.tool)), ...(empty === undefined ? [] : (["empty"] as const))]),
  ].sort();
  // The legend wraps when its entries do not fit beside each other.
  const perLine = Math.max(1, Math.floor((width - 10) / LEGEND_W));
  const legendLines = Math.max(1, Math.ceil(tools.length / perLine));
  const legendH = 24 + 16 * legendLines;
  const height = rows * PANEL_H + legendH;
  const body: string[] = [];
  panels.forEach((p, i) =>
    body.push(
      panel(
        p.title,
        p.series,
        hosts,
        p.phase === "converge" || p.phase === "mirror-change" ? undefined : emptyOf(p.phase),
        (i % cols) * PANEL_W,
        Math.floor(i / cols) * PANEL_H,
      ),
    ),
  );
  tools.forEach((t, i) => {
    const x = 10 + (i % perLine) * LEGEND_W;
    const y = rows * PANEL_H + 16 + 16 * Math.floor(i / perLine);
    body.push(`<rect x="${x}" y="${y - 9}" width="14" height="4" fill="${TOOL_STYLE[t].color}"/>`);
    body.push(`<text x="${x + 20}" y="${y - 4}">${esc(TOOL_STYLE[t].label)}</text>`);
  });
  const loads = Object.values(results.scenarios).flatMap((s) => s.samples.map((x) => x.load1).filter((l): l is number => l !== undefined));
  const quiet = loads.length
    ? `load ${n1(Math.min(...loads))}-${n1(Math.max(...loads))} on ${results.machine.cores} cores`
    : "load not recorded";
  body.push(
    `<text x="10" y="${rows * PANEL_H + 18 + 16 * legendLines}">${esc(`median of the samples, whiskers from fastest to slowest; ${results.date.slice(0, 10)}, ${quiet}`)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
