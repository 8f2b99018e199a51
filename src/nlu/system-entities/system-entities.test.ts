// Dates, times and phone numbers emulated offline (docs/nlu.md, "Entities"): the longest reading from
// each position, against a fixed clock, and how a pattern sees them.
import { describe, expect, it } from "vitest";
import { createPatternSet } from "../../patterns/index.js";
import { tokenizeDetailed } from "../../patterns/tokenizer.js";
import { dateTimeEnds, type DuckTime } from "./date-time.js";
import { phoneEnds } from "./phone.js";

// Tuesday 2022-11-22 12:00 UTC
const NOW = Date.UTC(2022, 10, 22, 12, 0, 0);

/** The longest date/time found anywhere in the text, as "YYYY-MM-DD HH:MM", with the words it took. */
function when(text: string, now = NOW): { at: string; words: string } | null {
  const tokens = tokenizeDetailed(text);
  let best: { start: number; end: number; v: DuckTime } | null = null;
  for (let i = 0; i < tokens.length; i++) {
    for (const e of dateTimeEnds(tokens, i, now)) {
      if (!best || e.end - i > best.end - best.start) best = { start: i, end: e.end, v: e.value as DuckTime };
    }
  }
  if (!best) return null;
  const p = (n: number): string => String(n).padStart(2, "0");
  const v = best.v;
  expect(v.timestamp).toBe(Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute, v.second));
  return {
    at: `${v.year}-${p(v.month)}-${p(v.day)} ${p(v.hour)}:${p(v.minute)}`,
    words: tokens.slice(best.start, best.end).map((t) => t.raw).join(" "),
  };
}

describe("@duckling.date / @duckling.time", () => {
  it("reads a day and a month name, and takes the nearest such day not in the past", () => {
    expect(when("9 мая")).toEqual({ at: "2023-05-09 00:00", words: "9 мая" });
    expect(when("на 1 января")).toEqual({ at: "2023-01-01 00:00", words: "1 января" });
    expect(when("22 ноября")?.at).toBe("2022-11-22 00:00"); // today is not past
    expect(when("25 декабря")?.at).toBe("2022-12-25 00:00");
    expect(when("девятого мая")?.at).toBe("2023-05-09 00:00");
    expect(when("двадцать пятого декабря")?.at).toBe("2022-12-25 00:00");
  });

  it("reads an explicit year and numeric dates", () => {
    expect(when("9 мая 2021 года")).toEqual({ at: "2021-05-09 00:00", words: "9 мая 2021 года" });
    expect(when("31.12.2025")?.at).toBe("2025-12-31 00:00");
    expect(when("01.05")?.at).toBe("2023-05-01 00:00");
    expect(when("2024-02-29")?.at).toBe("2024-02-29 00:00");
    expect(when("30.02.2024")).toBeNull();
    expect(when("29 февраля")?.at).toBe("2024-02-29 00:00");
  });

  it("reads days relative to today and weekdays", () => {
    expect(when("завтра")?.at).toBe("2022-11-23 00:00");
    expect(when("послезавтра")?.at).toBe("2022-11-24 00:00");
    expect(when("вчера")?.at).toBe("2022-11-21 00:00");
    expect(when("в пятницу")?.at).toBe("2022-11-25 00:00");
    expect(when("во вторник")?.at).toBe("2022-11-22 00:00");
    expect(when("через 2 дня")).toEqual({ at: "2022-11-24 00:00", words: "через 2 дня" });
    expect(when("через неделю")?.at).toBe("2022-11-29 00:00");
    expect(when("через месяц")?.at).toBe("2022-12-22 00:00");
    expect(when("3 дня назад")?.at).toBe("2022-11-19 00:00");
  });

  it("reads times, alone (today, or tomorrow once past) or with a date in either order", () => {
    expect(when("завтра в 6 утра")).toEqual({ at: "2022-11-23 06:00", words: "завтра в 6 утра" });
    expect(when("в 18:30")?.at).toBe("2022-11-22 18:30");
    expect(when("в 9:15")?.at).toBe("2022-11-23 09:15");
    expect(when("в 2 часа дня")?.at).toBe("2022-11-22 14:00");
    expect(when("в 7 часов 30 минут вечера")?.at).toBe("2022-11-22 19:30");
    expect(when("в 10 вечера завтра")?.at).toBe("2022-11-23 22:00");
    expect(when("9 мая в 12 ночи")?.at).toBe("2023-05-09 00:00");
    expect(when("в полдень")?.at).toBe("2022-11-22 12:00"); // now is not past
    expect(when("в полночь")?.at).toBe("2022-11-23 00:00");
    expect(when("через полчаса")?.at).toBe("2022-11-22 12:30");
    expect(when("через 3 часа")?.at).toBe("2022-11-22 15:00");
  });

  it("finds nothing in a text without a date", () => {
    expect(when("привет как дела")).toBeNull();
    expect(when("купил 5 яблок")).toBeNull();
    expect(when("мне 30 лет")).toBeNull();
  });
});

