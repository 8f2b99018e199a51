// `@mystem.geo`, `@pymorphy.name`, `@mystem.persn`…: a word the dictionary morphology marks with the
// entity's OpenCorpora grammeme (Geox, Name, Surn, Patr, Infr).
// * `@mystem.*`: the value is the word's normal form, capitalised as the user wrote it: "в москве" →
//   "москва", "Ивана" → "Иван" [I].
// * `@pymorphy.*`: the value is the word as the user wrote it ("Ивана"). A real project shows it: its
//   name filter lists the case forms users write ("мазду", "лансера"), and its test expects
//   "Валентино Росси" where the dictionary's only person reading of "Росси" is the name "Росся"
//   (docs/nlu.md, "System entities").
import { parseWord } from "../../morphology/index.js";
import type { Token } from "../../patterns/tokenizer.js";
import type { EntityEnd } from "./date-time.js";

const CYRILLIC = /[а-яё]/i;

/** What a grammeme entity's value is: the word's normal form or the word as the user wrote it. */
export type GrammemeValue = "normalForm" | "asWritten";

/** A finder for a pymorphy/mystem grammeme entity: a Cyrillic word one of whose readings has the grammeme. */
export function grammemeEnds(grammeme: string, valueOf: GrammemeValue): (tokens: readonly Token[], pos: number) => EntityEnd[] {
  return (tokens, pos) => {
    const t = tokens[pos];
    if (!t || t.punct || !CYRILLIC.test(t.norm)) return [];
    // An initial ("а" read as the letter А.) is no name: the conjunction is what the user said.
    const a = parseWord(t.norm).find((p) => p.grammemes.includes(grammeme) && !p.grammemes.includes("Init"));
    if (!a) return [];
    if (valueOf === "asWritten") return [{ end: pos + 1, value: t.raw }];
    const first = t.raw[0]!;
    const value = first !== first.toLowerCase() ? a.lemma.charAt(0).toUpperCase() + a.lemma.slice(1) : a.lemma;
    return [{ end: pos + 1, value }];
  };
}
