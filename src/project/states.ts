// Builds the project's state tree and trigger table from parsed themes (spec §2.3–§2.5).
// Several files may declare the same theme; their states merge. Theme paths become placeholder
// states so every state has a parent in the map; an explicit state may later fill a placeholder.
import type { Params, ScriptBlock, SourcePos, StateNode, ThemeNode, TriggerNode } from "../dsl/ast.js";
import { ProjectError } from "../util/errors.js";
import { ROOT_PATH, type State, type Trigger } from "./model.js";
import { childPath, parentPath, resolvePath } from "./paths.js";

const fmtPos = (p: SourcePos) => `${p.file}:${p.line}`;

/** The states and triggers of a project being loaded: themes added one by one, with paths and targets resolved. */
export class StateTable {
  readonly states = new Map<string, State>();
  readonly triggers: Trigger[] = [];
  private readonly placeholders = new Set<string>();

  constructor(
    private readonly onError: (e: ProjectError) => void,
    private readonly sourceLine: (pos: SourcePos) => string | undefined,
  ) {
    this.states.set(ROOT_PATH, this.blank(ROOT_PATH, "", null, { file: "", line: 0, col: 0 }));
  }

  /** Adds a theme's states; returns the init: blocks of the theme and its states in document order. */
  addTheme(theme: ThemeNode): ScriptBlock[] {
    const themePath = resolvePath(ROOT_PATH, theme.path);
    this.ensure(themePath, theme.pos);
    const inits = [...theme.inits];
    const themeState = this.states.get(themePath)!;
    for (const t of theme.triggers) themeState.triggers.push(this.addTrigger(t, themePath));
    for (const s of theme.states) this.addState(s, themePath, inits);
    return inits.sort((a, b) => a.pos.line - b.pos.line);
  }

  private blank(path: string, name: string, parent: string | null, pos: SourcePos): State {
    return { path, name, parent, noContext: false, modal: false, params: {}, triggers: [], reactions: [], children: [], pos };
  }

  /** Makes sure `path` and its ancestors exist (as placeholders if nobody declared them). */
  private ensure(path: string, pos: SourcePos): void {
    if (this.states.has(path)) return;
    const parent = parentPath(path)!;
    this.ensure(parent, pos);
    this.states.set(path, this.blank(path, path.slice(path.lastIndexOf("/") + 1), parent, pos));
    this.placeholders.add(path);
    this.states.get(parent)!.children.push(path);
  }

  private addState(node: StateNode, parent: string, inits: ScriptBlock[]): void {
    // Unnamed states get a synthetic name that no path in a file can spell by accident.
    const name = node.name || `__anon_${node.pos.file.replace(/[^A-Za-z0-9]/g, "_")}_${node.pos.line}`;
    const path = name.includes("/") ? resolvePath(parent, name) : childPath(parent, name);
    const existing = this.states.get(path);
    if (existing && !this.placeholders.has(path)) {
      const where = existing.pos.line ? ` (first declared at ${fmtPos(existing.pos)})` : "";
      this.onError(new ProjectError(`duplicate state ${path}${where}`, node.pos, this.sourceLine(node.pos)));
      return;
    }
    inits.push(...node.inits);
    const parentOf = parentPath(path)!;
    this.ensure(parentOf, node.pos);
    const state: State = existing ?? this.blank(path, name, parentOf, node.pos);
    Object.assign(state, {
      name: path.slice(path.lastIndexOf("/") + 1),
      pos: node.pos,
      params: node.params,
      noContext: isTrue(node.params.noContext),
      modal: isTrue(node.params.modal),
      reactions: node.reactions,
    });
    if (!existing) {
      this.states.set(path, state);
      this.states.get(parentOf)!.children.push(path);
    }
    this.placeholders.delete(path);
    for (const t of node.triggers) state.triggers.push(this.addTrigger(t, path));
    for (const c of node.children) this.addState(c, path, inits);
  }

  private addTrigger(t: TriggerNode, owner: string): number {
    const id = this.triggers.length;
    const trigger: Trigger = {
      id,
      kind: t.kind,
      global: t.global,
      value: t.value,
      owner,
      onlyThisState: isTrue(t.params.onlyThisState),
      params: t.params,
      pos: t.pos,
    };
    const from = stateList(t.params.fromState);
    if (from) trigger.fromState = from.map((p) => resolveStatic(owner, p));
    if (t.params.toState !== undefined && String(t.params.toState) !== "") trigger.toState = resolveStatic(owner, String(t.params.toState));
    this.triggers.push(trigger);
    return id;
  }
}

function isTrue(v: Params[string] | undefined): boolean {
  return v === true || v === "true";
}

/** `{{ }}` paths are only known at run time; keep them raw. */
function resolveStatic(owner: string, p: string): string {
  return p.includes("{{") ? p : resolvePath(owner, p);
}

/** fromState is a path or a list: `["/A", "/B"]` (JSON-ish). */
function stateList(v: Params[string] | undefined): string[] | undefined {
  if (v === undefined || v === "") return undefined;
  const s = String(v).trim();
  if (s.startsWith("[") && s.endsWith("]")) {
    return s
      .slice(1, -1)
      .split(",")
      .map((x) => x.trim().replace(/^["']|["']$/g, ""))
      .filter(Boolean);
  }
  return [s];
}
