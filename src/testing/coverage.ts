// State and transition coverage of a test run (`smartapp test --coverage`): which of the project's
// states the cases entered and which of its written transitions they took. The same report colours
// the state graph (`smartapp graph --coverage <file>`).
import { ownFiles, stateGraph, type GraphEdge, type StateGraph } from "../project/graph.js";
import type { Project } from "../project/model.js";
import type { CaseResult } from "./model.js";

/** The coverage of a test run: counts, what was missed, and the raw states and moves for the graph. */
export interface CoverageReport {
  states: { total: number; entered: number; uncovered: { path: string; file?: string; line?: number }[] };
  transitions: { total: number; taken: number; untaken: { from: string; to: string; label: string }[] };
  /** Every state a case entered and every `[from, to]` move made, counted or not (the graph reads these). */
  enteredStates: string[];
  takenMoves: [string, string][];
}

/**
 * Counted states: the project's own states with reactions (theme folders and states of system
 * modules are left out). Counted transitions: the literal ones the graph draws (docs/testing.md).
 */
export function computeCoverage(project: Project, cases: readonly CaseResult[]): CoverageReport {
  const entered = new Set<string>();
  const moves = new Map<string, [string, string]>();
  for (const c of cases) {
    for (const s of c.coverage?.states ?? []) entered.add(s);
    for (const m of c.coverage?.transitions ?? []) moves.set(`${m[0]}\n${m[1]}`, m);
  }
  const graph = stateGraph(project);
  const own = ownFiles(project);
  const counted = graph.states.filter((s) => (project.states.get(s.path)?.reactions.length ?? 0) > 0 && own(s.file ?? ""));
  const uncovered = counted.filter((s) => !entered.has(s.path)).map((s) => ({ path: s.path, ...(s.file ? { file: s.file, line: s.line } : {}) }));
  const edges = countedEdges(graph, new Set(counted.map((s) => s.path)));
  const taken = [...moves.values()];
  const untaken = edges.filter((e) => !edgeTaken(e, taken)).map(({ from, to, label }) => ({ from, to, label }));
  return {
    states: { total: counted.length, entered: counted.length - uncovered.length, uncovered },
    transitions: { total: edges.length, taken: edges.length - untaken.length, untaken },
    enteredStates: [...entered].sort(),
    takenMoves: taken,
  };
}

/** The graph's edges between counted states, once per from/to/label. */
function countedEdges(graph: StateGraph, counted: Set<string>): GraphEdge[] {
  const seen = new Set<string>();
  return graph.edges.filter((e) => {
    const key = `${e.from}\n${e.to}\n${e.label}`;
    if (seen.has(key) || !counted.has(e.to) || (e.kind !== "trigger" && !counted.has(e.from))) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A written transition was taken when a case moved along it. A trigger's `toState` fires from
 * anywhere its owner is in the context (the owner or below it), so any move into the target from
 * there counts.
 */
export function edgeTaken(e: Pick<GraphEdge, "from" | "to" | "kind">, moves: readonly [string, string][]): boolean {
  if (e.kind !== "trigger") return moves.some(([f, t]) => f === e.from && t === e.to);
  return moves.some(([f, t]) => t === e.to && (e.from === "/" || f === e.from || f.startsWith(e.from + "/")));
}

const pct = (n: number, total: number) => (total === 0 ? "100%" : `${Math.floor((n / total) * 1000) / 10}%`);

/** The table `smartapp test --coverage` prints, then the states no case entered. */
export function formatCoverage(r: CoverageReport, paint: { red(s: string): string; dim(s: string): string; bold(s: string): string } = { red: (s) => s, dim: (s) => s, bold: (s) => s }): string {
  const rows = [
    ["", "covered", "total", ""],
    ["states", String(r.states.entered), String(r.states.total), pct(r.states.entered, r.states.total)],
    ["transitions", String(r.transitions.taken), String(r.transitions.total), pct(r.transitions.taken, r.transitions.total)],
  ];
  const width = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(width[i]!) : cell.padStart(width[i]!))).join("  ").trimEnd();
  const out = [paint.bold("coverage"), `  ${paint.dim(line(rows[0]!))}`, `  ${line(rows[1]!)}`, `  ${line(rows[2]!)}`];
  if (r.states.uncovered.length > 0) {
    out.push(`  states no case entered (${r.states.uncovered.length}):`);
    for (const s of r.states.uncovered) out.push(`    ${paint.red(s.path)}${s.file ? paint.dim(`  ${s.file}:${s.line}`) : ""}`);
  }
  if (r.transitions.untaken.length > 0) {
    out.push(`  transitions no case took (${r.transitions.untaken.length}):`);
    for (const t of r.transitions.untaken) out.push(`    ${t.from} -> ${t.to} ${paint.dim(`(${t.label})`)}`);
  }
  return out.join("\n") + "\n";
}
