// Behaviour of every pattern element (§3.2), through the public PatternSet.
import { describe, expect, it } from "vitest";
import type { Dictionary, NamedPatternDef } from "../project/model.js";
import { createPatternSet } from "./index.js";
import type { ParseNode, PatternSetOptions } from "./types.js";

const POS = { file: "main.sc", line: 3, col: 8 };

function defs(entries: Record<string, string | [string, string]>): Map<string, NamedPatternDef> {
  const m = new Map<string, NamedPatternDef>();
  let line = 1;
  for (const [name, v] of Object.entries(entries)) {
    const [body, converter] = Array.isArray(v) ? v : [v, undefined];
    m.set("$" + name, { name: "$" + name, body, converter, pos: { file: "patterns.sc", line: line++, col: 5 } });
  }
  return m;
}

const CITIES: Dictionary = {
  name: "Cities",
  file: "cities.csv",
  entries: [
    { id: "1", synonyms: ["Москва", "мск"], value: { name: "Москва" } },
    { id: "2", synonyms: ["Нижний Новгород", "нижний"], value: { name: "Нижний Новгород" } },
  ],
};

interface Env {
  named?: Record<string, string | [string, string]>;
  opts?: PatternSetOptions;
}

/** The best match of one pattern against a text, or null. */
function m(pattern: string, text: string, env: Env = {}): { score: number; weight: number; tree: ParseNode } | null {
  const set = createPatternSet(defs(env.named ?? {}), new Map([["Cities", CITIES]]), env.opts);
  set.add(1, pattern, POS);
  const r = set.match(text, new Map([[1, 0]]))[0];
  return r ? { score: r.score, weight: r.weight, tree: r.parseTree } : null;
}
const ok = (pattern: string, text: string, env?: Env): boolean => m(pattern, text, env) !== null;

describe("words and anchoring", () => {
  it("matches exact word forms case-insensitively with ё = е", () => {
    expect(ok("привет", "Привет")).toBe(true);
    expect(ok("еще раз", "ЕЩЁ раз")).toBe(true);
    expect(ok("привет", "приветик")).toBe(false);
  });
  it("is anchored: every word must be consumed", () => {
    expect(ok("привет", "привет бот")).toBe(false);
    expect(ok("бот привет", "привет")).toBe(false);
  });
  it("ignores surrounding and inner punctuation but literals never match it", () => {
    expect(ok("привет мир", "Привет, мир!")).toBe(true);
    expect(ok("привет", "?")).toBe(false);
  });
  it("pattern words are tokenised like input", () => {
    expect(ok("как-то так", "как-то так")).toBe(true);
    expect(ok("/start", "/start")).toBe(true);
    expect(ok("/start", "start")).toBe(false);
  });
});

describe("*", () => {
  it("absorbs any tokens, possibly none", () => {
    expect(ok("* помочь *", "можешь помочь мне?")).toBe(true);
    expect(ok("* помочь *", "помочь")).toBe(true);
    expect(ok("*", "")).toBe(true);
    expect(ok("*", "?!")).toBe(true);
  });
  it("needs backtracking to find the right split", () => {
    expect(ok("* а * б *", "а б а в")).toBe(true);
    expect(ok("* а б", "а б а в")).toBe(false);
  });
});

describe("stems", () => {
  it("prefix, suffix and infix", () => {
    expect(ok("ход*", "ходили")).toBe(true);
    expect(ok("ход*", "ход")).toBe(true);
    expect(ok("ход*", "уход")).toBe(false);
    expect(ok("*ход", "уход")).toBe(true);
    expect(ok("*ход", "ходы")).toBe(false);
    expect(ok("*подроб*", "поподробнее")).toBe(true);
    expect(ok("*подроб*", "подробно")).toBe(true);
    expect(ok("*подроб*", "детально")).toBe(false);
    expect(ok("п*т", "привет")).toBe(true);
    expect(ok("* *start", "/start")).toBe(true);
  });
});

describe("~lemma (Snowball stem approximation)", () => {
  it("matches inflected forms with the same stem", () => {
    expect(ok("~яблоко", "яблоками")).toBe(true);
    expect(ok("~добрый ~день", "добрый день")).toBe(true);
    expect(ok("~красный", "красная")).toBe(true);
    expect(ok("~яблоко", "груша")).toBe(false);
  });
});

