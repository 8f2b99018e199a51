// The state graph of a loaded project: states with their nesting, and every transition written
// literally in the scenario. `smartapp graph` prints it as DOT; the web console draws it.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Project } from "./model.js";
import { writtenTransitions } from "./transitions.js";

/** A state of the graph: its path, its parent and where it is declared. */
export interface GraphState {
  path: string;
  parent?: string; // undefined for top-level states
  noContext: boolean;
  file?: string;
  line?: number;
}

/** A transition between two states, labelled with what makes it. */
export interface GraphEdge {
  from: string;
  to: string;
  /** What makes the transition: `go!`, `go`, `timeout`, `transition` (a script), a button text, or a trigger. */
  label: string;
  kind: "reaction" | "button" | "script" | "trigger";
}

/** The project's states and the transitions written between them (the root "/" is left out). */
export interface StateGraph {
  states: GraphState[];
  edges: GraphEdge[];
}

/** The state graph of a loaded project: literal transitions plus the `toState` of triggers. */
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
  }
  for (const t of writtenTransitions(project)) {
    if (t.to !== undefined) edges.push({ from: t.from, to: t.to, label: t.label, kind: t.kind });
  }
  for (const t of project.triggers) {
    if (t.toState) edges.push({ from: t.owner, to: t.toState, label: `${t.kind}: ${t.value}`, kind: "trigger" });
  }
  return { states, edges };
}

/** Whether a state's file belongs to the project (system modules' files live elsewhere). */
export function ownFiles(project: Project): (file: string) => boolean {
  const own = new Map<string, boolean>();
  return (file) => {
    if (!own.has(file)) own.set(file, file !== "" && existsSync(path.join(project.dir, file)));
    return own.get(file)!;
  };
}
