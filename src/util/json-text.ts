// A linear pass over JSON text that allocates nothing: how deep it nests and how many members it has,
// read before (the webhook's body) or instead of (a state's serialised form) a walk of the value.

/**
 * Colons outside strings (one per object member in valid JSON, duplicates included) and the deepest
 * bracket nesting; stops as soon as the nesting passes `stopAt`.
 */
export function scanJsonText(text: string, stopAt: number): { colons: number; depth: number } {
  let colons = 0;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x3a) colons++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stopAt) break;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { colons, depth: deepest };
}

/**
 * The text of the number that is the value of top-level member `key` in `text`, or undefined when
 * that member is missing or not a number. `text` must be valid JSON whose top level is an object that
 * names `key` at most once (the webhook checks both first); a key spelled with escapes counts. One
 * pass that allocates only for top-level keys written with a backslash.
 */
export function topLevelNumberToken(text: string, key: string): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) {
          escaped = true;
          i++;
        } else if (s === 0x22) break;
      }
      if (depth !== 1) continue;
      let j = i + 1;
      while (isJsonSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 0x3a) continue; // a string value, not a key
      const name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      if (name !== key) continue;
      for (j++; isJsonSpace(text.charCodeAt(j)); j++);
      let end = j;
      while (end < text.length && /[-+.\deE]/.test(text[end]!)) end++;
      return end > j ? text.slice(j, end) : undefined;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
