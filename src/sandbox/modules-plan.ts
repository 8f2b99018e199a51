// Which load items the script host evaluates as ES modules (src/sandbox/modules.ts): every
// `type = scriptEs6` item. A project built by hand (tests) without a module graph gets one with each
// item as an ES module of its own, without imports.
import type { Es6Graph } from "../project/es6.js";
import type { ReactionNode } from "../dsl/ast.js";
import type { Project } from "../project/model.js";
import type { ModuleItem } from "./modules.js";

const plans = new WeakMap<Project, { graph: Es6Graph; items: Record<number, ModuleItem> } | null>();

export function es6Items(project: Project): { graph: Es6Graph; items: Record<number, ModuleItem> } | null {
  if (plans.has(project)) return plans.get(project)!;
  const items: Record<number, ModuleItem> = {};
  let graph: Es6Graph | undefined = project.es6;
  project.loadItems.forEach((item, i) => {
    if (item.kind !== "es6module") return;
    let id = item.id;
    if (!id || !graph?.modules[id]) {
      graph ??= { modules: {}, npmDirs: [] };
      id = item.id ?? `${item.pos.file}#${i}`;
      graph.modules[id] ??= { id, kind: "esm", code: item.code, deps: {} };
    }
    items[i] = { id, pos: item.pos, ...(item.name ? { name: item.name } : {}) };
  });
  const plan = graph ? { graph, items } : null;
  plans.set(project, plan);
  return plan;
}

/** The platform module with the ES6 runtime's globals (fetch, XMLHttpRequest, timers, atob…). */
export const ES6_MODULE = "jsapi/es6.js";

/** The project has ES modules or scriptEs6 blocks. */
export function usesEs6(project: Project): boolean {
  if (project.loadItems.some((i) => i.kind === "es6module")) return true;
  const walk = (reactions: readonly ReactionNode[]): boolean =>
    reactions.some((r) => r.tag === "scriptEs6" || (r.tag === "if" && r.branches.some((b) => walk(b.body))) || (r.tag === "random" && walk(r.options)));
  for (const state of project.states.values()) if (walk(state.reactions)) return true;
  return false;
}
