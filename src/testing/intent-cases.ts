// Which XML cases need intent classification (docs/nlu.md, "Measuring intent cases"): a case whose
// dialog goes through an intent trigger. Seen in the run (a turn decided by an `intent` /
// `intentGroup` trigger), or read from what the case expects, so that a case that fails before
// getting there (on a live back-end, say) still counts: an `<a>` whose state (`state=…`, or the
// state whose `a:` says the expected text) only intent triggers lead to.
import type { ReactionNode } from "../dsl/ast.js";
import type { Project } from "../project/model.js";
import { normaliseText } from "./match.js";
import type { CaseItem } from "./model.js";

/** What tells a case that needs intent classification apart, computed once per project. */
export interface IntentIndex {
  /** States an `intent` / `intentGroup` trigger enters and no pattern does. */
  intentStates: ReadonlySet<string>;
  /** Normalised `a:` text → the states that say it. */
  statesByText: ReadonlyMap<string, string[]>;
  /** `a:` texts with `{{…}}` templates, as patterns where each template stands for any text. */
  templated: readonly { re: RegExp; state: string }[];
}

const cache = new WeakMap<Project, IntentIndex>();

/** The project's IntentIndex, built on first use and cached per Project. */
export function intentIndex(project: Project): IntentIndex {
  let index = cache.get(project);
  if (index) return index;
  // A state a pattern also enters may be reached without any intent: only intent-only states count.
  const intentStates = new Set<string>();
  const patternStates = new Set<string>();
  for (const t of project.triggers) {
    if (t.kind === "intent" || t.kind === "intentGroup") intentStates.add(t.toState ?? t.owner);
    if (t.kind === "pattern" || t.kind === "example" || t.kind === "exampleGroup") patternStates.add(t.toState ?? t.owner);
  }
  for (const s of patternStates) intentStates.delete(s);
  const statesByText = new Map<string, string[]>();
  const templated: { re: RegExp; state: string }[] = [];
  const visit = (path: string, nodes: readonly ReactionNode[]): void => {
    for (const n of nodes) {
      if (n.tag === "a" && n.text.includes("{{")) {
        const parts = normaliseText(n.text).split(/\{\{[\s\S]*?\}\}/);
        templated.push({ re: new RegExp("^" + parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*") + "$"), state: path });
      } else if (n.tag === "a") {
        const key = normaliseText(n.text);
        const list = statesByText.get(key) ?? [];
        if (!list.includes(path)) list.push(path);
        statesByText.set(key, list);
      } else if (n.tag === "if") for (const b of n.branches) visit(path, b.body);
      else if (n.tag === "random") visit(path, n.options);
    }
  };
  for (const s of project.states.values()) visit(s.path, s.reactions);
  index = { intentStates, statesByText, templated };
  cache.set(project, index);
  return index;
}

/** The first intent-only state an `<a>` of the case expects, if any. */
export function expectedIntentOf(index: IntentIndex, steps: readonly CaseItem[]): string | undefined {
  for (const item of steps) {
    if (item.kind !== "a") continue;
    const s = expectedIntentState(index, item);
    if (s) return s;
  }
  return undefined;
}

/** The intent state an `<a>` expects, if it expects one. */
export function expectedIntentState(index: IntentIndex, expected: { state?: string; text?: string }): string | undefined {
  if (expected.state !== undefined && index.intentStates.has(expected.state)) return expected.state;
  if (expected.text === undefined) return undefined;
  const text = normaliseText(expected.text);
  const exact = index.statesByText.get(text)?.find((s) => index.intentStates.has(s));
  return exact ?? index.templated.find((t) => index.intentStates.has(t.state) && t.re.test(text))?.state;
}