describe("@duckling.phone-number", () => {
  const phone = (text: string): string | undefined => {
    const tokens = tokenizeDetailed(text);
    for (let i = 0; i < tokens.length; i++) {
      const e = phoneEnds(tokens, i)[0];
      if (e) return e.value as string;
    }
    return undefined;
  };

  it("keeps the digits of a number written the usual ways", () => {
    expect(phone("Телефон +7 911 344 55 93")).toBe("79113445593");
    expect(phone("8 (911) 344-55-93")).toBe("89113445593");
    expect(phone("звоните 89113445593")).toBe("89113445593");
    expect(phone("344-55-93")).toBe("3445593");
  });

  it("is not a short number, nor numbers apart", () => {
    expect(phone("заказ 12345")).toBeUndefined();
    expect(phone("в 2024 году 15 раз")).toBeUndefined();
    expect(phone("1234567890123456789")).toBeUndefined();
  });
});

describe("@mystem.geo / @pymorphy.name", () => {
  it("@mystem.* gives the normal form, capitalised as written; @pymorphy.* the word as written", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "* @mystem.geo *", { file: "main.sc", line: 1, col: 1 });
    set.add(2, "* @pymorphy.name * @pymorphy.surn *", { file: "main.sc", line: 2, col: 1 });
    expect(set.match("живу в москве", new Map([[1, 0]]))[0]?.parseTree["_mystem.geo"]).toBe("москва");
    expect(set.match("еду в Казань", new Map([[1, 0]]))[0]?.parseTree["_mystem.geo"]).toBe("Казань");
    const name = set.match("позовите Ивана Петрова", new Map([[2, 0]]))[0]?.parseTree;
    expect([name?.["_pymorphy.name"], name?.["_pymorphy.surn"]]).toEqual(["Ивана", "Петрова"]);
    const persn = createPatternSet(new Map(), new Map());
    persn.add(1, "* @mystem.persn *", { file: "main.sc", line: 1, col: 1 });
    expect(persn.match("позовите Ивана", new Map([[1, 0]]))[0]?.parseTree["_mystem.persn"]).toBe("Иван");
    // The dictionary's only person reading of "Росси" is the name "Росся": the value stays as written.
    const foreign = createPatternSet(new Map(), new Map());
    foreign.add(1, "* @pymorphy.name *", { file: "main.sc", line: 1, col: 1 });
    expect(foreign.match("зови меня Росси", new Map([[1, 0]]))[0]?.parseTree["_pymorphy.name"]).toBe("Росси");
    expect(name?.value).toBeUndefined(); // two entities: the root has no value of its own
    expect(set.match("из дома", new Map([[1, 0]]))).toEqual([]);
    const one = createPatternSet(new Map(), new Map());
    one.add(1, "* @pymorphy.name *", { file: "main.sc", line: 1, col: 1 });
    expect(one.match("а вот всё тебе скажи", new Map([[1, 0]]))).toEqual([]); // "а" is no initial here
  });
});

describe("in patterns", () => {
  it("gives the value as the entity's parse-tree value, resolved against the match's clock", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "* на @duckling.date::Date *", { file: "main.sc", line: 1, col: 1 });
    set.add(2, "* @duckling.phone-number *", { file: "main.sc", line: 2, col: 1 });
    const [m] = set.match("запиши на завтра", new Map([[1, 0]]), { now: NOW });
    expect(m?.parseTree._Date).toMatchObject({ year: 2022, month: 11, day: 23, hour: 0, iso: "2022-11-23T00:00:00", dayOfWeek: 4 });
    expect(m?.parseTree.value).toEqual(m?.parseTree._Date);
    const [p] = set.match("мой номер 8 911 344 55 93", new Map([[2, 0]]));
    expect(p?.parseTree["_duckling.phone-number"]).toBe("89113445593");
    expect(p?.parseTree.value).toBe("89113445593"); // the root carries its one entity's value
    // the score is the share of letters matched (docs/patterns.md): the number's 11 digits count,
    // the 8 letters of the two words under `*` do not
    expect(p?.score).toBeCloseTo(11 / 19);
  });
});

describe("@pymorphy.numb", () => {
  it("is a token of digits, its value the digits as written (leading zeros kept); number words are not", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "* @pymorphy.numb *", { file: "main.sc", line: 1, col: 1 });
    const at = new Map([[1, 0]]);
    expect(set.match("мой вариант 0000", at)[0]?.parseTree["_pymorphy.numb"]).toBe("0000");
    expect(set.match("0123", at)[0]?.parseTree["_pymorphy.numb"]).toBe("0123");
    expect(set.match("пять", at)).toEqual([]);
    // @duckling.number stays a number
    const num = createPatternSet(new Map(), new Map());
    num.add(1, "* @duckling.number *", { file: "main.sc", line: 1, col: 1 });
    expect(num.match("0042", at)[0]?.parseTree["_duckling.number"]).toBe(42);
  });
});
