// `smartapp graph`: the state tree and its transitions as Graphviz DOT.
import type { ReactionNode } from "../dsl/ast.js";
import { loadProject } from "../project/loader.js";
import { resolvePath } from "../project/paths.js";

export function graph(dir: string, opts: { modules: string[] }): string {
  const project = loadProject(dir, opts);
  const lines = ["digraph smartapp {", "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];'];
  const q = (s: string) => JSON.stringify(s);
  for (const state of project.states.values()) {
    if (state.path === "/") continue;
    lines.push(`  ${q(state.path)}${state.noContext ? " [style=dashed]" : ""};`);
    if (state.parent && state.parent !== "/") lines.push(`  ${q(state.parent)} -> ${q(state.path)} [color=gray, arrowhead=none];`);
    for (const [target, label] of transitions(state.reactions)) {
      if (target.includes("{{")) continue; // computed at run time
      lines.push(`  ${q(state.path)} -> ${q(resolvePath(state.path, target))} [label=${q(label)}];`);
    }
  }
  for (const t of project.triggers) {
    if (t.toState) lines.push(`  ${q(t.owner)} -> ${q(t.toState)} [label=${q(`${t.kind}: ${t.value}`)}, style=dotted];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

// Literal targets of $reactions.transition("…") / ({value: "…"}) inside scripts.
const SCRIPT_TRANSITION = /\$reactions\.transition\(\s*(?:\{\s*value\s*:\s*)?["']([^"']+)["']/g;

function* transitions(reactions: ReactionNode[]): Generator<[string, string]> {
  for (const r of reactions) {
    if (r.tag === "go" || r.tag === "go!") yield [r.target, r.tag];
    else if (r.tag === "script" || r.tag === "scriptEs6") for (const m of r.code.matchAll(SCRIPT_TRANSITION)) yield [m[1], "transition"];
    else if (r.tag === "timeout") yield [r.target, "timeout"];
    else if (r.tag === "buttons" || r.tag === "inlineButtons") {
      for (const b of r.items) if (b.target) yield [b.target, b.text ?? "button"];
    } else if (r.tag === "if") for (const br of r.branches) yield* transitions(br.body);
    else if (r.tag === "random") yield* transitions(r.options);
  }
}
