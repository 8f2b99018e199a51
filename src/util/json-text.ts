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
