// `@mystem.geo`, `@pymorphy.name`, `@mystem.persn`…: a word the dictionary morphology marks with the
// entity's OpenCorpora grammeme (Geox, Name, Surn, Patr, Infr). The value is the word's normal form,
// capitalised as the user wrote it: "в москве" → "москва", "Иван" → "Иван" (a real project compares
// the geo value with a city dictionary, another prints the name it got) [I].
import { parseWord } from "../../morphology/index.js";
import type { Token } from "../../patterns/tokenizer.js";
import type { EntityEnd } from "./date-time.js";

const CYRILLIC = /[а-яё]/i;

export function grammemeEnds(grammeme: string): (tokens: readonly Token[], pos: number) => EntityEnd[] {
  return (tokens, pos) => {
    const t = tokens[pos];
    if (!t || t.punct || !CYRILLIC.test(t.norm)) return [];
    // An initial ("а" read as the letter А.) is no name: the conjunction is what the user said.
    const a = parseWord(t.norm).find((p) => p.grammemes.includes(grammeme) && !p.grammemes.includes("Init"));
    if (!a) return [];
    const first = t.raw[0]!;
    const value = first !== first.toLowerCase() ? a.lemma.charAt(0).toUpperCase() + a.lemma.slice(1) : a.lemma;
    return [{ end: pos + 1, value }];
  };
}
