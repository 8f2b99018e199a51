// Text → sparse features for the intent classifier: each word as written, its dictionary lemma
// (src/morphology), so a form the training phrases never used still counts, and lemma bigrams for
// word order. docs/nlu.md compares this with other feature sets.
import { lemma } from "../morphology/index.js";

export type Features = Record<string, number>;

/** Bump when featuresOf changes: cached models are keyed by it. */
export const FEATURES_VERSION = 4;

/** Lower-case words, ё as е, punctuation dropped (how CAILA sees a phrase). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

export function featuresOf(text: string): Features {
  const f: Features = {};
  const ws = words(text);
  const ls = ws.map(lemma);
  for (let i = 0; i < ws.length; i++) {
    f["w:" + ws[i]] = 1;
    f["l:" + ls[i]] = 1;
    if (i > 0) f["b:" + ls[i - 1] + " " + ls[i]] = 1;
  }
  return f;
}
