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

const FINDERS: Record<string, EntityFinder> = {
  "duckling.date": dateTimeEnds,
  "duckling.time": dateTimeEnds,
  "duckling.phone-number": (tokens, pos) => phoneEnds(tokens, pos),
  ...Object.fromEntries(Object.entries(GRAMMEMES).map(([name, g]) => [name, grammemeEnds(g, name.startsWith("pymorphy.") ? "asWritten" : "normalForm")])),
};

export function systemEntityFinder(name: string): EntityFinder | undefined {
  return Object.hasOwn(FINDERS, name) ? FINDERS[name] : undefined;
}
