// Every transition written literally in a project: `go!`/`go`, `timeout`, button targets and
// `$reactions.transition("…")` calls in scripts (found by parsing the script, never by a textual
// search, so comments and strings that merely mention it do not count). The graph draws them,
// `smartapp check` looks their targets up, test coverage counts them.
import { parse, tokenizer, type Node } from "acorn";
import type { ReactionNode, SourcePos } from "../dsl/ast.js";
import type { Project, State } from "./model.js";
import { resolvePath } from "./paths.js";

const BUILT_IN_TARGETS: Record<string, readonly string[]> = { HttpRequest: ["okState", "errorState"], InputText: ["then"], InputNumber: ["then"] };

/** One transition written in a state's reactions, with its target as written and as resolved. */
export interface WrittenTransition {
  from: string; // the state the reaction belongs to
  target: string; // as written
  to?: string; // resolved the way the engine resolves it (against `from`); undefined when computed at run time ({{ }})
  /** What makes the transition: `go!`, `go`, `timeout`, `transition` (a script), a button text. */
  label: string;
  kind: "reaction" | "button" | "script";
  pos: SourcePos;
}

/** A line of a project file, when the caller can read it: script columns then count from the file's line start. */
export type SourceLine = (file: string, line: number) => string | undefined;

/** Every transition written in the project's reactions and scripts, state by state. */
export function writtenTransitions(project: Project, sourceLine: SourceLine = () => undefined): WrittenTransition[] {
  const out: WrittenTransition[] = [];
  for (const state of project.states.values()) {
    if (state.path !== "/") collect(state, state.reactions, out, sourceLine);
  }
  return out;
}

function collect(state: State, reactions: readonly ReactionNode[], out: WrittenTransition[], sourceLine: SourceLine): void {
  const add = (target: string, label: string, kind: WrittenTransition["kind"], pos: SourcePos) => {
    const computed = target.includes("{{") || target.trim() === "";
    out.push({ from: state.path, target, ...(computed ? {} : { to: resolvePath(state.path, target) }), label, kind, pos });
  };
  for (const r of reactions) {
    if (r.tag === "go" || r.tag === "go!") add(r.target, r.tag, "reaction", r.pos);
    else if (r.tag === "timeout") add(r.target, "timeout", "reaction", r.pos);
    else if (r.tag === "script" || r.tag === "scriptEs6") {
      const lines = r.code.split("\n");
      for (const t of scriptTransitions(r.code)) {
        // The body had its common indentation stripped: add back what the file's line has in front.
        const line = r.pos.line + t.line - 1;
        const codeLine = lines[t.line - 1] ?? "";
        const fileLine = sourceLine(r.pos.file, line);
        const indent = fileLine !== undefined && fileLine.endsWith(codeLine) ? fileLine.length - codeLine.length : 0;
        add(t.target, "transition", "script", { file: r.pos.file, line, col: t.col + indent + 1 });
      }
    } else if (r.tag === "buttons" || r.tag === "inlineButtons") {
      for (const b of r.items) if (b.target) add(b.target, b.text ?? "button", "button", b.pos);
    } else if (r.tag === "action" && BUILT_IN_TARGETS[r.name]) {
      // The built-in action tags that go on to a state (docs/engine.md, "Action tags").
      for (const key of BUILT_IN_TARGETS[r.name]!) {
        const v = r.params[key];
        if (typeof v === "string" && v.trim() !== "") add(v.trim(), `${r.name} ${key}`, "reaction", r.paramPos?.[key] ?? r.pos);
      }
    } else if (r.tag === "if") for (const br of r.branches) collect(state, br.body, out, sourceLine);
    else if (r.tag === "random") collect(state, r.options, out, sourceLine);
  }
}

/** A literal target in a script: 1-based line and 0-based column within the body. */
export interface ScriptTransition {
  target: string;
  line: number;
  col: number;
}

/**
 * `$reactions.transition("/X")`, `$reactions.transition({value: "/X", deferred: true})` and the
 * template-literal forms without placeholders. A body that does not parse yields nothing (the
 * syntax check reports it).
 */