describe("alternatives and options", () => {
  it("alternatives may be sequences, with | or /", () => {
    expect(ok("(a|b c|d)", "b c")).toBe(true);
    expect(ok("(a|b c|d)", "b")).toBe(false);
    expect(ok("(пошла/пошел) вон", "пошел вон")).toBe(true);
    expect(ok("(трехста/~три ~сотня)", "три сотни")).toBe(true);
  });
  it("options are optional and raise the score when present", () => {
    expect(ok("[очень] хорошо", "хорошо")).toBe(true);
    expect(ok("[очень|весьма] хорошо", "весьма хорошо")).toBe(true);
    expect(m("* [очень] хорошо", "очень хорошо")!.score).toBe(1);
    expect(ok("[тут/здесь] [] есть", "здесь есть")).toBe(true);
  });
  it("top-level alternatives without brackets", () => {
    expect(ok("да|ага", "ага")).toBe(true);
  });
});

describe("permutations", () => {
  it("accept the elements in any order", () => {
    expect(ok("{a b (c|d)}", "d a b")).toBe(true);
    expect(ok("{a b (c|d)}", "b d a")).toBe(true);
    expect(ok("{a b (c|d)}", "a b")).toBe(false);
    expect(ok("{a b}", "a b b")).toBe(false);
  });
  it("may contain * and options", () => {
    expect(ok("{$x * $y}", "игрек что-то там икс", { named: { x: "икс", y: "игрек" } })).toBe(true);
    expect(ok("{[не] хочу}", "хочу")).toBe(true);
  });
});

describe("named patterns", () => {
  it("resolve project definitions, nested", () => {
    const env = { named: { Yes: "(да|конечно|ага)", Agree: "[ну] $Yes" } };
    expect(ok("$Agree", "ну ага", env)).toBe(true);
    expect(ok("$Agree", "нет", env)).toBe(false);
  });
  it("project definitions override built-ins", () => {
    expect(ok("$Number", "пять", { named: { Number: "(один|два)" } })).toBe(false);
  });
});

describe("$regexp", () => {
  it("matches a single token", () => {
    expect(ok("$regexp<\\d+>", "123")).toBe(true);
    expect(ok("$regex</start>", "/start")).toBe(true);
    expect(ok("$regexp<\\d+>", "12a")).toBe(false);
  });
  it("matches emoji as words", () => {
    expect(ok("(😀|😃)", "😃")).toBe(true);
    expect(ok("(😀|😃)", "😴")).toBe(false);
  });
  it("allows a space before '<', as the platform does", () => {
    expect(ok("$regexp <[сз]да[её]шь?>", "сдаешь")).toBe(true);
    expect(ok("(а / $regexp_i <\\d{4}>)", "1234")).toBe(true);
  });
  it("matches multi-token spans joined by single spaces", () => {
    expect(ok("* $regexp_i<(не\\s+знаю|забыл)> *", "я НЕ   знаю")).toBe(true);
    expect(ok("$regexp<\\d+\\.\\d+>", "3.5")).toBe(true);
    expect(ok("$regexp<[A-z0-9.\\-]+@(\\S+)\\.\\w+>", "mail@example.com")).toBe(true);
  });
  it("is case-sensitive unless _i or regexCaseInsensitive", () => {
    expect(ok("$regexp<да>", "Да")).toBe(false);
    expect(ok("$regexp_i<да>", "Да")).toBe(true);
    expect(ok("$regexp<да>", "Да", { opts: { regexCaseInsensitive: true } })).toBe(true);
  });
  it("counts its tokens as matched (by their letters)", () => {
    expect(m("* $regexp<\\d+> *", "номер 5")!.score).toBeCloseTo(1 / 6);
    expect(m("* $regexp<\\d+> *", "номер 12345")!.score).toBeCloseTo(0.5);
  });
  it("counts letters as code points, so an emoji is one letter and a skin tone another", () => {
    expect(m("* привет *", "привет 😀")!.score).toBeCloseTo(6 / 7);
    expect(m("* привет *", "привет 👍🏻")!.score).toBeCloseTo(6 / 8);
  });
  it("keeps | inside the regexp out of the alternative", () => {
    expect(ok("($regexp<(блин[аy]|оладь)> | торт)", "блина")).toBe(true);
  });
});

