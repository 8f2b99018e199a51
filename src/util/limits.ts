// One reading of a count limit given through the programmatic API (the CLI's config already takes
// whole numbers only): missing, zero, negative or non-finite means the default; a positive number is
// floored. A fraction below one would floor to a limit of zero, which refuses everything, so it is a
// configuration error instead.

/**
 * A count limit from the programmatic API: the default when unset or not positive, else floored; a fraction
 * below one is a configuration error.
 */
export function countLimit(n: number | undefined, fallback: number, name: string): number {
  if (n === undefined || !Number.isFinite(n) || n <= 0) return fallback;
  if (n < 1) throw new RangeError(`${name} must be at least 1 (got ${n}): a limit below one would refuse everything`);
  return Math.floor(n);
}
