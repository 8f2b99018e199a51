// The state graph of a loaded project: states with their nesting, and every transition written
// literally in the scenario. `smartapp graph` prints it as DOT; the web console draws it.
import type { ReactionNode } from "../dsl/ast.js";
import type { Project } from "./model.js";
import { resolvePath } from "./paths.js";

export interface GraphState {
  path: string;
  parent?: string; // undefined for top-level states
  noContext: boolean;
  file?: string;
  line?: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** What makes the transition: `go!`, `go`, `timeout`, `transition` (a script), a button text, or a trigger. */
  label: string;
  kind: "reaction" | "button" | "script" | "trigger";
}

export interface StateGraph {
  states: GraphState[];
  edges: GraphEdge[];
}

export function stateGraph(project: Project): StateGraph {
  const states: GraphState[] = [];
  const edges: GraphEdge[] = [];
  for (const state of project.states.values()) {
    if (state.path === "/") continue;
    states.push({
      path: state.path,
      ...(state.parent && state.parent !== "/" ? { parent: state.parent } : {}),
      noContext: state.noContext === true,
      ...(state.pos ? { file: state.pos.file, line: state.pos.line } : {}),
    });
    for (const t of transitions(state.reactions)) {
      if (t.target.includes("{{")) continue; // computed at run time
      edges.push({ from: state.path, to: resolvePath(state.path, t.target), label: t.label, kind: t.kind });
    }
  }
  for (const t of project.triggers) {
    if (t.toState) edges.push({ from: t.owner, to: t.toState, label: `${t.kind}: ${t.value}`, kind: "trigger" });
  }
  return { states, edges };
}

// Literal targets of $reactions.transition("…") / ({value: "…"}) inside scripts.
const SCRIPT_TRANSITION = /\$reactions\.transition\(\s*(?:\{\s*value\s*:\s*)?["']([^"']+)["']/g;

interface Written {
  target: string;
  label: string;
  kind: GraphEdge["kind"];
}

function* transitions(reactions: ReactionNode[]): Generator<Written> {
  for (const r of reactions) {
    if (r.tag === "go" || r.tag === "go!") yield { target: r.target, label: r.tag, kind: "reaction" };
    else if (r.tag === "script" || r.tag === "scriptEs6") {
      for (const m of r.code.matchAll(SCRIPT_TRANSITION)) yield { target: m[1]!, label: "transition", kind: "script" };
    } else if (r.tag === "timeout") yield { target: r.target, label: "timeout", kind: "reaction" };
    else if (r.tag === "buttons" || r.tag === "inlineButtons") {
      for (const b of r.items) if (b.target) yield { target: b.target, label: b.text ?? "button", kind: "button" };
    } else if (r.tag === "if") for (const br of r.branches) yield* transitions(br.body);
    else if (r.tag === "random") yield* transitions(r.options);
  }
}
