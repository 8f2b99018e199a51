// System entities emulated offline (numbers are the pattern language's own `$Number`, src/patterns):
// each finds, from a token position, every way its entity can end and the value.
import type { Token } from "../../patterns/tokenizer.js";
import { dateTimeEnds, type EntityEnd } from "./date-time.js";
import { grammemeEnds } from "./grammeme.js";
import { phoneEnds } from "./phone.js";

export type { EntityEnd, DuckTime } from "./date-time.js";

/** `now` is the turn's clock (Unix ms), frozen by `<dateTime>` in XML tests. */
export type EntityFinder = (tokens: readonly Token[], pos: number, now: number) => EntityEnd[];

// Entities the dictionary morphology answers: a word with this OpenCorpora grammeme.
const GRAMMEMES: Record<string, string> = {
  "mystem.geo": "Geox",
  "pymorphy.geox": "Geox",
  "mystem.persn": "Name",
  "pymorphy.name": "Name",
  "mystem.famn": "Surn",
  "pymorphy.surn": "Surn",
  "mystem.patrn": "Patr",
  "pymorphy.patr": "Patr",
  "mystem.obsc": "Infr",
  "pymorphy.infr": "Infr",
};

// `@pymorphy.numb`: a token of digits, pymorphy2's NUMB (its normal form is the token itself), so the
// value is the digits as written: "0000" stays "0000", which `$Number` would make 0. A real project's
// test shows it (a four-digit guessing game whose "0000" is refused for repeated digits, not length).
const digitsEnds: EntityFinder = (tokens, pos) => {
  const t = tokens[pos];
  return t && /^\d+$/.test(t.norm) ? [{ end: pos + 1, value: t.raw }] : [];
};

const FINDERS: Record<string, EntityFinder> = {
  "pymorphy.numb": digitsEnds,
  "duckling.date": dateTimeEnds,
  "duckling.time": dateTimeEnds,
  "duckling.phone-number": (tokens, pos) => phoneEnds(tokens, pos),
  ...Object.fromEntries(Object.entries(GRAMMEMES).map(([name, g]) => [name, grammemeEnds(g, name.startsWith("pymorphy.") ? "asWritten" : "normalForm")])),
};

/**
 * The finder of a system entity by its CAILA name (`duckling.date`, `pymorphy.name`…), or undefined when it
 * is not supported.
 */
export function systemEntityFinder(name: string): EntityFinder | undefined {
  return Object.hasOwn(FINDERS, name) ? FINDERS[name] : undefined;
}
