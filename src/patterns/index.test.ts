// Errors with positions, the literal index, compileProjectPatterns and matchPatterns.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryObjects } from "node:v8";
import { describe, expect, it } from "vitest";
import type { NamedPatternDef, Project, Trigger } from "../project/model.js";
import { ProjectError, ProjectErrors } from "../util/errors.js";
import { compileProjectPatterns, createPatternSet, matchPatterns } from "./index.js";
import { MatchInput } from "./matcher.js";

const POS = { file: "main.sc", line: 12, col: 9 };

function addError(source: string, named = new Map<string, NamedPatternDef>()): ProjectError {
  const set = createPatternSet(named, new Map());
  try {
    set.add(1, source, POS);
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectError);
    return e as ProjectError;
  }
  throw new Error(`no error for ${source}`);
}

describe("syntax errors", () => {
  it.each([
    ["(a|b", 0, /unclosed '\('/],
    ["a (b|c", 2, /unclosed '\('/],
    ["[a b", 0, /unclosed '\['/],
    ["a b)", 3, /unexpected '\)'/],
    ["(a]", 2, /expected '\)'/],
    ["(a||b)", 3, /empty alternative/],
    ["()", 1, /empty alternative/],
    ["{}", 1, /empty alternative/],
    ["привет $Nope", 7, /unknown named pattern \$Nope/],
    ["$repeat<слово>", 8, /\$repeat<…> takes one named pattern/],
    ["$regexp<(a>", 0, /unclosed regular expression/],
    ["$regexp<a)>", 8, /invalid regular expression/],
    ["$weight<x>", 8, /invalid weight/],
    ["$foo<x>", 0, /unknown pattern function/],
    [":1", 0, /mapping/],
    ["$entity<Nope>", 0, /unknown dictionary/],
  ])("%s → column %d", (source, offset, message) => {
    const e = addError(source);
    expect(e.message).toMatch(message);
    expect(e.pos).toEqual({ file: "main.sc", line: 12, col: POS.col + offset });
    expect(e.format()).toContain("^");
  });
  it("allows empty alternatives in options", () => {
    expect(() => createPatternSet(new Map(), new Map()).add(1, "[a|] b", POS)).not.toThrow();
  });
  it("reports errors inside a named pattern at its definition", () => {
    const named = new Map<string, NamedPatternDef>([["$Bad", { name: "$Bad", body: "(a|b", pos: { file: "patterns.sc", line: 4, col: 12 } }]]);
    const e = addError("* $Bad *", named);
    expect(e.message).toMatch(/\$Bad.*unclosed/);
    expect(e.pos).toEqual({ file: "patterns.sc", line: 4, col: 12 });
  });
  it("matches self-referencing named patterns as a grammar, to a bounded depth", () => {
    const named = new Map<string, NamedPatternDef>([
      ["$A", { name: "$A", body: "(x [$A]|(y|$B))", pos: { file: "p.sc", line: 1, col: 1 } }],
      ["$B", { name: "$B", body: "z $A", pos: { file: "p.sc", line: 2, col: 1 } }],
      ["$Left", { name: "$Left", body: "($Left a|a)", pos: { file: "p.sc", line: 3, col: 1 } }],
    ]);
    const set = createPatternSet(named, new Map());
    set.add(1, "$A", POS);
    set.add(2, "go $Left", POS);
    const tiers = new Map([[1, 1000], [2, 1000]]);
    const ids = (text: string) => set.match(text, tiers).map((m) => m.triggerId);
    expect(ids("x x y")).toEqual([1]);
    expect(ids("z x z y")).toEqual([1]);
    expect(ids("go a a a")).toEqual([2]);
    // deeper than the unrolled depth: no match, and no hang
    expect(ids("go " + "a ".repeat(30))).toEqual([]);
  });
  it("a branching cycle through several named patterns compiles to a bounded size", () => {
    // Each pattern refers to the next one four times: unrolling per pattern would never finish.
    const names = ["E", "T", "F", "G", "H"];
    const named = new Map<string, NamedPatternDef>(
      names.map((n, i) => {
        const next = names[(i + 1) % names.length];
        return [`$${n}`, { name: `$${n}`, body: `(${n.toLowerCase()} | $${next} плюс $${next} | $${next} минус $${next})`, pos: { file: "p.sc", line: i + 1, col: 1 } }];
      }),
    );
    const set = createPatternSet(named, new Map());
    set.add(1, "$E", POS);
    const ids = (text: string) => set.match(text, new Map([[1, 1000]])).map((m) => m.triggerId);
    expect(ids("t плюс t")).toEqual([1]);
    expect(ids("f плюс f минус f плюс f")).toEqual([1]);
    expect(ids("t плюс e")).toEqual([]);
  });
  it("tolerates @entity and collects a warning for an unknown $morph tag", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "* @duckling.number::n * $morph<С им> $morph<ЩЩ>", POS);
    expect(set.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/\$morph<ЩЩ>: unknown AOT tag/)]);
  });
});

