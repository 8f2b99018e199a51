import path from "node:path";
import { describe, expect, it } from "vitest";
import { ProjectErrors } from "../util/errors.js";
import { tempProjects } from "../../test/helpers/temp-project.js";
import { loadProject } from "./loader.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../test/fixtures/projects");
const MODULES = path.join(FIXTURES, "_modules");
const fixture = (name: string) => path.join(FIXTURES, name);

/** Formatted errors of a project that must fail to load. */
function loadErrors(dir: string, opts = {}): string[] {
  try {
    loadProject(dir, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ProjectErrors);
    return (e as ProjectErrors).errors.map((x) => x.format());
  }
  throw new Error("expected the project to fail");
}

const tempProject = tempProjects("sc-load-");

describe("loadProject: the basic fixture", () => {
  const p = loadProject(fixture("basic"), { modules: [MODULES] });

  it("uses src/ and loads every required file once, in require order", () => {
    expect(p.srcDir).toBe(path.join(fixture("basic"), "src"));
    expect(p.files).toEqual([
      "src/main.sc",
      "src/lib.js",
      "src/utils.js",
      "src/dicts/answers.yaml",
      "src/dicts/cities.csv",
      "src/sub/other.sc",
      "src/sub/sibling.js",
      "src/parts/a.sc",
      "src/parts/b.sc",
      "sys.common-mod/helpers.sc",
      "sys.common-mod/common.js",
      "localmod/src/local.sc",
      "localmod/src/local.js",
      "src/second.sc",
    ]);
  });

  it("merges themes from several files into one state tree with the root", () => {
    expect(p.states.get("/")!.parent).toBeNull();
    expect(p.states.get("/Menu")!.children).toEqual(["/Menu/No", "/Menu/Yes"]);
    expect(p.states.get("/Menu/Yes/Deep")!.parent).toBe("/Menu/Yes");
    expect(p.states.get("/Shop/Cart")!.pos).toEqual({ file: "src/main.sc", line: 43, col: 5 });
    expect(p.states.has("/__anon_src_main_sc_36")).toBe(true);
    expect(p.states.has("/FromSecond")).toBe(true);
  });

  it("collects triggers in declaration order with resolved fromState/toState", () => {
    const yes = p.triggers.filter((t) => t.owner === "/Menu/Yes");
    expect(yes.map((t) => [t.value, t.fromState, t.toState, t.onlyThisState])).toEqual([
      ["да", ["/Menu"], undefined, true],
      ["ага", undefined, "/Menu/Yes/Deep", false],
    ]);
    expect(p.triggers.every((t, i) => t.id === i)).toBe(true);
    expect(p.states.get("/Menu/Yes")!.triggers).toEqual(yes.map((t) => t.id));
    expect(p.triggers.find((t) => t.owner === "/Shop/Cart")).toMatchObject({ kind: "intent", global: true, value: "/cart" });
  });

  it("turns required code and data into load items in order", () => {
    expect(p.loadItems.map((i) => [i.kind, i.pos.file, i.pos.line])).toEqual([
      ["script", "src/lib.js", 1],
      ["es6module", "src/utils.js", 1],
      ["data", "src/dicts/answers.yaml", 1],
      ["data", "src/dicts/cities.csv", 1],
      ["script", "src/sub/sibling.js", 1],
      ["script", "sys.common-mod/common.js", 1],
      ["script", "localmod/src/local.js", 1],
      ["script", "src/main.sc", 22],
      ["script", "src/main.sc", 42],
    ]);
    expect(p.loadItems[1]).toMatchObject({ name: "utils" });
    expect(p.loadItems[2]).toMatchObject({ varName: "$Answers", data: { botAnswers: { a2: "Answer two" } } });
    expect(p.loadItems[3]).toMatchObject({ varName: "$Cities", data: { "1": { value: { name: "Москва", lat: 55.75 } }, "2": { value: "Saint Petersburg" } } });
  });

  it("registers CSV dictionaries and named patterns from every file", () => {
    expect(p.dictionaries.get("Cities")!.entries[1]).toEqual({ id: "2", synonyms: ["Питер", "спб", "Санкт-Петербург"], value: "Saint Petersburg" });
    expect([...p.namedPatterns.keys()].sort()).toEqual(["$Hello", "$Yes"]);
  });

  it("merges injectors (chatbot.yaml wins), maps scriptsPreLoad, selects tests", () => {
    expect(p.injector).toEqual({ newSessionStartState: "/Start", newSessionTimeout: 99, greeting: "hello" });
    expect(p.preload).toEqual(["jsapi/common.js", "jslib/moment.min.js", "jsapi/payment.js"]);
    expect(p.diagnostics.map((d) => d.message)).toEqual([
      'unknown key "someFutureKey" ignored',
      // the fixture's nameless state (src/main.sc)
      "state: without a name: it gets an internal name no transition or test can name",
      "scriptsPreLoad: unknown platform script /jsapi/nonexistent.js, ignored",
    ]);
    expect(p.testFiles).toEqual(["test/deep/more.xml", "test/main.xml"]);
  });
});

