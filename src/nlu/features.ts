// Text → sparse features for the intent classifier: each word as written, its dictionary lemma
// (src/morphology), so a form the training phrases never used still counts, and lemma bigrams for
// word order. An entity reference in a training phrase (`@duckling.number`, `для @reason`) is one
// token that a recognised entity of the phrase being classified also becomes (docs/nlu.md).
// docs/nlu.md compares this with other feature sets.
import { lemma } from "../morphology/index.js";

/** A phrase as the network's input: feature name → weight. */
export type Features = Record<string, number>;

/** Bump when featuresOf changes: cached models are keyed by it. */
export const FEATURES_VERSION = 5;

/** Lower-case words, ё as е, punctuation dropped (how CAILA sees a phrase). */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "");
}

/** `@Name` at the start of a word: an entity reference (an e-mail's `@` is inside a word, not one). */
const ENTITY_REF = /(^|[\s(«"'])@([\p{L}_][\p{L}\p{N}_.-]*[\p{L}\p{N}_]|[\p{L}_])/gu;

/** The entities a training phrase refers to, as written (`duckling.number`, `RussianLetter`). */
export function entityRefs(phrase: string): string[] {
  return [...phrase.matchAll(ENTITY_REF)].map((m) => m[2]!);
}

/** A recognised entity of the classified text: its name and the words it covers. */
export interface EntitySpan {
  name: string;
  words: readonly string[];
}

/** A token: a word with its lemma, or an entity (`entity` set, `lemma` = `@name`). */
interface Token {
  word?: string;
  lemma: string;
  entity?: string;
}

const entityToken = (name: string): Token => ({ lemma: "@" + name.toLowerCase(), entity: name.toLowerCase() });

/** Tokens of a training phrase: its words, each `@Name` one entity token. */
function phraseTokens(phrase: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (const m of phrase.matchAll(ENTITY_REF)) {
    const start = m.index + m[1]!.length;
    for (const w of words(phrase.slice(at, start))) out.push({ word: w, lemma: lemma(w) });
    out.push(entityToken(m[2]!));
    at = start + 1 + m[2]!.length;
  }
  for (const w of words(phrase.slice(at))) out.push({ word: w, lemma: lemma(w) });
  return out;
}

/** Tokens of a classified text: its words, the first run of each recognised entity's words one token. */
function textTokens(text: string, spans: readonly EntitySpan[]): Token[] {
  const out: Token[] = words(text).map((w) => ({ word: w, lemma: lemma(w) }));
  for (const span of spans) {
    const n = span.words.length;
    if (n === 0) continue;
    const i = out.findIndex((_, k) => k + n <= out.length && span.words.every((w, j) => out[k + j]!.word === w));
    if (i >= 0) out.splice(i, n, entityToken(span.name));
  }
  return out;
}

function featuresOfTokens(tokens: readonly Token[]): Features {
  const f: Features = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.entity !== undefined) f["e:" + t.entity] = 1;
    else {
      f["w:" + t.word] = 1;
      f["l:" + t.lemma] = 1;
    }
    if (i > 0) f["b:" + tokens[i - 1]!.lemma + " " + t.lemma] = 1;
  }
  return f;
}

/** Features of a training phrase; its `@Name` references are entity tokens. */
export function featuresOf(phrase: string): Features {
  return featuresOfTokens(phraseTokens(phrase));
}

/** Features of a text to classify, with the entities recognised in it standing for their words. */
export function textFeatures(text: string, spans: readonly EntitySpan[] = []): Features {
  return featuresOfTokens(textTokens(text, spans));
}