describe("index", () => {
  it("finds the one matching pattern among thousands", () => {
    const set = createPatternSet(new Map(), new Map());
    const tiers = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      set.add(i, `* купить (слона|жирафа) номер ${i} *`, POS);
      tiers.set(i, 1000);
    }
    set.add(5000, "* прода* слон* *", POS);
    set.add(5001, "*", POS);
    set.add(5002, "$regexp<\\d+>", POS);
    set.add(5003, "* ~яблоко *", POS);
    for (const id of [5000, 5001, 5002, 5003]) tiers.set(id, 1000);
    expect(set.match("Хочу купить жирафа номер 4321 сегодня", tiers).map((m) => m.triggerId)).toEqual([4321, 5001]);
    expect(set.match("продаю слонов", tiers).map((m) => m.triggerId)).toEqual([5000, 5001]);
    expect(set.match("77", tiers).map((m) => m.triggerId)).toEqual([5002, 5001]);
    expect(set.match("дай яблоки", tiers).map((m) => m.triggerId)).toEqual([5003, 5001]);
  });
  it("patterns added after a match are indexed too", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "да", POS);
    expect(set.match("нет", new Map([[1, 0], [2, 0]]))).toEqual([]);
    set.add(2, "нет", POS);
    expect(set.match("нет", new Map([[1, 0], [2, 0]])).map((m) => m.triggerId)).toEqual([2]);
  });
  it("named patterns, dictionaries and $Number are reachable through the index", () => {
    const named = new Map<string, NamedPatternDef>([["$Yes", { name: "$Yes", body: "(да|ага) [конечно]", pos: POS }]]);
    const dicts = new Map([["Colors", { name: "Colors", file: "c.csv", entries: [{ id: "r", synonyms: ["красный"], value: "" }] }]]);
    const set = createPatternSet(named, dicts);
    set.add(1, "* $Yes *", POS);
    set.add(2, "* $entity<Colors> *", POS);
    set.add(3, "* $Number *", POS);
    const tiers = new Map([[1, 0], [2, 0], [3, 0]]);
    expect(set.match("ну ага", tiers).map((m) => m.triggerId)).toEqual([1]);
    expect(set.match("красный", tiers).map((m) => m.triggerId)).toEqual([2]);
    expect(set.match("двадцать", tiers).map((m) => m.triggerId)).toEqual([3]);
  });
});

function project(files: Record<string, string>, triggers: Partial<Trigger>[], named: NamedPatternDef[] = []): Project {
  const dir = mkdtempSync(join(tmpdir(), "patterns-"));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return {
    dir,
    srcDir: dir,
    config: { entryPoint: ["main.sc"] },
    diagnostics: [],
    states: new Map(),
    triggers: triggers.map((t, id) => ({ id, kind: "pattern", global: true, value: "", owner: "/", onlyThisState: false, params: {}, pos: POS, ...t })),
    namedPatterns: new Map(named.map((d) => [d.name, d])),
    dictionaries: new Map(),
    loadItems: [],
    injector: {},
    preload: [],
    files: Object.keys(files),
    testFiles: [],
  };
}

