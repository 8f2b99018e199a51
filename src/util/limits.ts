// One reading of a count limit given through the programmatic API (the CLI's config already takes
// whole numbers only): a positive finite number, floored, or the default.

export function countLimit(n: number | undefined, fallback: number): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}