describe("loadProject: layout and resolution", () => {
  it("falls back to scenarios/ when src/ lacks the entry point", () => {
    const p = loadProject(fixture("scenarios-layout"));
    expect(p.srcDir).toBe(path.join(fixture("scenarios-layout"), "scenarios"));
    expect(p.files).toEqual(["scenarios/main.sc"]);
    expect(p.testFiles).toEqual([]);
  });

  it("finds sys modules in the first module folder that has them", () => {
    const dir = tempProject({ "chatbot.yaml": "entryPoint: main.sc\n", "src/main.sc": "require: helpers.sc\n    module = sys.common-mod\n" });
    expect(loadProject(dir, { modules: ["/nonexistent", MODULES] }).files).toContain("sys.common-mod/helpers.sc");
  });

  it("resolves leading / to the source root and ../ against the requiring file; loads each file once", () => {
    const dir = tempProject({
      "chatbot.yaml": "entryPoint: main.sc\n",
      "src/main.sc": "require: a/x.sc\nrequire: a/*.sc\n",
      "src/a/x.sc": "require: /common.js\nrequire: ../common.js\nrequire: y.json\n    var = cfg\n",
      "src/a/y.json": '{"k": [1, 2]}',
      "src/common.js": "var c = 1;",
    });
    const p = loadProject(dir);
    expect(p.files).toEqual(["src/main.sc", "src/a/x.sc", "src/common.js", "src/a/y.json"]);
    expect(p.loadItems.map((i) => i.kind)).toEqual(["script", "data"]);
  });

  it("customTags entries that are paths to the tag's JSON file declare its tagName; a missing or bad file is a warning", () => {
    const dir = tempProject({
      "chatbot.yaml": "entryPoint: main.sc\ncustomTags:\n  - src/blocks/sum/block.json\n  - src/blocks/gone.json\n  - src/blocks/bad.json\n",
      "src/blocks/sum/block.json": '{"tagName": "sumTwo", "startState": "/Blocks/Sum", "parameters": [{"name": "a"}]}',
      "src/blocks/bad.json": '{"caption": "no name"}',
      "src/main.sc": "theme: /\n    state: S\n        q!: hi\n        sumTwo:\n            a = 1\ntheme: /Blocks\n    state: Sum\n        a: sum\n",
    });
    const p = loadProject(dir);
    expect(p.states.get("/S")?.reactions.map((r) => r.tag)).toEqual(["action"]);
    const warnings = p.diagnostics.filter((d) => d.message.startsWith("customTags:")).map((d) => `${d.pos?.line}: ${d.message}`);
    expect(warnings).toEqual([
      "4: customTags: src/blocks/gone.json not found; the tag it describes is not declared",
      '5: customTags: src/blocks/bad.json has no "tagName"; the tag it describes is not declared',
    ]);
  });

  it("a use of a custom tag is checked against its JSON: required and typed parameters, startState, state targets", () => {
    const json = {
      tagName: "Book",
      startState: "/Tags/Book",
      parameters: [
        { name: "room", type: "string", required: true },
        { name: "nights", type: "integer", required: true },
        { name: "late", type: "bool" },
        { name: "ok", type: "state" },
      ],
    };
    const files = {
      "chatbot.yaml": "entryPoint: main.sc\ncustomTags:\n  - src/book.json\n",
      "src/book.json": JSON.stringify(json),
      "src/tags.sc": "theme: /Tags\n    state: Book\n        a: booked\n",
    };
    const good = "require: tags.sc\ntheme: /\n    state: S\n        q!: hi\n        Book:\n            room = {{$session.room}}\n            nights = 2\n            late = false\n            ok = Next\n        state: Next\n            a: next\n";
    expect(loadProject(tempProject({ ...files, "src/main.sc": good })).diagnostics.filter((d) => d.message.startsWith("Book"))).toEqual([]);
    const bad = [
      "require: tags.sc",
      "theme: /",
      "    state: S",
      "        q!: hi",
      "        Book:",
      "            nights = two",
      "            late = maybe",
      "            ok = /Nowhere",
      "            colour = red",
      "",
    ].join("\n");
    const dir = tempProject({ ...files, "src/main.sc": bad });
    expect(loadErrors(dir).map((e) => e.split("\n")[0])).toEqual([
      'src/main.sc:5:9: Book: required parameter "room" missing (src/book.json)',
      'src/main.sc:6:22: Book: parameter "nights" must be an integer, got "two" (src/book.json)',
      'src/main.sc:7:20: Book: parameter "late" must be true or false, got "maybe" (src/book.json)',
    ]);
    const noStart = tempProject({ ...files, "src/tags.sc": "theme: /Tags\n    state: Other\n        a: x\n", "src/main.sc": good });
    expect(loadErrors(noStart).map((e) => e.split("\n")[0])).toEqual(["src/main.sc:5:9: Book: its startState /Tags/Book (src/book.json) is not a state of the project"]);
    const warned = tempProject({ ...files, "src/main.sc": bad.replace("            nights = two\n            late = maybe\n", "            room = 1\n            nights = 3\n") });
    expect(loadProject(warned).diagnostics.filter((d) => d.message.startsWith("Book")).map((d) => `${d.pos?.line}:${d.pos?.col}: ${d.message}`)).toEqual([
      '9:22: Book: unknown parameter "colour" (the tag declares "room", "nights", "late", "ok") (src/book.json); it is passed as written',
      '8:18: Book: parameter ok = /Nowhere in /S: no state /Nowhere; the turn that goes there fails with "State not found"',
    ]);
  });

  it("an explicit state may fill a theme's implicit placeholder; TESTS honour include/exclude", () => {
    const dir = tempProject({
      "chatbot.yaml": "entryPoint: main.sc\ntests:\n  include: ['topics/*.xml']\n",
      "src/main.sc": "theme: /A\n    state: B\ntheme: /\n    state: A || modal = true\n        q: a\n",
      "test/topics/t.xml": "<test/>",
      "test/other.xml": "<test/>",
    });
    const p = loadProject(dir);
    expect(p.states.get("/A")).toMatchObject({ modal: true, children: ["/A/B"], pos: { line: 4 } });
    expect(p.testFiles).toEqual(["test/topics/t.xml"]);
  });

  it("tests.include/exclude are ant globs relative to test/: a trailing '/' means everything below", () => {
    const files = { "test/a/x.xml": "<test/>", "test/a/b/y.xml": "<test/>", "test/top.xml": "<test/>", "test/a/skip.xml": "<test/>" };
    const sel = (tests: string) => loadProject(tempProject({ "chatbot.yaml": `entryPoint: main.sc\n${tests}`, "src/main.sc": "theme: /\n", ...files })).testFiles.sort();
    expect(sel("tests:\n  include: [a/]\n  exclude: ['**/skip.xml']\n")).toEqual(["test/a/b/y.xml", "test/a/x.xml"]);
    expect(sel("tests:\n  include: ['*.xml']\n")).toEqual(["test/top.xml"]);
    expect(sel("tests:\n  exclude:\n")).toEqual(["test/a/b/y.xml", "test/a/skip.xml", "test/a/x.xml", "test/top.xml"]);
  });
});