describe("compileProjectPatterns", () => {
  it("adds pattern triggers only and matches them", () => {
    const p = project({}, [{ value: "* привет *" }, { kind: "intent", value: "/hello" }, { value: "пока" }]);
    const set = compileProjectPatterns(p);
    expect(set.match("привет бот", new Map([[0, 0], [1, 0], [2, 0]])).map((m) => m.triggerId)).toEqual([0]);
  });
  it("collects every error with the offending file line", () => {
    const main = ["theme: /", "    state: A", "        q!: * (купить|продать слона *", "    state: B", "        q: $Missing"].join("\n");
    const p = project(
      { "main.sc": main, "patterns.sc": "patterns:\n    $Bad = [a b\n" },
      [
        { value: "* (купить|продать слона *", pos: { file: "main.sc", line: 3, col: 13 } },
        { value: "$Missing", pos: { file: "main.sc", line: 5, col: 12 } },
      ],
      [{ name: "$Bad", body: "[a b", pos: { file: "patterns.sc", line: 2, col: 5 } }],
    );
    let err: unknown;
    try {
      compileProjectPatterns(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProjectErrors);
    const errors = (err as ProjectErrors).errors;
    expect(errors.map((e) => [e.pos, e.message])).toEqual([
      [{ file: "patterns.sc", line: 2, col: 12 }, expect.stringMatching(/\$Bad: unclosed '\['/)],
      [{ file: "main.sc", line: 3, col: 15 }, expect.stringMatching(/unclosed '\('/)],
      [{ file: "main.sc", line: 5, col: 12 }, expect.stringMatching(/unknown named pattern \$Missing/)],
    ]);
    expect(errors[1]!.format()).toBe(
      "main.sc:3:15: pattern error: unclosed '(': expected ')'\n" + "    " + "        q!: * (купить|продать слона *\n" + "    " + " ".repeat(14) + "^",
    );
  });
});

describe("did you mean, for a misspelt named pattern", () => {
  const named = new Map<string, NamedPatternDef>([
    ["$Color", { name: "$Color", body: "(красный|синий)", pos: { file: "patterns.sc", line: 2, col: 5 } }],
    ["$Colour", { name: "$Colour", body: "(red|blue)", pos: { file: "patterns.sc", line: 3, col: 5 } }],
    ["$Size", { name: "$Size", body: "(большой|маленький)", pos: { file: "patterns.sc", line: 4, col: 5 } }],
  ]);
  it("names the closest defined or built-in pattern, keeping the message and its column", () => {
    expect(addError("купить $Siez", named).message).toMatch(/unknown named pattern \$Siez \(did you mean "\$Size"\?\)$/);
    expect(addError("$AnyTetx", named).message).toMatch(/unknown named pattern \$AnyTetx \(did you mean "\$AnyText"\?\)$/);
    expect(addError("купить $Siez", named).pos).toEqual({ ...POS, col: POS.col + 7 });
  });
  it("guesses nothing when nothing is close or two are equally close", () => {
    expect(addError("$Weight", named).message).toMatch(/unknown named pattern \$Weight$/);
    expect(addError("$Colourr", named).message).toMatch(/\(did you mean "\$Colour"\?\)$/); // one edit from $Colour, two from $Color
    expect(addError("$Colou", named).message).toMatch(/unknown named pattern \$Colou$/); // one edit from $Color and from $Colour
  });
});

describe("matchPatterns ($nlp.matchPatterns)", () => {
  it("returns the best pattern with its parse tree, or null", () => {
    const named = new Map<string, NamedPatternDef>([["$Yes", { name: "$Yes", body: "(да|ага)", pos: POS }]]);
    const r = matchPatterns("ну да", ["* нет *", "* $Yes *", "ну да"], named, new Map());
    expect(r).toMatchObject({ patternId: "2", pattern: "ну да", effectivePattern: "ну да", score: 1 });
    expect(r!.weight).toBeGreaterThanOrEqual(1);
    expect(r!.parseTree.text).toBe("ну да");
    expect(matchPatterns("ну да", ["* $Yes *"], named, new Map())!.parseTree._Yes).toBe("да");
    expect(matchPatterns("может быть", ["* нет *"], named, new Map())).toBeNull();
  });
});

describe("what a match keeps alive", () => {
  // A match outlives its turn in the engine's results; whatever it holds goes with it into V8's old
  // generation when a scavenge finds it alive (docs/benchmarks.md): the lazy parse tree's getter
  // must not hold the MatchInput and its memo of every hypothesis.
  it("a kept match, its parse tree unread, holds no MatchInput", () => {
    const set = createPatternSet(new Map(), new Map());
    set.add(1, "* привет *", POS);
    set.add(2, "* привет {мир|друг} *", POS);
    const before = queryObjects(MatchInput, { format: "count" }) as number;
    const matches = set.match("ну привет мир", new Map([[1, 1000], [2, 1000]]));
    expect(matches.map((m) => m.triggerId).sort()).toEqual([1, 2]);
    expect(queryObjects(MatchInput, { format: "count" })).toBe(before);
    expect(matches[0]!.parseTree).toBeDefined(); // still built on first read, from what it kept
  });
});