describe("choosing between alternatives", () => {
  it("the alternative that matches more letters wins, also inside a named pattern", () => {
    const named = { Year: "$regexp<\\d{4}> (год|году)", Clock: "в $regexp<\\d{4}>" };
    // both take two of the three words; "1905 году" has more letters than "в 1905"
    const tree = m("* ($Year|$Clock) *", "в 1905 году", { named })!.tree;
    expect(tree.Year).toHaveLength(1);
    expect(tree.Clock).toBeUndefined();
    // the same alternatives the other way round: still by letters, not by order
    expect(m("* ($Clock|$Year) *", "в 1905 году", { named })!.tree.Year).toHaveLength(1);
  });
  it("between readings that take the same words, the first one found wins (docs/patterns.md, Ranking)", () => {
    const named = { Hour: "$regexp<\\d+>", Day: "$regexp<\\d+>", Mod: "утра:am", Time: "$Hour [$Mod]" };
    // the earlier alternative, whichever is written first
    expect(Object.keys(m("($Hour|$Day)", "8", { named })!.tree)).toContain("Hour");
    expect(Object.keys(m("($Day|$Hour)", "8", { named })!.tree)).toContain("Day");
    // an optional element inside a named pattern takes the word before an optional element after it
    const tree = m("$Time [$Mod]", "8 утра", { named })!.tree;
    expect(tree.Mod).toBeUndefined();
    expect((tree.Time as ParseNode[])[0]!.Mod).toHaveLength(1);
  });
});

describe("built-ins", () => {
  it("$oneWord takes exactly one token, unmatched", () => {
    expect(ok("купи $oneWord", "купи слона")).toBe(true);
    expect(ok("купи $oneWord", "купи слона сейчас")).toBe(false);
    expect(m("купи $oneWord", "купи слона")!.score).toBeCloseTo(4 / 9);
  });
  it("$nonEmptyGarbage refuses empty and punctuation-only text", () => {
    expect(ok("скажи $nonEmptyGarbage", "скажи что-нибудь умное")).toBe(true);
    expect(ok("скажи $nonEmptyGarbage", "скажи")).toBe(false);
    expect(ok("скажи $nonEmptyGarbage", "скажи ?!")).toBe(false);
  });
  it("$AnyWord, $AnyText and $Text create nodes", () => {
    expect(m("привет $AnyWord", "привет бот")!.tree._AnyWord).toBe("бот");
    expect(m("найди $AnyText", "найди мне кафе")!.tree._AnyText).toBe("мне кафе");
    expect(m("* $Text", "...")).toBeNull();
    expect(m("запомни $Text", "запомни купить хлеб")!.tree._Text).toBe("купить хлеб");
  });
  it("$Number reads digits and Russian number words", () => {
    expect(m("* $Number *", "мне 42 года")!.tree._Number).toBe(42);
    expect(m("$Number слонов", "сто двадцать пять слонов")!.tree._Number).toBe(125);
    expect(m("$Number", "двадцать")!.tree._Number).toBe(20);
  });
});

describe("$entity<Dict>", () => {
  it("matches any synonym, multi-word ones too, value = entry id", () => {
    const r = m("* в $entity<Cities> *", "еду в Нижний Новгород завтра")!;
    expect(r.tree.Cities).toEqual([{ tag: "Cities", pattern: "Cities", text: "Нижний Новгород", words: ["нижний", "новгород"], value: "2" }]);
    expect(r.tree._Cities).toBe("2");
    expect(m("$entity<Cities>", "мск")!.tree._Cities).toBe("1");
    expect(ok("$entity<Cities>", "Казань")).toBe(false);
  });
  it("supports an alias", () => {
    expect(m("$entity<Cities>::From", "москва")!.tree._From).toBe("1");
  });
  it("finds a synonym in another form of its words (through the input word's lemma)", () => {
    const r = m("* из $entity<Cities> *", "привет из Нижнего Новгорода!")!;
    expect(r.tree.Cities).toMatchObject([{ text: "Нижнего Новгорода", value: "2" }]);
    expect(m("* в $entity<Cities>", "погода в Москве")!.tree._Cities).toBe("1");
    expect(ok("* в $entity<Cities>", "погода в Москвичах")).toBe(false);
  });
  it("uses only the likeliest lemma: the preposition «о» is not the abbreviation of «остров»", () => {
    const islands: Dictionary = { name: "Places", file: "places.csv", entries: [{ id: "7", synonyms: ["Остров"], value: "island" }] };
    const set = createPatternSet(new Map(), new Map([["Places", islands]]));
    set.add(1, "* $entity<Places> *", POS);
    expect(set.match("расскажи о погоде", new Map([[1, 0]]))).toEqual([]);
    expect(set.match("мы на острове", new Map([[1, 0]]))[0]!.parseTree._Places).toBe("7");
  });
});

