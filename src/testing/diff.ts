// Text diffs for failure reports: which part of an expected value the actual one gets wrong.
// Words, spaces and punctuation are the units (a whole changed word reads better than letters).

/** One run of a word diff: text both sides share, or text only the expected (removed) or actual (added) side has. */
export type DiffPart = { op: "same" | "removed" | "added"; text: string };

const TOKEN = /[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu;
// Longer texts than this get one removed + one added part around the common prefix and suffix:
// the table below is tokens × tokens.
const MAX_TOKENS = 400;

/** The edit from `expected` to `actual`: common parts, parts only `expected` has, parts only `actual` has. */
export function diffText(expected: string, actual: string): DiffPart[] {
  const a = expected.match(TOKEN) ?? [];
  const b = actual.match(TOKEN) ?? [];
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const midA = a.slice(pre, a.length - suf);
  const midB = b.slice(pre, b.length - suf);
  const parts: DiffPart[] = [];
  const push = (op: DiffPart["op"], text: string) => {
    if (!text) return;
    const last = parts.at(-1);
    if (last?.op === op) last.text += text;
    else parts.push({ op, text });
  };
  push("same", a.slice(0, pre).join(""));
  if (midA.length * midB.length > MAX_TOKENS * MAX_TOKENS) {
    push("removed", midA.join(""));
    push("added", midB.join(""));
  } else {
    for (const p of lcsDiff(midA, midB)) push(p.op, p.text);
  }
  push("same", a.slice(a.length - suf).join(""));
  return parts;
}

/** Longest-common-subsequence diff of two token lists; removals come before additions at each change. */
function lcsDiff(a: string[], b: string[]): DiffPart[] {
  const n = a.length;
  const m = b.length;
  // len[i][j] = LCS length of a[i..] and b[j..]
  const len = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) len[i]![j] = a[i] === b[j] ? len[i + 1]![j + 1]! + 1 : Math.max(len[i + 1]![j]!, len[i]![j + 1]!);
  const out: DiffPart[] = [];
  let i = 0;
  let j = 0;
  const removed: string[] = [];
  const added: string[] = [];
  const flush = () => {
    if (removed.length) out.push({ op: "removed", text: removed.splice(0).join("") });
    if (added.length) out.push({ op: "added", text: added.splice(0).join("") });
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      out.push({ op: "same", text: a[i]! });
      i++;
      j++;
    } else if (j >= m || (i < n && len[i + 1]![j]! >= len[i]![j + 1]!)) removed.push(a[i++]!);
    else added.push(b[j++]!);
  }
  flush();
  return out;
}

/** How renderDiff marks removed and added text (plain marks or terminal colours). */
export interface DiffPaint {
  removed(s: string): string;
  added(s: string): string;
}

/** Plain marks, as `git diff --word-diff` writes them: `[-gone-]{+new+}`. */
export const PLAIN_DIFF: DiffPaint = { removed: (s) => `[-${s}-]`, added: (s) => `{+${s}+}` };
/** On a colour terminal: removed text red and struck through, added text green and underlined. */
export const COLOR_DIFF: DiffPaint = { removed: (s) => `\x1b[31;9m${s}\x1b[0m`, added: (s) => `\x1b[32;4m${s}\x1b[0m` };

/** A diff as one string, unchanged text as it is and changes marked by `paint`. */
export function renderDiff(parts: DiffPart[], paint: DiffPaint): string {
  return parts.map((p) => (p.op === "same" ? p.text : p.op === "removed" ? paint.removed(p.text) : paint.added(p.text))).join("");
}