describe("loadProject: broken projects point at the exact line", () => {
  it.each([
    ["bad-indent", "src/main.sc:5:7: bad indentation"],
    ["misplaced-tag", "src/main.sc:4:13: state: cannot be nested under a:"],
    ["missing-file", "src/main.sc:2:10: required file not found: nowhere/missing.sc"],
    ["bad-yaml", "chatbot.yaml:3:23: invalid YAML"],
    ["bad-csv", 'src/cities.csv:3:1: dictionary line must be "id;synonym1,synonym2;value"'],
    ["wrong-type", 'chatbot.yaml:4:28: nlp.modifyRequestInPreMatch: expected true or false, got string "yes please"'],
    ["duplicate-state", "src/main.sc:3:5: duplicate state /Start (first declared at src/other.sc:2)"],
    ["missing-module", 'src/main.sc:1:10: module "sys.zb-common" not found'],
  ])("%s", (name, first) => {
    expect(loadErrors(fixture(name))[0]).toContain(first);
  });

  it("a missing module says where it comes from and how to provide it", () => {
    const dir = tempProject({
      "chatbot.yaml": "entryPoint: m.sc\ndependencies:\n  - name: common\n    type: git\n    url: https://example.com/common.git\n    version: heads/master\n",
      "src/m.sc": "require: x.sc\n    module = common\nrequire: y.sc\n    module = sys.zfl-common\nrequire: z.sc\n    module = sys.zb-common\n",
    });
    const errors = loadErrors(dir, { modules: [] }).map((e) => e.split("\n")[0]!);
    expect(errors).toEqual([
      expect.stringMatching(/^src\/m\.sc:1:10: dependency "common" from https:\/\/example\.com\/common\.git \(heads\/master\) of chatbot\.yaml not found \(looked in .*\): clone it into a folder named common/),
      expect.stringMatching(/^src\/m\.sc:3:10: module "sys\.zfl-common" not found: it is a closed module of the Just AI platform, not public/),
      expect.stringMatching(/^src\/m\.sc:5:10: module "sys\.zb-common" not found \(no module folders given\): put its source in a folder named zb-common inside a folder given with --modules/),
    ]);
  });

  it("a module not in dependencies is an error at its require line", () => {
    expect(loadErrors(fixture("missing-module"), { modules: [MODULES] })).toEqual([
      expect.stringContaining('src/main.sc:1:10: module "sys.zb-common" not found (looked in'),
      expect.stringContaining('src/main.sc:3:10: module "undeclared" is not declared in chatbot.yaml dependencies'),
    ]);
  });

  it("collects errors from several files and keeps going", () => {
    const errors = loadErrors(fixture("many-errors"));
    expect(errors.map((e) => e.split("\n")[0]!.replace(/: .*/, ""))).toEqual(["src/main.sc:5:13", "src/broken.sc:3:9", "src/main.sc:2:10"]);
  });

  it.each([
    ["chatbot.yaml missing", {}, /chatbot\.yaml not found/],
    ["entry point missing", { "chatbot.yaml": "entryPoint: nope.sc\n" }, /chatbot\.yaml:1:13: entry point nope\.sc not found in src\/ or scenarios\//],
    ["bad YAML data file", { "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: d.yaml\n    var = d\n", "src/d.yaml": "a: 1\nb: [x\n" }, /src\/d\.yaml:\d+:\d+: invalid YAML/],
    ["bad JSON data file", { "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: d.json\n    var = d\n", "src/d.json": '{\n  "a": 1,\n  oops\n}' }, /src\/d\.json:3:\d+: invalid JSON/],
    ["unclosed CSV quote", { "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: d.csv\n    name = D\n", "src/d.csv": 'a;x;1\n"b;y;2\n' }, /src\/d\.csv:\d+:1: invalid CSV/],
    ["bad injector literal", { "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: a.js\n    injector = {a: }\n", "src/a.js": "" }, /src\/m\.sc:1:10: injector = … is not a valid object literal/],
  ])("%s", (_name, files, re) => {
    expect(loadErrors(tempProject(files as Record<string, string>)).join("\n")).toMatch(re);
  });
});

describe("loadProject: what the platform accepts loads, with a warning", () => {
  it("a named pattern declared twice: the later declaration wins", () => {
    const p = loadProject(tempProject({ "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: p.sc\npatterns:\n    $A = a\n", "src/p.sc": "patterns:\n    $A = b\n" }));
    expect(p.namedPatterns.get("$A")).toMatchObject({ body: "a", pos: { file: "src/m.sc", line: 3 } });
    expect(p.diagnostics).toContainEqual(expect.objectContaining({ level: "warning", message: expect.stringMatching(/\$A declared again; .* replaces the one at src\/p\.sc:2/) }));
  });
  it("a CSV dictionary name loaded twice: the later list wins", () => {
    const p = loadProject(tempProject({
      "chatbot.yaml": "entryPoint: m.sc\n",
      "src/m.sc": "require: a.csv\n    name = C\nrequire: b.csv\n    name = C\n",
      "src/a.csv": "1;one;1\n",
      "src/b.csv": "2;two;2\n",
    }));
    expect(p.dictionaries.get("C")).toMatchObject({ file: "src/b.csv", entries: [{ id: "2" }] });
    expect(p.diagnostics).toContainEqual(expect.objectContaining({ message: "dictionary C loaded again from src/b.csv; it replaces the one from src/a.csv" }));
  });
  it("YAML data with repeated keys and unindented quoted lines", () => {
    const p = loadProject(tempProject({
      "chatbot.yaml": "entryPoint: m.sc\n",
      "src/m.sc": "require: d.yaml\n    var = d\nrequire: q.yaml\n    var = q\n",
      "src/d.yaml": "a: 1\nb: 2\na: 3\n",
      "src/q.yaml": 'k:\n  t: "one\ntwo"\n',
    }));
    expect(p.loadItems.filter((i) => i.kind === "data").map((i) => (i as { data: unknown }).data)).toEqual([{ a: 3, b: 2 }, { k: { t: "one two" } }]);
    expect(p.diagnostics.map((d) => `${d.pos?.file}:${d.pos?.line} ${d.message}`)).toEqual([
      'src/d.yaml:3 duplicate key "a": the last one wins',
      expect.stringMatching(/^src\/q\.yaml:\d+ .*read leniently/),
    ]);
  });
  it("many repeated keys: the first five warnings, then a count", () => {
    const yaml = Array.from({ length: 8 }, (_, i) => `k${i}: 1\nk${i}: 2\n`).join("");
    const p = loadProject(tempProject({ "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: d.yaml\n    var = d\n", "src/d.yaml": yaml }));
    expect(p.diagnostics.map((d) => d.message)).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => `duplicate key "k${i}": the last one wins`),
      "3 more duplicate keys in this file (the last of each wins)",
    ]);
  });
  it("CSV dictionary lines ending with ';' keep their JSON value", () => {
    const p = loadProject(tempProject({ "chatbot.yaml": "entryPoint: m.sc\n", "src/m.sc": "require: d.csv\n    name = D\n", "src/d.csv": '1;Moscow;{"name":"Moscow"};\n2;Rome;plain;\n' }));
    expect(p.dictionaries.get("D")!.entries.map((e) => e.value)).toEqual([{ name: "Moscow" }, "plain"]);
  });
});
