// `smartapp graph`: the state tree and its transitions as Graphviz DOT.
import { stateGraph } from "../project/graph.js";
import { loadProject } from "../project/loader.js";

export function graph(dir: string, opts: { modules: string[] }): string {
  const { states, edges } = stateGraph(loadProject(dir, opts));
  const lines = ["digraph smartapp {", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];'];
  const q = (s: string) => JSON.stringify(s);
  for (const s of states) {
    lines.push(`  ${q(s.path)}${s.noContext ? " [style=dashed]" : ""};`);
    if (s.parent) lines.push(`  ${q(s.parent)} -> ${q(s.path)} [color=gray, arrowhead=none];`);
  }
  for (const e of edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.label)}${e.kind === "trigger" ? ", style=dotted" : ""}];`);
  lines.push("}");
  return lines.join("\n") + "\n";
}
