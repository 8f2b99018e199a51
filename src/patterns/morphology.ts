// Morphology stand-ins. `~lemma` compares Snowball stems (an approximation of pyMorphy lemmas);
// `$morph<…>` understands a few AOT tags by word endings and never matches otherwise.
import { createRequire } from "node:module";

interface Stemmer {
  stem(word: string): string;
}
const require = createRequire(import.meta.url);
const snowball = require("snowball-stemmers") as { newStemmer(lang: string): Stemmer };
const russian = snowball.newStemmer("russian");
const english = snowball.newStemmer("english");

const cache = new Map<string, string>();

/** Stem of a normalised word: Russian Snowball for Cyrillic, English Snowball for Latin. */
export function stem(word: string): string {
  let s = cache.get(word);
  if (s === undefined) {
    s = /[a-z]/.test(word) && !/[а-я]/.test(word) ? english.stem(word) : russian.stem(word);
    if (cache.size > 50_000) cache.clear();
    cache.set(word, s);
  }
  return s;
}

// AOT part-of-speech tags recognised by ending; everything else is unsupported.
const MORPH_ENDINGS: Record<string, RegExp> = {
  П: /[а-я-]{2,}(ый|ий|ой|ая|яя|ое|ее|ые|ие|ого|его|ому|ему|ым|им|ых|их|ую|юю|ей|ыми|ими)$/,
  ИНФИНИТИВ: /[а-я-]{1,}(ть|ться|ти|тись|чь|чься)$/,
};

/** A token test for `$morph<tags>`, or null when the tags are not supported (the element never matches). */
export function morphTest(tags: string): ((word: string) => boolean) | null {
  const parts = tags.split(/[\s,]+/).filter(Boolean);
  if (parts.length !== 1) return null;
  const re = MORPH_ENDINGS[parts[0]!];
  return re ? (w) => re.test(w) : null;
}
