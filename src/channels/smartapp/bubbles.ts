// Bubble text is limited to 250 characters (spec §3.2). Longer text is split into several bubbles,
// preferring paragraph, then sentence, then word boundaries; only a single over-long word is cut.
export const MAX_BUBBLE_CHARS = 250;

/**
 * Length in characters as a person counts them (code points, so emoji are not cut in half), as
 * Array.from(s).length counts them, without the array: every answer's text is measured.
 */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--; // a surrogate pair is one code point
        i++;
      }
    }
  }
  return n;
}

export function splitBubbleText(text: string, max = MAX_BUBBLE_CHARS): string[] {
  const trimmed = text.trim();
  if (charLength(trimmed) <= max) return trimmed === "" ? [] : [trimmed];
  const chunks: string[] = [];
  let current = "";
  const flush = (): void => {
    if (current.trim() !== "") chunks.push(current.trim());
    current = "";
  };
  for (const { piece, startsLongSentence } of pieces(trimmed, max)) {
    // A sentence too long for one bubble starts a fresh one rather than filling up the last.
    if (startsLongSentence) flush();
    const candidate = current === "" ? piece : current + piece;
    if (charLength(candidate.trim()) <= max) current = candidate;
    else {
      flush();
      current = piece.trimStart();
    }
  }
  flush();
  return chunks;
}

/** Units that fit in a bubble, each keeping its trailing whitespace so joins restore the text. */
function pieces(text: string, max: number): { piece: string; startsLongSentence: boolean }[] {
  const out: { piece: string; startsLongSentence: boolean }[] = [];
  for (const sentence of splitSentences(text)) {
    if (charLength(sentence.trim()) <= max) {
      out.push({ piece: sentence, startsLongSentence: false });
      continue;
    }
    const words = (sentence.match(/\S+\s*/gu) ?? []).flatMap((w) => cutWord(w, max));
    words.forEach((piece, i) => out.push({ piece, startsLongSentence: i === 0 }));
  }
  return out;
}

function cutWord(word: string, max: number): string[] {
  const chars = Array.from(word);
  if (charLength(word.trim()) <= max) return [word];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(""));
  return out;
}

const SENTENCE_ENDS = new Set([".", "!", "?", "…"]);
const CLOSERS = new Set(['"', "»", ")", "]"]);

/** JavaScript's `\s` (WhiteSpace and LineTerminator), one UTF-16 unit at a time. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * Sentences, each with its trailing whitespace. A sentence ends at . ! ? … (maybe with closing
 * quotes/brackets) followed by whitespace, or at a line break; "3.14" or "example.com" do not end
 * one. One pass: every character is looked at a bounded number of times, so a long whitespace run
 * costs its length (a lookbehind regexp costs its square; answer text runs on the main thread).
 * `counter.steps` counts character visits, for the test that proves it.
 */
export function splitSentences(text: string, counter?: { steps: number }): string[] {
  const out: string[] = [];
  let start = 0;
  let steps = 0;
  for (let i = 0; i < text.length; ) {
    steps++;
    if (!isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const runStart = i;
    let lineBreak = false;
    for (; i < text.length && isSpace(text.charCodeAt(i)); i++) {
      steps++;
      if (text.charCodeAt(i) === 0x0a) lineBreak = true;
    }
    if (i === text.length) break; // trailing whitespace stays with the last sentence
    let ends = lineBreak;
    if (!ends) {
      let k = runStart - 1;
      for (; k >= 0 && CLOSERS.has(text[k]!); k--) steps++;
      ends = k >= 0 && SENTENCE_ENDS.has(text[k]!);
    }
    if (ends) {
      out.push(text.slice(start, i));
      start = i;
    }
  }
  out.push(text.slice(start));
  if (counter) counter.steps += steps;
  return out;
}
