// `smartapp check`: transitions to states that do not exist, and states nothing can lead to.
// Both are warnings: the platform loads such a project and fails (or never goes there) only when a
// turn gets that far. docs/dsl.md ("What `smartapp check` reports") explains how conservative the
// reachability rule is.
import type { ReactionNode } from "../dsl/ast.js";
import type { Diagnostic } from "../util/errors.js";
import type { Project } from "./model.js";
import { ownFiles } from "./graph.js";
import { resolvePath } from "./paths.js";
import { scriptStrings, writtenTransitions, type SourceLine, type WrittenTransition } from "./transitions.js";
import { didYouMean } from "../util/spelling.js";

/** Transitions (reactions, buttons, script literals, trigger toState/fromState) whose target state does not exist. */
export function unknownTargets(project: Project, sourceLine?: SourceLine, written: WrittenTransition[] = writtenTransitions(project, sourceLine)): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of written) {
    if (t.to === undefined || project.states.has(t.to)) continue;
    const what = t.kind === "script" ? `$reactions.transition(${JSON.stringify(t.target)})` : t.kind === "button" ? `button ${JSON.stringify(t.label)} -> ${t.target}` : `${t.label}: ${t.target}`;
    const resolved = t.to === t.target.trim() ? "" : ` (${t.to})`;
    out.push({ level: "warning", message: `${what} in ${t.from}: no state ${t.target.trim()}${resolved}; the turn that gets here fails with "State not found"${didYouMean(t.to, project.states.keys())}`, pos: t.pos });
  }
  for (const t of project.triggers) {
    const named = [...(t.toState ? [["toState", t.toState]] : []), ...(t.fromState ?? []).map((p) => ["fromState", p])];
    for (const [param, p] of named) {
      if (p!.includes("{{") || project.states.has(p!)) continue;
      out.push({ level: "warning", message: `${param} = ${p} of ${t.kind}${t.global ? "!" : ""}: ${t.value} in ${t.owner}: no such state${didYouMean(p!, project.states.keys())}`, pos: t.pos });
    }
  }
  return out;
}

/**
 * States with something to do that nothing leads to: no trigger of their own, no literal transition
 * into them, and no string in any script or tag parameter that could name them. States of system
 * modules are left out (the project does not own them).
 */
export function unreachableStates(project: Project, written: WrittenTransition[] = writtenTransitions(project)): Diagnostic[] {
  const reached = new Set<string>(["/"]);
  const prefixes: string[] = []; // `/Menu/{{…}}`, "/Menu/" + x: everything below /Menu may be reached
  const names = new Set<string>(); // relative strings: any state of that name may be meant
  // `transition` is true for transition targets: a computed `/{{…}}` there may go anywhere, while a
  // lone "/" elsewhere in a script is more often a URL or a date separator than a state.
  const note = (s: string, transition = false) => {
    const v = s.trim();
    if (!v || (v === "/" && !transition)) return;
    const literal = v.includes("{{") ? v.slice(0, v.indexOf("{{")) : v;
    if (literal.startsWith("/")) {
      if (literal !== v || literal.endsWith("/")) prefixes.push(resolvePath("/", literal));
      else reached.add(resolvePath("/", literal));
    }
    for (const seg of literal.split("/")) if (seg && seg !== "." && seg !== "..") names.add(seg);
  };
  for (const t of written) {
    if (t.to !== undefined) reached.add(t.to);
    note(t.target, true);
  }
  for (const t of project.triggers) {
    reached.add(t.owner);
    if (t.toState) note(t.toState);
    // `fromState = ../X`: the author expects the dialog to be in X; it is named, so not reported
    for (const p of t.fromState ?? []) note(p);
  }
  // `require: … injector = {start: "/Welcome"}` and chatbot.yaml injector values reach scripts as $injector
  const strings = (v: unknown): void => {
    if (typeof v === "string") note(v);
    else if (v && typeof v === "object") for (const x of Object.values(v)) strings(x);
  };
  strings(project.injector);
  for (const item of project.loadItems) {
    if (item.kind === "script") scriptStrings(item.code).forEach((x) => note(x));
    else if (item.kind === "es6module") scriptStrings(item.code, "module").forEach((x) => note(x));
  }
  for (const state of project.states.values()) {
    for (const v of Object.values(state.params)) if (typeof v === "string") note(v);
    walkReactions(state.reactions, (r) => {
      if (r.tag === "script" || r.tag === "scriptEs6") scriptStrings(r.code, r.tag === "scriptEs6" ? "module" : "script").forEach((x) => note(x));
      if ("params" in r) for (const v of Object.values(r.params)) if (typeof v === "string") note(v);
      if (r.tag === "action") {
        note(r.value);
        const start = project.customTags?.get(r.name)?.startState; // a use of a custom tag goes there
        if (start) reached.add(resolvePath("/", start));
      }
      if (r.tag === "buttons" || r.tag === "inlineButtons") for (const b of r.items) if (b.json) scriptStrings(b.json, "expression").forEach((x) => note(x));
      if (r.tag === "if") for (const b of r.branches) if (b.cond) scriptStrings(b.cond, "expression").forEach((x) => note(x));
    });
  }
  const inProject = ownFiles(project);
  const out: Diagnostic[] = [];
  for (const state of project.states.values()) {
    if (reached.has(state.path) || state.reactions.length === 0 || state.triggers.length > 0) continue;
    if (names.has(state.name) || prefixes.some((p) => state.path === p || state.path.startsWith(p === "/" ? "/" : p + "/"))) continue;
    if (!inProject(state.pos.file)) continue;
    out.push({ level: "warning", message: `state ${state.path} is never entered: it has no trigger, no transition leads to it and no script names it`, pos: state.pos });
  }
  return out;
}

function walkReactions(reactions: readonly ReactionNode[], fn: (r: ReactionNode) => void): void {
  for (const r of reactions) {
    fn(r);
    if (r.tag === "if") for (const b of r.branches) walkReactions(b.body, fn);
    else if (r.tag === "random") walkReactions(r.options, fn);
  }
}
