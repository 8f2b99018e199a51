// The intent classifier and its disk cache on a small fixture CAILA export (test/fixtures/engine/nlu).
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadIntentClassifier, modelFor, readNluData } from "./index.js";
import { checkNlu } from "./check.js";
import { MAX_ARRAY_VALUES } from "./classifier.js";
import { entityRefs } from "./features.js";
import { loadProject } from "../project/loader.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine");
const fixture = path.join(root, "nlu");
const cacheDir = mkdtempSync(path.join(tmpdir(), "nlu-test-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe("NLU data", () => {
  it("reads the CAILA export and leaves disabled intents out", () => {
    const { data } = readNluData(fixture)!;
    expect(data.file).toBe("nlu.json");
    expect(data.intents.map((i) => i.path)).not.toContain("/Disabled");
    expect(data.intents.find((i) => i.path === "/Greeting")!.phrases).toContain("добрый день");
    expect(data.entities[0]!.records[0]).toEqual({ type: "synonyms", rule: ["красный", "алый"], value: "red" });
    expect(data.patternsEnabled).toBe(true);
  });

  it("finds nothing in a project without one", () => {
    expect(readNluData(path.join(root, "flow"))).toBeUndefined();
  });
});

describe("intent classifier", () => {
  const c = loadIntentClassifier(fixture, { cacheDir })!;

  it("recognises a training phrase", () => {
    const [best] = c.classify("здравствуйте");
    expect(best).toMatchObject({ path: "/Greeting", source: "phrases" });
    expect(best!.score).toBeGreaterThan(0.5);
  });

  it("recognises other forms of the trained words through their lemmas", () => {
    expect(c.classify("погоду на завтра покажи")[0]!.path).toBe("/Weather");
    expect(c.classify("соедините с оператором")[0]!.path).toBe("/Support/Operator");
  });

  it("gives an intent's own CAILA pattern score 1", () => {
    expect(c.classify("давай конечно")[0]).toMatchObject({ path: "/Agree", score: 1, source: "pattern" });
  });

  it("is not confident about words it never saw", () => {
    const [best] = c.classify("абырвалг кукарямба");
    expect(best === undefined || best.score < 0.4).toBe(true);
  });
});

describe("model cache", () => {
  it("trains once, then reads the model from disk by content hash", () => {
    const dir = mkdtempSync(path.join(cacheDir, "c-"));
    const { data, text } = readNluData(fixture)!;
    expect(modelFor(data, text, { cacheDir: dir }).cached).toBe(false);
    expect(readdirSync(dir)).toHaveLength(1);
    const second = modelFor(data, text, { cacheDir: dir });
    expect(second.cached).toBe(true);
    expect(second.model).toEqual(JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]!), "utf8")));
    // other data, another key: the stale model is never used
    expect(modelFor(data, text + " ", { cacheDir: dir }).cached).toBe(false);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("trains again over a corrupt cache file", () => {
    const dir = mkdtempSync(path.join(cacheDir, "c-"));
    const { data, text } = readNluData(fixture)!;
    modelFor(data, text, { cacheDir: dir });
    const file = path.join(dir, readdirSync(dir)[0]!);
    rmSync(file);
    writeFileSync(file, "{half");
    expect(modelFor(data, text, { cacheDir: dir }).cached).toBe(false);
  });
});

