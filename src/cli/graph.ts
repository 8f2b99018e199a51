// `smartapp graph`: the state tree and its transitions as Graphviz DOT; with `--coverage <file>`
// (written by `smartapp test --coverage <file>`) coloured by what the tests walked through.
import { readFileSync } from "node:fs";
import { stateGraph, type StateGraph } from "../project/graph.js";
import { loadProject } from "../project/loader.js";
import { edgeTaken, type CoverageReport } from "../testing/coverage.js";

/** Options of `smartapp graph`. */
export interface GraphCliOptions {
  modules: string[];
  coverage?: string; // a coverage JSON file
  html?: boolean; // a page to open in a browser instead of DOT
}

/** `smartapp graph`: the project's state graph as DOT, or as an HTML page, with test coverage when given. */
export function graph(dir: string, opts: GraphCliOptions): string {
  const g = stateGraph(loadProject(dir, opts));
  const coverage = opts.coverage ? readCoverage(opts.coverage) : undefined;
  return opts.html ? graphHtml(g, coverage) : graphDot(g, coverage);
}

function graphDot({ states, edges }: StateGraph, coverage: CoverageReport | undefined): string {
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

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * The state tree as one self-contained page (no script, no network): each state with its place in
 * the files and its transitions; with coverage, entered states green, missed ones red, taken
 * transitions bold, and the totals on top.
 */
function graphHtml({ states, edges }: StateGraph, coverage: CoverageReport | undefined): string {
  const entered = new Set(coverage?.enteredStates ?? []);
  const missed = new Set((coverage?.states.uncovered ?? []).map((s) => s.path));
  const children = new Map<string, typeof states>();
  for (const s of states) {
    const parent = s.parent ?? "/";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(s);
  }
  const out = new Map<string, typeof edges>();
  for (const e of edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from)!.push(e);
  }
  const tree = (parent: string): string => {
    const items = (children.get(parent) ?? []).map((s) => {
      const cls = entered.has(s.path) ? "entered" : missed.has(s.path) ? "missed" : "plain";
      const where = s.file ? ` <span class="where">${esc(`${s.file}:${s.line}`)}</span>` : "";
      const moves = (out.get(s.path) ?? []).map((e) => {
        const taken = coverage ? (edgeTaken(e, coverage.takenMoves) ? "taken" : "untaken") : "";
        return `<li class="${taken}">→ ${esc(e.to)} <span class="label">${esc(e.label)}</span></li>`;
      });
      const sub = children.has(s.path) ? tree(s.path) : "";
      return `<li><span class="state ${cls}" title="${esc(s.path)}">${esc(s.path.slice(s.path.lastIndexOf("/") + 1) || s.path)}</span>${s.noContext ? ' <span class="label">noContext</span>' : ""}${where}${moves.length ? `<ul class="moves">${moves.join("")}</ul>` : ""}${sub}</li>`;
    });
    return items.length ? `<ul>${items.join("")}</ul>` : "";
  };
  const summary = coverage
    ? `<p class="summary">test coverage: <b>${coverage.states.entered}/${coverage.states.total}</b> states entered, <b>${coverage.transitions.taken}/${coverage.transitions.total}</b> transitions taken. <span class="state entered">entered</span> <span class="state missed">no case entered it</span> <span class="state plain">not counted</span></p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>smartapp graph</title>
<style>
body { font: 14px/1.5 system-ui, sans-serif; margin: 2em; color: #222; }
ul { list-style: none; padding-left: 1.4em; border-left: 1px solid #ddd; }
.state { display: inline-block; padding: 0 .5em; border: 1px solid #bbb; border-radius: 3px; font-family: monospace; }
.entered { background: #c8f0c8; } .missed { background: #f6c6c6; } .plain { background: #fff; }
.where, .label { color: #777; font-size: 90%; }
.moves { border: none; padding-left: 1em; font-family: monospace; color: #555; }
.taken { color: #1a7f1a; font-weight: bold; } .untaken { color: #999; }
</style></head><body>
<h1>State graph</h1>
${summary}
${tree("/")}
</body></html>
`;
}
