// "Did you mean …?" for names a project misspells (`enteryPoint:`, `intetnt!:`): the error or warning
// that names the unknown word also names the known one it most likely stands for.

/** Edits between a and b: insertions, deletions, substitutions and swaps of two neighbours. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** Words (lower-cased) longer than this get no suggestion. */
const MAX_SPELLED_LENGTH = 64;

/**
 * The candidate `word` most likely misspells: case aside, one edit away for words of up to four
 * letters, two for longer ones. Undefined when no candidate is that close, when two are equally
 * close (a guess between them would mislead), when the word is a candidate, or when it is longer
 * than MAX_SPELLED_LENGTH.
 */
export function likelySpelling(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  // The table of edits costs the product of the lengths: two long names of about the same length
  // (a pasted blob on a line of a project file) would make it gigabytes. No name worth a guess is that long.
  if (w.length > MAX_SPELLED_LENGTH) return undefined;
  const limit = w.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tied = false;
  for (const candidate of candidates) {
    if (candidate === word) return undefined;
    // Each edit changes the length by one at most: a candidate that much shorter or longer is out of
    // reach. Compared lower-cased, as the distance is (lower-casing may change the length: "İ" → "i̇").
    const c = candidate.toLowerCase();
    if (Math.abs(c.length - w.length) > limit) continue;
    const d = editDistance(w, c);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      tied = false;
    } else if (d === bestDistance && candidate !== best) {
      tied = true;
    }
  }
  return best !== undefined && !tied ? best : undefined;
}

/** ` (did you mean "intent!:"?)`, the suffix of a message naming an unknown word, or "" when no candidate is close (likelySpelling). */
export function didYouMean(word: string, candidates: Iterable<string>, shown: (near: string) => string = (near) => near): string {
  const near = likelySpelling(word, candidates);
  return near === undefined ? "" : ` (did you mean "${shown(near)}"?)`;
}
