// Morphology for patterns: `~word` matches any form of the word's lemma and `$morph<…>` tests AOT
// grammemes, both through the dictionary morphology of src/morphology (pymorphy2's OpenCorpora
// dictionaries). Latin words fall back to the English Snowball stemmer.
import { createRequire } from "node:module";
import { lemma, lemmas, parseWord } from "../morphology/index.js";

interface Stemmer {
  stem(word: string): string;
}
const require = createRequire(import.meta.url);
const snowball = require("snowball-stemmers") as { newStemmer(lang: string): Stemmer };
const english = snowball.newStemmer("english");

const CYRILLIC = /[а-яё]/;

/** The normal form of a normalised word (its most likely lemma); English words get their Snowball stem. */
export function stem(word: string): string {
  return CYRILLIC.test(word) ? lemma(word) : english.stem(word);
}

/** Every normal form the word may have: `~стать` matches "стали" although "сталь" is likelier. */
export function stems(word: string): string[] {
  return CYRILLIC.test(word) ? lemmas(word) : [english.stem(word)];
}

// AOT tags (what JAICP's $morph uses) → OpenCorpora grammemes (what the dictionary reports).
const AOT: Record<string, string> = {
  С: "NOUN", П: "ADJF", КР_ПРИЛ: "ADJS", Г: "VERB", ИНФИНИТИВ: "INFN", Н: "ADVB", ПРИЧАСТИЕ: "PRTF",
  КР_ПРИЧАСТИЕ: "PRTS", ДЕЕПРИЧАСТИЕ: "GRND", ЧИСЛ: "NUMR", МС: "NPRO", ПРЕДЛ: "PREP", СОЮЗ: "CONJ",
  ЧАСТ: "PRCL", МЕЖД: "INTJ", КОМП: "COMP",
  им: "nomn", рд: "gent", дт: "datv", вн: "accs", тв: "ablt", пр: "loct", зв: "voct",
  ед: "sing", мн: "plur", мр: "masc", жр: "femn", ср: "neut",
  нст: "pres", прш: "past", буд: "futr", "1л": "1per", "2л": "2per", "3л": "3per",
  од: "anim", но: "inan", св: "perf", нс: "impf", пвл: "impr", стр: "pssv", дст: "actv",
};

/** A token test for `$morph<tags>` (every tag holds in one analysis), or null when a tag is unknown. */
export function morphTest(tags: string): ((word: string) => boolean) | null {
  const parts = tags.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const wanted: string[] = [];
  for (const p of parts) {
    const g = AOT[p] ?? AOT[p.toUpperCase()] ?? AOT[p.toLowerCase()];
    if (!g) return null;
    wanted.push(g);
  }
  return (w) => CYRILLIC.test(w) && parseWord(w).some((a) => wanted.every((g) => a.grammemes.includes(g)));
}
