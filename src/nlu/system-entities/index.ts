// System entities emulated offline beyond numbers and dictionary grammemes (those live in
// src/patterns): each finds, from a token position, every way its entity can end and the value.
import type { Token } from "../../patterns/tokenizer.js";
import { dateTimeEnds, type EntityEnd } from "./date-time.js";
import { phoneEnds } from "./phone.js";

export type { EntityEnd, DuckTime } from "./date-time.js";

/** `now` is the turn's clock (Unix ms), frozen by `<dateTime>` in XML tests. */
export type EntityFinder = (tokens: readonly Token[], pos: number, now: number) => EntityEnd[];

const FINDERS: Record<string, EntityFinder> = {
  "duckling.date": dateTimeEnds,
  "duckling.time": dateTimeEnds,
  "duckling.phone-number": (tokens, pos) => phoneEnds(tokens, pos),
};

export function systemEntityFinder(name: string): EntityFinder | undefined {
  return Object.hasOwn(FINDERS, name) ? FINDERS[name] : undefined;
}
