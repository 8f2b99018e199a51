// Script-facing morphology ($nlp.inflect, $nlp.conform, $nlp.parseMorph and their $caila twins):
// host operations answered locally from the dictionary, before the host's other operations.
import type { HostServices } from "../engine/types.js";
import { inflect, parseWord } from "./index.js";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function keepCase(original: string, word: string): string {
  return original !== "" && original[0] !== original[0]!.toLowerCase() ? word[0]!.toUpperCase() + word.slice(1) : word;
}

/** Each word put into the grammemes; a word the dictionary cannot inflect stays as it is. */
export function inflectText(text: string, grammemes: string[]): string {
  return text.replace(/[а-яё]+/gi, (w) => keepCase(w, inflect(w, grammemes) ?? w));
}

/** The form of a noun that agrees with a number: 1 рубль, 2 рубля, 5 рублей (pymorphy's make_agree_with_number). */
export function conformToNumber(word: string, n: number): string {
  const k = Math.abs(Math.trunc(n));
  const m10 = k % 10;
  const m100 = k % 100;
  const grammemes = m10 === 1 && m100 !== 11 ? ["sing", "nomn"] : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? ["sing", "gent"] : ["plur", "gent"];
  return inflectText(word, grammemes);
}

/**
 * `$nlp.parseMorph(word)`: the dictionary's most likely reading (normal form, part of speech, grammemes,
 * score), or null.
 */
export function parseMorph(word: string): Record<string, unknown> | null {
  const w = word.trim();
  if (w === "") return null;
  const [best] = parseWord(w);
  if (!best) return null;
  return { word: w, normalForm: best.lemma, pos: best.pos ?? null, tag: best.grammemes.join(","), grammemes: best.grammemes, score: best.score };
}

const grammemesOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : []);

/**
 * HostServices that answer the morph.* operations themselves and pass everything else on to the given
 * services — methods bound to them, so a class instance (the test runner's switching host) keeps its state.
 */
export function withMorphologyOps(services: HostServices): HostServices {
  const call = (op: string, args: unknown): unknown => {
    if (!op.startsWith("morph.") || !isObject(args)) return services.call(op, args);
    const text = String(args.text ?? "");
    switch (op) {
      case "morph.inflect":
        return inflectText(text, grammemesOf(args.grammemes));
      case "morph.conform":
        return conformToNumber(text, Number(args.number));
      case "morph.parse":
        return parseMorph(text);
      default:
        return services.call(op, args);
    }
  };
  return new Proxy(services, {
    get(target, key) {
      if (key === "call") return call;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
