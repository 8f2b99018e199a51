// Bubble text is limited to 250 characters (spec §3.2). Longer text is split into several bubbles,
// preferring paragraph, then sentence, then word boundaries; only a single over-long word is cut.
export const MAX_BUBBLE_CHARS = 250;

/** Length in characters as a person counts them (code points, so emoji are not cut in half). */
const len = (s: string): number => Array.from(s).length;

export function splitBubbleText(text: string, max = MAX_BUBBLE_CHARS): string[] {
  const trimmed = text.trim();
  if (len(trimmed) <= max) return trimmed === "" ? [] : [trimmed];
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
    if (len(candidate.trim()) <= max) current = candidate;
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
  // A sentence ends at . ! ? … (maybe with closing quotes/brackets) followed by whitespace, or at a
  // line break; "3.14" or "example.com" do not end one.
  for (const sentence of text.split(/(?<=(?:[.!?…]["»)\]]*\s|\n)\s*)(?=\S)/u)) {
    if (len(sentence.trim()) <= max) {
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
  if (len(word.trim()) <= max) return [word];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += max) out.push(chars.slice(i, i + max).join(""));
  return out;
}
