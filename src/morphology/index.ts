// Russian dictionary morphology for patterns and the NLU: pymorphy2's OpenCorpora dictionaries as
// shipped inside the `az` package (nothing is downloaded). Loaded once per process or worker, synchronously, on first use.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One analysis of a word: its normal form (lemma), part of speech and grammemes (OpenCorpora names). */
export interface WordParse {
  word: string;
  lemma: string;
  pos: string | undefined; // NOUN, VERB, ADJF, …
  grammemes: string[]; // e.g. ["NOUN", "inan", "masc", "sing", "gent"]
  score: number;
}

interface AzTag {
  POS?: string;
  toString(): string;
}
interface AzParse {
  word: string; // the dictionary part only: without a prefix a predictor split off, see fullWord
  toString(): string; // the whole word
  tag: AzTag;
  score: number;
  normalize(): AzParse;
  inflect(grammemes: string[]): AzParse | false;
}
interface AzModule {
  load: (url: string, type: string, cb: (err: Error | null, data?: unknown) => void) => void;
  Morph: ((word: string, config?: Record<string, unknown>) => AzParse[]) & { init(path: string, cb: (err?: Error) => void): void };
}

const require = createRequire(import.meta.url);
let az: AzModule | undefined;

/** Az.Morph.init reads its dictionaries through Az.load with callbacks; feed it from disk synchronously. */
function loadAz(): AzModule {
  if (az) return az;
  const mod = require("az") as AzModule;
  const dicts = join(dirname(require.resolve("az/package.json")), "dicts");
  const queue: [string, string, (err: Error | null, data?: unknown) => void][] = [];
  mod.load = (url, type, cb) => void queue.push([url, type, cb]);
  let failure: Error | undefined;
  mod.Morph.init(dicts, (err) => (failure = err ?? undefined));
  // Callbacks run after init has scheduled every file: it counts the pending loads.
  while (queue.length > 0) {
    const [url, type, cb] = queue.shift()!;
    if (type === "json") cb(null, JSON.parse(readFileSync(url, "utf8")));
    else {
      const b = readFileSync(url);
      cb(null, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
  }
  if (failure) throw failure;
  az = mod;
  return mod;
}

const CYRILLIC = /[а-яё]/i;
const parseCache = new Map<string, WordParse[]>();
const MAX_CACHE = 200_000;

function grammemesOf(tag: AzTag): string[] {
  return tag
    .toString()
    .split(/[ ,]/)
    .filter((g) => g !== "");
}

/** The whole word of a parse. For a word the dictionary lacks, az's predictors parse its end and keep
 * the rest apart ("юротдел" = "юр" + "отдел", "кто-то" = "кто" + "-то"): `word` is the dictionary
 * part, the string is the whole word. pymorphy2 keeps the prefix in the normal form too
 * ("юротдела" → "юротдел"), so the lemma of an unknown word never becomes an unrelated dictionary word. */
function fullWord(p: AzParse): string {
  return String(p);
}

/** The dictionary's analyses; one it cannot normalise (a rare gap in its paradigms) is left out. */
function analyse(key: string): WordParse[] {
  let parses: AzParse[];
  try {
    // ignoreCase: user text is lower-case, and proper names (Geox, Name, Surn) are capitalised in the dictionary.
    parses = loadAz().Morph(key, { ignoreCase: true });
  } catch {
    return [];
  }
  const out: WordParse[] = [];
  for (const p of parses) {
    let normal: string | undefined;
    try {
      const n = p.normalize();
      normal = n ? fullWord(n) : undefined;
    } catch {
      normal = undefined;
    }
    if (typeof normal !== "string" || normal === "") continue;
    out.push({ word: key, lemma: normal.replace(/ё/g, "е"), pos: p.tag.POS, grammemes: grammemesOf(p.tag), score: p.score });
  }
  return out;
}

/** Every dictionary analysis of a word, most likely first; a non-Russian word gets itself as lemma. */
export function parseWord(word: string): WordParse[] {
  const key = word.toLowerCase();
  const hit = parseCache.get(key);
  if (hit) return hit;
  let out: WordParse[];
  if (!CYRILLIC.test(key)) out = [{ word: key, lemma: key, pos: undefined, grammemes: [], score: 1 }];
  else {
    out = analyse(key);
    if (out.length === 0) out = [{ word: key, lemma: key.replace(/ё/g, "е"), pos: undefined, grammemes: [], score: 1 }];
  }
  if (parseCache.size >= MAX_CACHE) parseCache.clear();
  parseCache.set(key, out);
  return out;
}

/** The most likely normal form, with ё written as е (as patterns and phrases usually are). */
export function lemma(word: string): string {
  return parseWord(word)[0]!.lemma;
}

/** Every distinct normal form the dictionary allows for the word. */
export function lemmas(word: string): string[] {
  return [...new Set(parseWord(word).map((p) => p.lemma))];
}

/** The word put into the given grammemes ($caila.inflect), or undefined when the dictionary cannot. */
export function inflect(word: string, grammemes: string[]): string | undefined {
  if (!CYRILLIC.test(word)) return undefined;
  try {
    for (const p of loadAz().Morph(word.toLowerCase(), { ignoreCase: true })) {
      const r = p.inflect(grammemes);
      if (r && typeof r.word === "string") return fullWord(r);
    }
  } catch {
    // a gap in the dictionary's paradigms: the word stays as it is
  }
  return undefined;
}

/** Whether some analysis of the word carries the grammeme (e.g. Geox, Name, Surn, Patr, Obsc). */
export function hasGrammeme(word: string, grammeme: string): boolean {
  return parseWord(word).some((p) => p.grammemes.includes(grammeme));
}
