// Ranking of pattern hypotheses (spec dsl.md §3.4, §4.3). The formula is documented in docs/patterns.md.
import type { PatternMatch } from "./types.js";

/** Share of a hypothesis' score added for the closest context (tier 0); halves at tier 1, … */
export const CONTEXT_SCORE_BONUS = 0.2;
/** Flat bonus for the closest context: decides between equal scores, including bare `*`. Below 1/1000. */
export const CONTEXT_TIE_BONUS = 0.0005;

/** 1 for tier 0, 1/2 for tier 1, …, ≈0 for globals (a large tier). */
export function closeness(tier: number): number {
  return Number.isFinite(tier) && tier >= 0 ? 1 / (1 + tier) : 0;
}

export function score(matched: number, total: number): number {
  return total > 0 ? matched / total : 0;
}

/** weight = score + Σ$weight + context bonus(score, tier). */
export function rankWeight(s: number, extra: number, tier: number): number {
  const c = closeness(tier);
  return s + extra + CONTEXT_SCORE_BONUS * s * c + CONTEXT_TIE_BONUS * c;
}

/** Best first; ties: the earlier trigger (declaration order) wins. */
export function compareMatches(a: PatternMatch, b: PatternMatch): number {
  return b.weight - a.weight || a.triggerId - b.triggerId;
}
