// Load-time detection of trigger regexps that can backtrack exponentially (docs/security.md): an
// unbounded quantifier applied to a group that itself contains one, e.g. `(a+)+b` or `(\w*\s?)*x`.
// JavaScript regexps have no time limit, so such a pattern costs seconds of CPU per message on a
// short text; `smartapp check` warns, and the turn's CPU limit is what stops it at run time.

/**
 * The compiled trigger regexps found catastrophic at load. The replay of a turn killed for CPU
 * matches without them: the first run may have spent its CPU in one, and must not spend it again.
 */
export const riskyRegexps = new WeakSet<RegExp>();

/** Quantifiers this large count as unbounded: `(a+){2,50}` backtracks like `(a+)+`. */
const LARGE_REPEAT = 10;

interface Frame {
  unbounded: boolean; // the group contains an unbounded quantifier (not made safe by possessive/atomic)
  atomic: boolean; // Java `(?>…)`: never backtracks into itself
}

/**
 * Why the Java regexp `src` can take exponential time, or undefined. Finds nested unbounded
 * quantifiers (star height above 1); possessive quantifiers (`a++`) and atomic groups are safe.
 * Other slow shapes (overlapping alternatives under a quantifier) are not detected.
 */
export function catastrophicRegexReason(src: string): string | undefined {
  const stack: Frame[] = [{ unbounded: false, atomic: false }];
  // Whether the atom just before the current position is a group containing an unbounded quantifier;
  // undefined right after "(" or "|", where a quantifier character is not a quantifier.
  let lastGroupUnbounded: boolean | undefined;
  let groupStart = 0;
  const groupStarts: number[] = [];
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === "\\") {
      i += 2;
      lastGroupUnbounded = false;
      continue;
    }
    if (c === "[") {
      i = classEnd(src, i);
      lastGroupUnbounded = false;
      continue;
    }
    if (c === "(") {
      stack.push({ unbounded: false, atomic: src.startsWith("(?>", i) });
      groupStarts.push(i);
      i += src[i + 1] === "?" ? 2 : 1; // the "?" of "(?:", "(?=", "(?<name>" is no quantifier
      lastGroupUnbounded = undefined;
      continue;
    }
    if (c === ")") {
      const frame = stack.length > 1 ? stack.pop()! : stack[0]!;
      groupStart = groupStarts.pop() ?? 0;
      const inner = frame.unbounded && !frame.atomic;
      if (inner) stack[stack.length - 1]!.unbounded = true;
      lastGroupUnbounded = inner;
      i++;
      continue;
    }
    const q = quantifierAt(src, i);
    if (q && lastGroupUnbounded !== undefined) {
      const possessive = src[i + q.length] === "+";
      if (q.unbounded && !possessive) {
        if (lastGroupUnbounded) {
          const group = src.slice(groupStart, i + q.length);
          return `nested unbounded quantifiers in ${group}: backtracking can take exponential time on a short text`;
        }
        stack[stack.length - 1]!.unbounded = true;
      }
      i += q.length + (possessive || src[i + q.length] === "?" ? 1 : 0);
      lastGroupUnbounded = false;
      continue;
    }
    lastGroupUnbounded = c === "|" ? undefined : false;
    i++;
  }
  return undefined;
}

/** The index after the character class starting at `start` ("[" … "]", escapes and a leading "]" included). */
function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === "^") i++;
  if (src[i] === "]") i++;
  for (; i < src.length; i++) {
    if (src[i] === "\\") i++;
    else if (src[i] === "]") return i + 1;
  }
  return src.length;
}

function quantifierAt(src: string, i: number): { length: number; unbounded: boolean } | undefined {
  const c = src[i];
  if (c === "*" || c === "+") return { length: 1, unbounded: true };
  if (c === "?") return { length: 1, unbounded: false };
  if (c !== "{") return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
  if (!m) return undefined;
  const unbounded = m[2] !== undefined && (m[3] === "" || Number(m[3]) >= LARGE_REPEAT);
  return { length: m[0].length, unbounded };
}
