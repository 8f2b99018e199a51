// `$parseTree` shapes (§3.3).
import { describe, expect, it } from "vitest";
import type { NamedPatternDef } from "../project/model.js";
import { createPatternSet } from "./index.js";
import type { ConverterRunner, ParseNode } from "./types.js";

function tree(pattern: string, text: string, named: Record<string, string | [string, string]> = {}, converter?: ConverterRunner): ParseNode {
  const defs = new Map<string, NamedPatternDef>();
  for (const [name, v] of Object.entries(named)) {
    const [body, conv] = Array.isArray(v) ? v : [v, undefined];
    defs.set("$" + name, { name: "$" + name, body, converter: conv, pos: { file: "p.sc", line: 1, col: 1 } });
  }
  const set = createPatternSet(defs, new Map(), { converter });
  set.add(7, pattern, { file: "main.sc", line: 1, col: 1 });
  const r = set.match(text, new Map([[7, 0]]));
  expect(r).toHaveLength(1);
  return r[0]!.parseTree;
}

describe("$parseTree", () => {
  it("root carries tag, pattern, the full text and the words", () => {
    expect(tree("* привет *", "Ну, привет!")).toEqual({ tag: "root", pattern: "root", text: "Ну, привет!", words: ["ну", "привет"] });
  });

  it("nested named patterns give nested nodes and _Tag shortcuts", () => {
    const t = tree("* $Order *", "купи двух слонов", { Order: "купи $Count слонов", Count: "(одного|двух)" });
    expect(t).toEqual({
      tag: "root",
      pattern: "root",
      text: "купи двух слонов",
      words: ["купи", "двух", "слонов"],
      Order: [
        {
          tag: "Order",
          pattern: "Order",
          text: "купи двух слонов",
          words: ["купи", "двух", "слонов"],
          Count: [{ tag: "Count", pattern: "Count", text: "двух", words: ["двух"] }],
          _Count: "двух",
        },
      ],
      _Order: "купи двух слонов",
      _Count: "двух", // lifted to the root (below)
    });
  });

  it("the root has _X for a named pattern X at any depth: the shallowest first, a direct child never replaced", () => {
    const named = { GetName: "* $ClientName *", ClientName: "($First|{$First $Last})", First: "(анна|иван)", Last: "(петрова|иванов)" };
    const t = tree("$GetName", "меня зовут анна петрова", named);
    expect(t._GetName).toBe("меня зовут анна петрова");
    expect(t._First).toBe("анна");
    expect(t._Last).toBe("петрова");
    // below the root nothing is lifted: a converter sees the children of its own node
    const getName = (t.GetName as ParseNode[])[0]!;
    expect(getName._ClientName).toBe("анна петрова");
    expect(getName._First).toBeUndefined();
    // a direct child keeps its own shortcut; of two nested ones the shallower wins
    const both = tree("$Word $Pair", "иван анна петрова", { Word: "$First", Pair: "{$First $Last}", First: "(анна|иван)", Last: "(петрова|иванов)" });
    expect(both._First).toBe("иван");
    const direct = tree("$First $Pair", "иван анна петрова", { Pair: "{$First $Last}", First: "(анна|иван)", Last: "(петрова|иванов)" });
    expect(direct._First).toBe("иван");
  });

  it("a named pattern whose whole match is one node with a value takes that value", () => {
    // $Phone = @entity: _Phone is the entity's value, not the typed text
    const t = tree("* $Amount *", "дай 5", { Amount: "$Number" });
    expect(t._Amount).toBe(5);
    // not when it matches more than that node, or has a mapping or converter of its own
    expect(tree("$Amount", "ровно 5", { Amount: "ровно $Number" })._Amount).toBe("ровно 5");
    expect(tree("$Amount", "5", { Amount: "$Number:пять" })._Amount).toBe("пять");
  });

  it("aliases rename the tag but keep the pattern name", () => {
    const t = tree("с $Number::From до $Number::To", "с 5 до 7");
    expect(t.From).toEqual([{ tag: "From", pattern: "Number", text: "5", words: ["5"], value: 5 }]);
    expect(t._From).toBe(5);
    expect(t._To).toBe(7);
    expect(t.Number).toBeUndefined();
  });

  it("value mappings set the enclosing node's value as a string", () => {
    const t = tree("$Digit", "два", { Digit: "(один:1|два:2|три:3)" });
    expect((t.Digit as ParseNode[])[0]!.value).toBe("2");
    expect(t._Digit).toBe("2");
    expect(tree("$D", "hundreds", { D: "hundred*: 100" })._D).toBe("100");
    expect(tree("$H", "привеет", { H: "(привеет:привет|здравствуй)" })._H).toBe("привет");
  });

  it("root mapping goes to _Root", () => {
    const t = tree("$no : endSession", "нет", { no: "(нет|неа)" });
    expect(t._Root).toBe("endSession");
    expect(t._no).toBe("нет");
    expect(t.value).toBeUndefined();
  });

  it("repeated occurrences are listed in order; _Tag is the first", () => {
    const t = tree("$C и $C", "красный и синий", { C: "(красный:red|синий:blue)" });
    expect((t.C as ParseNode[]).map((n) => n.value)).toEqual(["red", "blue"]);
    expect(t._C).toBe("red");
  });

  it("converters receive the node and their result becomes the value", () => {
    const calls: string[] = [];
    const conv: ConverterRunner = (fn, node) => {
      calls.push(fn);
      if (fn === "$converters.numberConverterValue") return Number(node.value) * 10;
      if (fn === "$converters.sum") return (node.Unit as ParseNode[]).reduce((s, n) => s + (n.value as number), 0);
      return undefined;
    };
    const t = tree("$Total", "один два", { Total: ["$Unit $Unit", "$converters.sum"], Unit: ["(один:1|два:2)", "$converters.numberConverterValue"] }, conv);
    expect(t._Total).toBe(30);
    expect((t.Total as ParseNode[])[0]!._Unit).toBe(10);
    expect(calls).toEqual(["$converters.numberConverterValue", "$converters.numberConverterValue", "$converters.sum"]);
  });

  it("converters run only when the parse tree is read", () => {
    let calls = 0;
    const defs = new Map<string, NamedPatternDef>([["$X", { name: "$X", body: "икс", converter: "f", pos: { file: "p.sc", line: 1, col: 1 } }]]);
    const set = createPatternSet(defs, new Map(), { converter: () => ++calls });
    set.add(1, "$X", { file: "m.sc", line: 1, col: 1 });
    const [r] = set.match("икс", new Map([[1, 0]]));
    expect(calls).toBe(0);
    expect(r!.parseTree._X).toBe(1);
    expect(r!.parseTree._X).toBe(1);
    expect(calls).toBe(1);
  });

  it("a dictionary behind a named pattern with a converter (zb-common $City)", () => {
    const defs = new Map<string, NamedPatternDef>([["$City", { name: "$City", body: "$entity<Cities>", converter: "cityConverter", pos: { file: "p.sc", line: 1, col: 1 } }]]);
    const dicts = new Map([["Cities", { name: "Cities", file: "c.csv", entries: [{ id: "7", synonyms: ["питер"], value: { name: "Санкт-Петербург" } }] }]]);
    const byId: Record<string, unknown> = { "7": { name: "Санкт-Петербург" } };
    const set = createPatternSet(defs, dicts, { converter: (_fn, node) => byId[(node.Cities as ParseNode[])[0]!.value as string] });
    set.add(1, "* $City *", { file: "m.sc", line: 1, col: 1 });
    const t = set.match("хочу в Питер", new Map([[1, 0]]))[0]!.parseTree;
    expect(t._City).toEqual({ name: "Санкт-Петербург" });
    expect(((t.City as ParseNode[])[0]!.Cities as ParseNode[])[0]!.value).toBe("7");
  });
});
