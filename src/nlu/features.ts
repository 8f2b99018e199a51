// Text → sparse features for the intent classifier: dictionary lemmas (src/nlu/morphology.ts),
// lemma bigrams and character trigrams (for typos and words the dictionary does not know).
import { lemma } from "../morphology/index.js";

export type Features = Record<string, number>;

/** Bump when featuresOf changes: cached models are keyed by it. */
export const FEATURES_VERSION = 2;

/** Lower-case words, ё as е, punctuation dropped (how CAILA sees a phrase). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

const CHAR_WEIGHT = 0;

export function featuresOf(text: string): Features {
  const f: Features = {};
  const ws = words(text);
  const ls = ws.map(lemma);
  for (let i = 0; i < ls.length; i++) {
    f["l:" + ls[i]] = 1;
    if (i > 0) f["b:" + ls[i - 1] + " " + ls[i]] = 1;
    const w = "<" + ws[i] + ">";
    if (CHAR_WEIGHT > 0 && w.length > 5) for (let j = 0; j + 3 <= w.length; j++) f["c:" + w.slice(j, j + 3)] = CHAR_WEIGHT;
  }
  return f;
}