export function scriptTransitions(code: string): ScriptTransition[] {
  if (!code.includes("transition")) return []; // no call to find: skip the parse
  let ast: Node;
  try {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "script", allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true, locations: true });
  } catch {
    return [];
  }
  const found: ScriptTransition[] = [];
  visit(ast, (node) => {
    if (node.type !== "CallExpression") return;
    const call = node as unknown as { callee: Node; arguments: Node[] };
    if (!isReactionsTransition(call.callee)) return;
    const arg = call.arguments[0];
    const lit = arg && (literalString(arg) ?? valueProperty(arg) ?? computedPrefix(arg));
    if (lit) found.push(lit);
  });
  return found;
}

function isReactionsTransition(callee: Node): boolean {
  const m = callee as unknown as { type: string; object?: { type: string; name?: string }; property?: { type: string; name?: string; value?: unknown }; computed?: boolean };
  if (m.type !== "MemberExpression" || m.object?.type !== "Identifier" || m.object.name !== "$reactions") return false;
  const name = m.computed ? m.property?.value : m.property?.name;
  return name === "transition";
}

function literalString(node: Node): ScriptTransition | undefined {
  const at = { line: node.loc!.start.line, col: node.loc!.start.column };
  const n = node as unknown as { type: string; value?: unknown; expressions?: unknown[]; quasis?: { value: { cooked?: string } }[] };
  if (n.type === "Literal" && typeof n.value === "string") return { target: n.value, ...at };
  if (n.type === "TemplateLiteral" && n.expressions!.length === 0 && typeof n.quasis![0]?.value.cooked === "string") return { target: n.quasis![0].value.cooked, ...at };
  return undefined;
}

/** `"/Menu/" + x`, `` `/Menu/${x}` ``, `x`: the literal start, written as a `{{ }}` target so it counts as computed. */
function computedPrefix(node: Node): ScriptTransition | undefined {
  let n = node as unknown as { type: string; operator?: string; left?: Node; quasis?: { value: { cooked?: string } }[] };
  while (n.type === "BinaryExpression" && n.operator === "+") n = n.left as unknown as typeof n;
  const at = { line: node.loc!.start.line, col: node.loc!.start.column };
  const start = n.type === "Literal" ? (n as { value?: unknown }).value : n.type === "TemplateLiteral" ? n.quasis![0]?.value.cooked : "";
  return { target: `${typeof start === "string" ? start : ""}{{…}}`, ...at };
}

function valueProperty(node: Node): ScriptTransition | undefined {
  const o = node as unknown as { type: string; properties: { type: string; key: { type: string; name?: string; value?: unknown }; value: Node; computed: boolean }[] };
  if (o.type !== "ObjectExpression") return undefined;
  for (const p of o.properties) {
    if (p.type !== "Property" || p.computed) continue;
    const key = p.key.type === "Identifier" ? p.key.name : p.key.value;
    if (key === "value") return literalString(p.value) ?? computedPrefix(p.value);
  }
  return undefined;
}

function visit(node: unknown, fn: (n: Node) => void): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const c of node) visit(c, fn);
    return;
  }
  const n = node as Node & Record<string, unknown>;
  if (typeof n.type !== "string") return;
  fn(n);
  for (const key of Object.keys(n)) {
    if (key === "loc" || key === "start" || key === "end") continue;
    visit(n[key], fn);
  }
}

/**
 * Every string literal and every literal part of a template in a script, read with the JavaScript
 * tokenizer (so regular expressions, comments and names are never taken for strings). A body that
 * does not tokenize yields what came before the error.
 */
export function scriptStrings(code: string, how: "script" | "module" | "expression" = "script"): string[] {
  const found: string[] = [];
  try {
    for (const token of tokenizer(code, { ecmaVersion: "latest", sourceType: how === "module" ? "module" : "script", allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true })) {
      const label = token.type.label;
      const value: unknown = (token as { value?: unknown }).value;
      if ((label === "string" || label === "template") && typeof value === "string" && value) found.push(value);
    }
  } catch {
    // a syntax error: the syntax check reports it
  }
  return found;
}
