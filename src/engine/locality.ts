// Which triggers are active in a dialog context, and how close each one is (spec dsl.md §4.3).
import type { Project, Trigger } from "../project/model.js";
import type { TriggerKind } from "../dsl/ast.js";
import { depth, isWithin } from "./paths.js";

/** Tier of global triggers: after every contextual tier. */
export const GLOBAL_TIER = 1000;

export interface ActiveSet {
  tiers: Map<number, number>; // trigger id -> tier (0 = children of the context)
  modal?: string; // the modal state that restricts this context, if any
}

/**
 * The anchor of an active trigger: the state whose "inside" the context must be in. Returns the tier
 * (distance from the context up to the anchor) or undefined when the trigger is not active.
 */
export function anchorOf(project: Project, t: Trigger, context: string): { anchor: string | null; tier: number } | undefined {
  if (t.fromState && t.fromState.length > 0) {
    // fromState replaces the locality rule, for global and local triggers alike.
    for (const f of t.fromState) {
      const ok = t.onlyThisState ? context === f : isWithin(context, f);
      if (ok) return { anchor: f, tier: depth(context) - depth(f) };
    }
    return undefined;
  }
  if (t.toState !== undefined) {
    // toState-only triggers live "in the context of" their own state and its descendants.
    return isWithin(context, t.owner) ? { anchor: t.owner, tier: depth(context) - depth(t.owner) } : undefined;
  }
  if (t.global) return { anchor: null, tier: GLOBAL_TIER };
  const parent = project.states.get(t.owner)?.parent ?? null;
  if (parent === null) return undefined; // a trigger on the root itself has no parent context
  return isWithin(context, parent) ? { anchor: parent, tier: depth(context) - depth(parent) } : undefined;
}

/** The modal state M that governs context C: C itself or C's parent [D: "M or one of its direct children"]. */
export function modalFor(project: Project, context: string): string | undefined {
  const here = project.states.get(context);
  if (here?.modal) return here.path;
  const parent = here?.parent ? project.states.get(here.parent) : undefined;
  return parent?.modal ? parent.path : undefined;
}

/**
 * The active set depends only on the (immutable once loaded) project and the context, so it is
 * computed once per (context, kinds) and shared: callers must not modify it.
 */
const activeCache = new WeakMap<Project, { triggers: number; sets: Map<string, ActiveSet> }>();
const kindsKeys = new WeakMap<ReadonlySet<TriggerKind>, string>();

export function activeTriggers(project: Project, context: string, kinds?: ReadonlySet<TriggerKind>): ActiveSet {
  let cache = activeCache.get(project);
  if (!cache || cache.triggers !== project.triggers.length) {
    cache = { triggers: project.triggers.length, sets: new Map() };
    activeCache.set(project, cache);
  }
  let kindsKey = "";
  if (kinds) {
    kindsKey = kindsKeys.get(kinds) ?? [...kinds].sort().join(",");
    kindsKeys.set(kinds, kindsKey);
  }
  const key = `${kindsKey}\n${context}`;
  let set = cache.sets.get(key);
  if (!set) {
    set = computeActive(project, context, kinds);
    cache.sets.set(key, set);
  }
  return set;
}

/** The pattern triggers among the active ones (id → tier), shared like activeTriggers' result. */
const patternTierCache = new WeakMap<ActiveSet, Map<number, number>>();
export function activePatternTiers(project: Project, active: ActiveSet): Map<number, number> {
  let tiers = patternTierCache.get(active);
  if (!tiers) {
    tiers = new Map();
    for (const [id, tier] of active.tiers) if (project.triggers[id]?.kind === "pattern") tiers.set(id, tier);
    patternTierCache.set(active, tiers);
  }
  return tiers;
}

function computeActive(project: Project, context: string, kinds?: ReadonlySet<TriggerKind>): ActiveSet {
  const modal = modalFor(project, context);
  const tiers = new Map<number, number>();
  for (const t of project.triggers) {
    if (kinds && !kinds.has(t.kind)) continue;
    const a = anchorOf(project, t, context);
    if (!a) continue;
    // Inside a modal context only triggers anchored at M or below it count: globals and the rest are ignored.
    if (modal && (a.anchor === null || !isWithin(a.anchor, modal))) continue;
    tiers.set(t.id, a.tier);
  }
  return { tiers, modal };
}

/** Target of a fired trigger: its toState, else the state that declares it. */
export const triggerTarget = (t: Trigger): string => t.toState ?? t.owner;

/** Nearest active event trigger for `name` (lowest tier, then declaration order). */
export function findEventTrigger(project: Project, context: string, name: string): Trigger | undefined {
  const { tiers } = activeTriggers(project, context, EVENT_KIND);
  let best: Trigger | undefined;
  let bestTier = Infinity;
  for (const [id, tier] of tiers) {
    const t = project.triggers[id];
    if (!t || t.value !== name) continue;
    if (tier < bestTier || (tier === bestTier && best && t.id < best.id)) {
      best = t;
      bestTier = tier;
    }
  }
  return best;
}

const EVENT_KIND: ReadonlySet<TriggerKind> = new Set(["event"]);

/** Every active trigger of event `name`, nearest first (the explained turn lists them all). */
export function eventTriggers(project: Project, context: string, name: string): { trigger: Trigger; tier: number }[] {
  const out: { trigger: Trigger; tier: number }[] = [];
  for (const [id, tier] of activeTriggers(project, context, EVENT_KIND).tiers) {
    const t = project.triggers[id];
    if (t && t.value === name) out.push({ trigger: t, tier });
  }
  return out.sort((a, b) => a.tier - b.tier || a.trigger.id - b.trigger.id);
}

/**
 * Triggers of `kinds` that would be active in `context` but for its modal state (with the tier they
 * would have): the explained turn shows which of them matched and were ignored.
 */
export function outsideModal(project: Project, context: string, kinds: ReadonlySet<TriggerKind>): Map<number, number> {
  const out = new Map<number, number>();
  const { modal, tiers } = activeTriggers(project, context);
  if (!modal) return out;
  for (const t of project.triggers) {
    if (!kinds.has(t.kind) || tiers.has(t.id)) continue;
    const a = anchorOf(project, t, context);
    if (a) out.set(t.id, a.tier);
  }
  return out;
}