describe("$weight, $repeat, $morph, @entity", () => {
  it("$weight adds to the weight, not the score", () => {
    const plain = m("привет", "привет")!;
    expect(m("привет $weight<+2>", "привет")!.weight).toBeCloseTo(plain.weight + 2);
    expect(m("привет $weight<-0.8>", "привет")!.weight).toBeCloseTo(plain.weight - 0.8);
    expect(m("привет $weight<1.05>", "привет")!.score).toBe(1);
  });
  it("$repeat takes one or more occurrences of a named pattern", () => {
    const env = { named: { color: "(красный|синий)" } };
    expect(m("$repeat<$color>", "красный синий красный", env)!.tree.color).toHaveLength(3);
    expect(ok("$repeat<$color>", "", env)).toBe(false);
  });
  it("$morph<…> tests AOT grammemes with the dictionary; unknown tags never match", () => {
    expect(ok("хочу $morph<ИНФИНИТИВ>", "хочу гулять")).toBe(true);
    expect(ok("хочу $morph<ИНФИНИТИВ>", "хочу домой")).toBe(false);
    expect(ok("$morph<С им ед>", "слон")).toBe(true);
    expect(ok("$morph<С им ед>", "слонами")).toBe(false);
    expect(ok("$morph<С тв мн>", "слонами")).toBe(true);
    expect(ok("$morph<П>", "зелёный")).toBe(true);
    expect(ok("$morph<ЩЩ>", "слон")).toBe(false);
  });

  it("~word matches any form of its lemma, also for an ambiguous form", () => {
    expect(ok("~мастер", "мастерами")).toBe(true);
    expect(ok("* ~стать *", "они стали")).toBe(true);
    expect(ok("* ~сталь *", "листы стали")).toBe(true);
    expect(ok("* ~прийти *", "пришёл")).toBe(true);
    expect(ok("* ~прийти *", "ушёл")).toBe(false);
  });
  it("emulates the system entities the dictionary can answer; others never match", () => {
    expect(ok("* @duckling.number *", "пять")).toBe(true);
    expect(ok("* @mystem.geo *", "из казани")).toBe(true);
    expect(ok("* @mystem.geo *", "из дома")).toBe(false);
    expect(ok("* @pymorphy.name *", "иван")).toBe(true);
    expect(ok("* @duckling.date *", "завтра")).toBe(true);
    expect(ok("* @duckling.phone-number *", "позвоните 8 911 344 55 93")).toBe(true);
    expect(ok("* @duckling.amount-of-money *", "сто рублей")).toBe(false);
    expect(ok("(@duckling.amount-of-money::d | сто рублей)", "сто рублей")).toBe(true);
    expect(ok("* @Unknown *", "что угодно")).toBe(false);
  });
});

describe("equal-ranked matches", () => {
  // Which of several equally good spans a node takes is visible in $parseTree; it must not depend on
  // how many positions the input has (the matcher indexes the ends of long inputs).
  const texts = (pattern: string, filler: number) => {
    const z = Array<string>(filler).fill("зет");
    const r = m(pattern, ["икс", ...z, "иск", ...z, "ось"].join(" "), { named: { X: "(икс|иск|ось)" } });
    return (r?.tree.X as ParseNode[] | undefined)?.map((n) => n.text);
  };
  it.each([3, 40])("are chosen in the same order with %i words between the candidates", (filler) => {
    expect(texts("* $X *", filler)).toEqual(["икс"]);
    expect(texts("* $X * $X *", filler)).toEqual(["икс", "иск"]);
    expect(texts("* $X [*] [$X] *", filler)).toEqual(["икс", "иск"]);
    expect(texts("{* $X}", filler)).toEqual(["ось"]);
    expect(texts("$X * | * $X", filler)).toEqual(["икс"]);
  });
});
