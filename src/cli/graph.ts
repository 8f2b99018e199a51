// `smartapp graph`: the state tree and its transitions as Graphviz DOT; with `--coverage <file>`
// (written by `smartapp test --coverage <file>`) coloured by what the tests walked through.
import { readFileSync } from "node:fs";
import { stateGraph } from "../project/graph.js";
import { loadProject } from "../project/loader.js";
import { edgeTaken, type CoverageReport } from "../testing/coverage.js";

export interface GraphCliOptions {
  modules: string[];
  coverage?: string; // a coverage JSON file
}

export function graph(dir: string, opts: GraphCliOptions): string {
  const { states, edges } = stateGraph(loadProject(dir, opts));
  const coverage = opts.coverage ? readCoverage(opts.coverage) : undefined;
  const entered = new Set(coverage?.enteredStates ?? []);
  const uncovered = new Set((coverage?.states.uncovered ?? []).map((s) => s.path));
  const lines = ["digraph smartapp {", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];'];
  if (coverage) {
    const { states: s, transitions: t } = coverage;
    lines.push(`  label=${q(`test coverage: ${s.entered}/${s.total} states entered (green), ${t.taken}/${t.total} transitions taken (bold); red: never entered`)}; labelloc=t;`);
  }
  for (const s of states) {
    const attrs = [...(s.noContext ? ["style=dashed"] : [])];
    // green: a case entered it; red: a counted state no case entered; plain: not counted (no reactions, a module's)
    if (entered.has(s.path)) attrs.push(`style="filled${s.noContext ? ",dashed" : ""}"`, 'fillcolor="#c8f0c8"');
    else if (uncovered.has(s.path)) attrs.push(`style="filled${s.noContext ? ",dashed" : ""}"`, 'fillcolor="#f6c6c6"');
    lines.push(`  ${q(s.path)}${attrs.length ? ` [${dedupeStyle(attrs).join(", ")}]` : ""};`);
    if (s.parent) lines.push(`  ${q(s.parent)} -> ${q(s.path)} [color=gray, arrowhead=none];`);
  }
  for (const e of edges) {
    const attrs = [`label=${q(e.label)}`, ...(e.kind === "trigger" ? ["style=dotted"] : [])];
    if (coverage) attrs.push(edgeTaken(e, coverage.takenMoves) ? 'color="#1a7f1a", penwidth=2' : 'color="#999999"');
    lines.push(`  ${q(e.from)} -> ${q(e.to)} [${attrs.join(", ")}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

const q = (s: string) => JSON.stringify(s);

/** A filled state keeps its dashed (noContext) outline in the same style attribute. */
function dedupeStyle(attrs: string[]): string[] {
  return attrs.some((a) => a.startsWith('style="filled')) ? attrs.filter((a) => a !== "style=dashed") : attrs;
}

function readCoverage(file: string): CoverageReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`cannot read the coverage file ${file}: ${(e as Error).message}`);
  }
  const c = (data as { coverage?: unknown }).coverage ?? data; // the file itself, or `test --json` output
  if (!c || typeof c !== "object" || !Array.isArray((c as CoverageReport).enteredStates) || !Array.isArray((c as CoverageReport).takenMoves)) {
    throw new Error(`${file} is not a coverage report: write one with \`smartapp test --coverage ${file}\``);
  }
  return c as CoverageReport;
}
