// Intents from the project's own classifier (src/nlu) against patterns and context: thresholds,
// precedence, locality, intentGroup, $context.intent / $parseTree._intent — real loader and engine.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { harness, type Harness } from "../../test/fixtures/engine/harness.js";
import { loadIntentClassifier } from "../nlu/index.js";

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine/nlu");
const cacheDir = mkdtempSync(path.join(tmpdir(), "engine-nlu-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const classifier = loadIntentClassifier(fixture, { cacheDir });
const bot = (): Harness => harness("nlu", { classifier });

describe("intents from the project's classifier", () => {
  it("routes a phrase to its intent! state and fills $context.intent", () => {
    const h = bot();
    const r = h.send("добрый день");
    expect(h.texts(r)).toEqual(["greeting /Greeting"]);
    expect(r.nlu?.intent).toMatchObject({ path: "/Greeting", source: "phrases" });
    expect(r.nlu?.selected).toMatchObject({ ruleType: "intent", clazz: "/Greeting" });
  });

  it("exposes the intent in $parseTree._intent", () => {
    const h = bot();
    expect(h.texts(h.send("какая погода"))).toEqual(["weather /Weather"]);
  });

  it("fills an intent's optional slots from the entities of the phrase ($parseTree.<Slot>, _<Slot>, $context.intent.slots)", () => {
    const h = bot();
    const r = h.send("какая погода в казани");
    expect(h.texts(r)[0]).toBe("weather /Weather");
    // the geo entity's value is the word's normal form
    expect(h.texts(r)[1]).toBe("in казань / казань / казань");
    // @duckling.date is emulated: "завтра" against the turn's clock (2023-11-14T22:13Z).
    expect(h.texts(h.send("какая погода завтра"))).toEqual(["weather /Weather", "on 15.11.2023"]);
  });

  it("resolves dates in the user's time zone when the channel gives its offset", () => {
    // 22:13 UTC is already 01:13 of the 15th in Moscow (+3 h): tomorrow there is the 16th.
    const h = bot();
    expect(h.texts(h.send({ query: "какая погода завтра", timezoneOffsetSec: 3 * 3600 }))).toEqual(["weather /Weather", "on 16.11.2023"]);
    expect(h.texts(h.send({ query: "какая погода завтра", timezoneOffsetSec: -5 * 3600 }))).toEqual(["weather /Weather", "on 15.11.2023"]);
  });

  it("resolves dates in the NLU project's default time zone (settings.timezone) when the channel gives none, $nlp.match and $nlp.matchPatterns too", () => {
    // The harness clock is 2023-11-14T22:13Z, 01:13 of the 15th in Moscow: tomorrow there is the 16th.
    const h = harness("nlu-more", { classifier: null });
    expect(h.texts(h.send("бронь на завтра"))).toEqual(["booked 16.11"]);
    expect(h.texts(h.send("проверь"))).toEqual(["match 16, patterns 16"]);
    // the channel's own offset wins over the project's default, in scripts as in the turn
    expect(h.texts(h.send({ query: "бронь на завтра", timezoneOffsetSec: 0 }))).toEqual(["booked 15.11"]);
    expect(h.texts(h.send({ query: "проверь", timezoneOffsetSec: 0 }))).toEqual(["match 15, patterns 15"]);
  });

  it("fires an intentGroup! for an intent under its path", () => {
    const h = bot();
    expect(h.texts(h.send("верните деньги"))).toEqual(["support /Support/Refund"]);
  });

  it("prefers the local intent of the context over the same global intent", () => {
    const h = bot();
    h.send("прогноз погоды");
    expect(h.texts(h.send("конечно"))).toEqual(["weather confirmed"]);
    expect(h.texts(bot().send("конечно"))).toEqual(["agree globally"]);
  });

  it("goes to noMatch when no intent reaches the phrases threshold", () => {
    const h = bot();
    const r = h.send("абырвалг кукарямба");
    expect(h.texts(r)).toEqual(["nomatch"]);
    expect(r.nlu?.selected).toBeUndefined();
  });

  it("lets a matching pattern win over an intent", () => {
    const h = bot();
    expect(h.texts(h.send("хочу пиццу"))).toEqual(["pizza pattern"]);
  });

  it("lets a pattern win even when it covers little of a long phrase the intent knows well (patterns first)", () => {
    const h = bot();
    const r = h.send("скажите пожалуйста можно ли заказать пиццу");
    expect(r.nlu?.selected?.ruleType).toBe("pattern");
    expect(h.texts(r)).toEqual(["pizza pattern"]);
    expect(r.nlu?.intent?.path).toBe("/Pizza");
  });

  it("takes the channel's intent over the classifier, also as a bare path", () => {
    const h = bot();
    expect(h.texts(h.send({ query: "привет", intent: { path: "/Weather", score: 0.9 } }))).toEqual(["weather /Weather"]);
    expect(h.texts(h.send({ query: "привет", intent: "/Support/Operator" as never }))).toEqual(["support /Support/Operator"]);
  });

  it("a recognised intent that no active trigger takes leaves no $context.intent in noMatch", () => {
    const h = bot();
    const r = h.send({ query: "что-нибудь", intent: { path: "/Nowhere", score: 0.9 } });
    expect(h.texts(r)).toEqual(["nomatch"]);
    expect(r.nlu?.intent?.path).toBe("/Nowhere"); // still reported as recognised (smartapp chat)
  });

  it("a recognised intent that only a match event takes keeps $context.intent (its answer) but no slots, as nothing was selected", () => {
    const h = harness("nlu-more", { classifier: null });
    const r = h.send({ query: "что-нибудь", intent: { path: "/Faq/Hours", score: 0.9, answer: "с 9 до 18" } });
    expect(h.texts(r)).toEqual(["match /Faq/Hours с 9 до 18; slots undefined; selected null"]);
  });

  it("classifies nothing without a classifier", () => {
    const h = harness("nlu", { classifier: null });
    expect(h.texts(h.send("добрый день"))).toEqual(["nomatch"]);
  });
});

describe("entities in patterns", () => {
  it("matches a project entity's synonym in any form and gives its value", () => {
    const h = bot();
    expect(h.texts(h.send("цвет красный"))).toEqual(["color red"]);
    expect(h.texts(h.send("краска голубая"))).toEqual(["color blue"]);
  });

  it("emulates @duckling.number and @mystem.geo locally", () => {
    const h = bot();
    expect(h.texts(h.send("дайте 12 штук"))).toEqual(["count 12"]);
    expect(h.texts(h.send("я живу в москве"))).toEqual(["city москва"]);
    expect(h.texts(h.send("я живу в Москве"))).toEqual(["city Москва"]);
  });

  it("emulates @duckling.time against the turn's clock, @duckling.phone-number and @pymorphy.name", () => {
    const h = bot();
    expect(h.texts(h.send("запишите меня на завтра в 6 вечера"))).toEqual(["booked 2023-11-15 18:0"]);
    expect(h.texts(h.send("запишите через 2 дня"))).toEqual(["booked 2023-11-16 0:0"]);
    expect(h.texts(h.send("мой телефон +7 (911) 344-55-93"))).toEqual(["phone 79113445593"]);
    expect(h.texts(h.send("меня зовут Иван"))).toEqual(["name Иван"]);
    expect(h.texts(h.send("моё имя Ивана"))).toEqual(["name Ивана"]); // @pymorphy.* values are the words as written
  });
});

describe("script morphology", () => {
  it("inflects, agrees with numbers and parses with the dictionary", () => {
    const h = bot();
    h.send("морфология");
    expect(h.state.session.c).toEqual(["рубль", "рубля", "рублей", "минуты", "минут"]);
    expect(h.state.session.i).toEqual(["Москве", "город", "новых домов"]);
    expect(h.state.session.p).toMatchObject({ word: "стали", normalForm: "стать", pos: "VERB" });
  });
});
