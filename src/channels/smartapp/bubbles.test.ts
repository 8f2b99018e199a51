// Sentence splitting for bubbles: the one-pass splitter gives what the old lookbehind regexp gave, in
// linear work.
import { describe, expect, it } from "vitest";
import { charLength, splitBubbleText, splitSentences } from "./bubbles.js";

// The previous implementation: correct, but quadratic on long whitespace runs. Kept as the reference.
const reference = (text: string): string[] => text.split(/(?<=(?:[.!?…]["»)\]]*\s|\n)\s*)(?=\S)/u);

/** Deterministic texts from an alphabet that exercises every rule. */
function* texts(count: number): Generator<string> {
  const alphabet = ["a", "б", "3", ".", "!", "?", "…", '"', "»", ")", "]", "(", " ", " ", "\n", "\t", "\r", "\u00a0", "\u2028", "\u3000", "😀", "e.g.", "3.14", "Ок. ", "Да!\n"];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let n = 0; n < count; n++) {
    let s = "";
    const len = next() % 60;
    for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

describe("charLength", () => {
  it("counts code points as Array.from does, lone surrogates as one each", () => {
    const samples = ["", "a", "привет", "😀", "a😀b😀", "\ud83d", "\ude00", "x\ud83d", "\ud83d\ud83d\ude00", "\ude00\ud83d", ...texts(2000)];
    for (const s of samples) expect(charLength(s)).toBe(Array.from(s).length);
  });
});

describe("splitSentences", () => {
  it("matches the lookbehind regexp on 20,000 generated texts and on typical answers", () => {
    const typical = [
      "Привет! Я бот. Чем помочь?",
      "Цена 3.14 руб. Сайт example.com работает.\nВторая строка.",
      "«Цитата.» Дальше (скобка.) И [ещё!] конец…  Потом   пробелы.",
      "Line one\n\n  Line two",
      "",
      "   ",
      "no end",
    ];
    for (const t of [...typical, ...texts(20_000)]) expect(splitSentences(t)).toEqual(reference(t));
  });

  it("does linear work on the inputs that made the regexp quadratic, with the same result", () => {
    const inputs = (n: number) => [
      " ".repeat(n) + "x",
      "a." + " ".repeat(n) + "b",
      "a" + "\n".repeat(n) + "b",
      ("." + " ".repeat(64)).repeat(n / 64) + "z",
      ")".repeat(n) + " x",
      ("a" + ")".repeat(100) + " ").repeat(n / 100),
    ];
    for (const text of inputs(2048)) expect(splitSentences(text)).toEqual(reference(text));
    for (const text of inputs(65_536)) {
      const counter = { steps: 0 };
      splitSentences(text, counter);
      expect(counter.steps).toBeLessThanOrEqual(3 * text.length);
    }
  });

  it("splits a 64 KB whitespace run into bubbles like a short one", () => {
    expect(splitBubbleText("a." + " ".repeat(65_536) + "b".repeat(300))).toEqual(["a.", "b".repeat(250), "b".repeat(50)]);
  });
});