describe("check", () => {
  it("reports the data's size and intent triggers the data cannot fire", () => {
    const { summary, warnings } = checkNlu(loadProject(fixture));
    expect(summary).toMatchObject({ file: "nlu.json", intents: 7, entities: 1 });
    expect(warnings).toEqual([]);
  });

  it("names an intent of the platform's system set (/sys/…) as such: it needs the cloud's NLU", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "nlu-sys-"));
    try {
      cpSync(fixture, dir, { recursive: true });
      appendFileSync(path.join(dir, "src/main.sc"), "\n    state: SysBye\n        intent!: /sys/aimylogic/ru/parting\n        a: bye\n");
      const { warnings } = checkNlu(loadProject(dir));
      expect(warnings.map((w) => w.message)).toEqual([
        "intent /sys/aimylogic/ru/parting is one of the platform's system intents, not in nlu.json: it needs the cloud's NLU and never fires offline",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("warns that intent triggers cannot fire without NLU data", () => {
    const { warnings } = checkNlu(loadProject(path.join(root, "flow")));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/2 intent trigger\(s\) cannot fire: the project ships no NLU data/);
  });
});

describe("entity references in training phrases", () => {
  // A phrase "@duckling.number" or "хочу @Fruit" stands for any value of the entity there (docs/nlu.md).
  const c = loadIntentClassifier(path.join(root, "nlu-entity-phrases"), { cacheDir })!;

  it("reads @Name at the start of a word as a reference, and not an e-mail's @", () => {
    expect(entityRefs("вылет из @departure в @destination @duckling.time.")).toEqual(["departure", "destination", "duckling.time"]);
    expect(entityRefs("напишите на help@example.com")).toEqual([]);
  });

  it("classifies a text that is only a value of the referenced entity", () => {
    expect(c.classify("50")[0]).toMatchObject({ path: "/Guess", source: "phrases" });
    expect(c.classify("сорок два")[0]!.path).toBe("/Guess");
    expect(c.classify("б")[0]!.path).toBe("/Letter");
  });

  it("classifies the phrase's other words around another value of the entity", () => {
    const [best] = c.classify("дайте грушу пожалуйста");
    expect(best!.path).toBe("/Fruit");
    expect(best!.score).toBeGreaterThan(0.5);
  });

  it("leaves phrases without references as they were", () => {
    expect(c.classify("здравствуйте")[0]!.path).toBe("/Greeting");
    expect(c.classify("адрес почты")[0]!.path).toBe("/Mail");
    const [best] = c.classify("абырвалг кукарямба");
    expect(best === undefined || best.score < 0.4).toBe(true);
  });
});

describe("slots filled from a phrase", () => {
  // /Range of the engine's slots fixture: From and To, both @duckling.number (docs/nlu.md, "Slots").
  const c = loadIntentClassifier(path.join(root, "slots"), { cacheDir })!;
  const values = (nodes: Record<string, { value?: unknown }[]>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(nodes).map(([k, v]) => [k, v.length === 1 ? v[0]!.value : v.map((n) => n.value)]));

  it("gives slots of one entity its occurrences in turn, in the text's order", () => {
    expect(values(c.fillSlots("/Range", "цены от 10 до 25"))).toEqual({ From: 10, To: 25 });
    expect(values(c.fillSlots("/Range", "от 10 до 25 или 30"))).toEqual({ From: 10, To: 25 });
    expect(values(c.fillSlots("/Range", "цена от 10"))).toEqual({ From: 10 });
    expect(c.fillSlots("/Range", "покажи цены")).toEqual({});
  });

  it("gives no occurrence to a slot that is filled already", () => {
    expect(values(c.fillSlots("/Range", "25", Date.now(), new Set(["From"])))).toEqual({ To: 25 });
    expect(c.fillSlots("/Range", "25", Date.now(), new Set(["From", "To"]))).toEqual({});
  });

  it("gives an array slot every occurrence of its entity, and one slot before it of the same entity its own", () => {
    // /Extras: Items is an array slot of @Extra; /Lottery: Ticket, then Numbers, an array slot, both @duckling.number.
    expect(values(c.fillSlots("/Extras", "положи сыр грибы и оливки"))).toEqual({ Items: ["cheese", "mushrooms", "olives"] });
    expect(values(c.fillSlots("/Extras", "положи сыр"))).toEqual({ Items: "cheese" });
    expect(c.fillSlots("/Extras", "положи сыр")["Items"]).toHaveLength(1);
    expect(values(c.fillSlots("/Lottery", "билет 7 числа 3 14 15"))).toEqual({ Ticket: 7, Numbers: [3, 14, 15] });
    expect(values(c.fillSlots("/Lottery", "билет 7"))).toEqual({ Ticket: 7 });
    expect(values(c.fillSlots("/Lottery", "3 14", Date.now(), new Set(["Ticket"])))).toEqual({ Numbers: [3, 14] });
  });

  // The platform fills slots of one entity "последовательно" (in turn, in the declared order). An
  // array slot took every occurrence left, so a slot declared after it got nothing (unless the phrase
  // had more than MAX_ARRAY_VALUES): it leaves one occurrence to each slot after it now.
  it("an array slot leaves one occurrence to each later slot of its entity, in the text's order", () => {
    // /Bet: Picks, an array slot, then Stake, both @duckling.number.
    expect(values(c.fillSlots("/Bet", "ставка на числа 3 14 15 сумма 100"))).toEqual({ Picks: [3, 14, 15], Stake: 100 });
    expect(values(c.fillSlots("/Bet", "числа 3 14"))).toEqual({ Picks: 3, Stake: 14 });
    // Not enough for both: the slot declared first has it.
    expect(values(c.fillSlots("/Bet", "числа 3"))).toEqual({ Picks: 3 });
    // A later slot filled already (an ongoing slot filling) reserves nothing.
    expect(values(c.fillSlots("/Bet", "числа 3 14", Date.now(), new Set(["Stake"])))).toEqual({ Picks: [3, 14] });
    const many = Array.from({ length: MAX_ARRAY_VALUES + 3 }, (_, i) => String(i + 1)).join(" ");
    expect(values(c.fillSlots("/Bet", many))).toMatchObject({ Stake: MAX_ARRAY_VALUES + 1 });
  });

  it("takes at most MAX_ARRAY_VALUES values for an array slot", () => {
    const many = Array.from({ length: MAX_ARRAY_VALUES + 3 }, (_, i) => String(i + 1)).join(" ");
    expect(c.fillSlots("/Lottery", many, Date.now(), new Set(["Ticket"]))["Numbers"]).toHaveLength(MAX_ARRAY_VALUES);
  });

  it("reads the occurrences left to right, each the longest reading where it starts", () => {
    // A number said in words is one occurrence, not one per word; later ones do not outbid earlier ones.
    expect(values(c.fillSlots("/Lottery", "билет двадцать пять числа 3 14"))).toEqual({ Ticket: 25, Numbers: [3, 14] });
    expect(values(c.fillSlots("/Range", "от 5 до 25 или 300"))).toEqual({ From: 5, To: 25 });
    expect(values(c.fillSlots("/Lottery", "три тысячи двести"))).toEqual({ Ticket: 3200 });
  });

  it("gives an array slot the first values of a long numeric text, in order", () => {
    // ~400 characters: the case whose cost bench/slot-fill.mjs measures.
    const text = Array.from({ length: 200 }, (_, i) => String((i % 9) + 1)).join(" ");
    expect(values(c.fillSlots("/Lottery", text))).toEqual({ Ticket: 1, Numbers: [2, 3, 4, 5, 6, 7, 8, 9] });
  });
});
