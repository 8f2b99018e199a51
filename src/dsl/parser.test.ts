import { describe, expect, it } from "vitest";
import { ProjectError, ProjectErrors } from "../util/errors.js";
import type { ReactionNode, ScFile, StateNode, ThemeNode } from "./ast.js";
import { parseSc, parseScCollect } from "./parser.js";

const sc = (lines: string[]): string => lines.join("\n");
const theme = (f: ScFile, i = 0): ThemeNode => {
  const t = f.items.filter((x) => x.kind === "theme")[i];
  if (!t || t.kind !== "theme") throw new Error("no theme");
  return t.node;
};
/** Parses `body` (indented by 8) inside `theme: /` + `state: S` and returns the state. */
const inState = (...body: string[]): StateNode =>
  theme(parseSc(sc(["theme: /", "    state: S", ...body.map((l) => "        " + l)]), "t.sc")).states[0]!;
const reactions = (...body: string[]): ReactionNode[] => inState(...body).reactions;

/** The single error a source produces. */
function errorOf(text: string, opts = {}): ProjectError {
  const { errors } = parseScCollect(text, "src/main.sc", opts);
  expect(errors.length).toBeGreaterThan(0);
  return errors[0]!;
}

describe("parseSc: structure", () => {
  it("parses top-level items in document order with positions", () => {
    const f = parseSc(
      sc(["require: a.sc", "patterns:", "    $X = a", "init:", "    x = 1;", "theme: /Main || modal = true", "    state: One"]),
      "src/main.sc",
    );
    expect(f.items.map((i) => i.kind)).toEqual(["require", "patterns", "init", "theme"]);
    const t = theme(f);
    expect(t.path).toBe("/Main");
    expect(t.params).toEqual({ modal: true });
    expect(t.pos).toEqual({ file: "src/main.sc", line: 6, col: 1 });
    expect(t.states[0]!.name).toBe("One");
    expect(t.states[0]!.pos).toEqual({ file: "src/main.sc", line: 7, col: 5 });
  });

  it("reads state names with spaces, punctuation and params; nested states; unnamed states", () => {
    const t = theme(
      parseSc(
        sc([
          "theme: /",
          "    state: Can I Help You? || noContext = true, modal = true",
          "        state: 1",
          "            a: one",
          "    state:",
          "        q!: kb",
          "    state: || noContext = true",
        ]),
        "t.sc",
      ),
    );
    expect(t.states.map((s) => s.name)).toEqual(["Can I Help You?", "", ""]);
    expect(t.states[0]!.params).toEqual({ noContext: true, modal: true });
    expect(t.states[0]!.children[0]!.name).toBe("1");
    expect(t.states[2]!.params).toEqual({ noContext: true });
  });

  it("accepts 2-space indentation and tags without a space after the colon", () => {
    const t = theme(parseSc(sc(["theme: /", "  state: A", "    a:Text", "    if:$client.x", "      go!: /B"]), "t.sc"));
    const r = t.states[0]!.reactions;
    expect(r[0]).toMatchObject({ tag: "a", text: "Text" });
    expect(r[1]).toMatchObject({ tag: "if", branches: [{ cond: "$client.x" }] });
  });

  it("collects init: at top level, in themes and in states", () => {
    const f = parseSc(sc(["init:", "    a = 1;", "theme: /", "    init:", "        b = 2;", "    state: S", "        init:", "            c = 3;"]), "t.sc");
    expect(f.items[0]).toMatchObject({ kind: "init", block: { code: "a = 1;", pos: { line: 2, col: 5 } } });
    expect(theme(f).inits[0]!.code).toBe("b = 2;");
    expect(theme(f).states[0]!.inits[0]!.code).toBe("c = 3;");
  });

  it("skips @Annotation blocks whose JSON closes at their own indentation", () => {
    const t = theme(
      parseSc(sc(["theme: /", '    @IntentGroup {', '      "a": {"b": [1, 2]},', '      "c": "}"', "    }", "    state: After", "        a: x"]), "t.sc"),
    );
    expect(t.states.map((s) => s.name)).toEqual(["After"]);
  });
});

describe("parseSc: triggers", () => {
  it.each([
    ["q", "pattern", false],
    ["q!", "pattern", true],
    ["e", "example", false],
    ["e!", "example", true],
    ["eg", "exampleGroup", false],
    ["eg!", "exampleGroup", true],
    ["intent", "intent", false],
    ["intent!", "intent", true],
    ["intentGroup", "intentGroup", false],
    ["intentGroup!", "intentGroup", true],
    ["event", "event", false],
    ["event!", "event", true],
  ])("%s: is a %s trigger (global=%s)", (tag, kind, global) => {
    const s = inState(`${tag}: value here || fromState = .., onlyThisState = true`);
    expect(s.triggers[0]).toEqual({
      kind,
      tag,
      global,
      value: "value here",
      params: { fromState: "..", onlyThisState: true },
      pos: { file: "t.sc", line: 3, col: 10 + tag.length + 1 },
    });
  });

  it("joins q continuation lines with a space, params may be on the continuation", () => {
    const s = inState("q: * (one|two)", "   three * || toState = \"/Other state\"");
    expect(s.triggers[0]!.value).toBe("* (one|two) three *");
    expect(s.triggers[0]!.params).toEqual({ toState: "/Other state" });
  });

  it("strips a ` #comment` after a pattern but not after an a: text", () => {
    const s = inState("q!: * привет * # greeting", "a: Книга получена! #{{$session.n}}");
    expect(s.triggers[0]!.value).toBe("* привет *");
    expect(s.reactions[0]).toMatchObject({ text: "Книга получена! #{{$session.n}}" });
  });

  it("unquotes quoted event and intent values", () => {
    const s = inState('event!: "noMatch"', "intent!: /a/b");
    expect(s.triggers.map((t) => t.value)).toEqual(["noMatch", "/a/b"]);
  });
});

describe("parseSc: reactions", () => {
  it("a: joins continuation lines with newlines, keeps {{ }}, unquotes a single quoted value", () => {
    const r = reactions('a: "Приятно, {{$session.name}}!"', "a: Line one", "    - item https://x.y", "    Note: not a tag", "    # a comment", "    end || tts = \"x\", markdown = \"**b**\"");
    expect(r[0]).toMatchObject({ tag: "a", text: "Приятно, {{$session.name}}!", params: {} });
    expect(r[1]).toMatchObject({
      tag: "a",
      text: "Line one\n- item https://x.y\nNote: not a tag\nend",
      params: { tts: "x", markdown: "**b**" },
      pos: { line: 4, col: 9 },
    });
  });

  it("a: with a literal \\n stays literal for the engine", () => {
    expect(reactions("a: one\\ntwo")[0]).toMatchObject({ text: "one\\ntwo" });
  });

  it("script:/scriptEs6: keep the function body, strip common indent, turn # lines into //", () => {
    const r = reactions("script:", "    # why", "    if ($a || $b) {", "        return;", "    }", "", "scriptEs6: const x = 1;", "    await y(`${x}`);");
    expect(r[0]).toEqual({ tag: "script", code: "// why\nif ($a || $b) {\n    return;\n}", pos: { file: "t.sc", line: 5, col: 13 } });
    expect(r[1]).toMatchObject({ tag: "scriptEs6", code: "const x = 1;\nawait y(`${x}`);", pos: { line: 9, col: 20 } });
  });

  it("script bodies keep tag-looking lines verbatim", () => {
    expect(reactions("script:", "    var o = {", "        state: 1", "    };")[0]).toMatchObject({ code: "var o = {\n    state: 1\n};" });
  });

  it("go:/go! targets, relative and templated", () => {
    expect(reactions("go!: ../Sibling", "go: {{ $session.next }}")).toMatchObject([
      { tag: "go!", target: "../Sibling" },
      { tag: "go", target: "{{ $session.next }}" },
    ]);
  });

  it("folds if:/elseif:/else: into one node; || stays JavaScript", () => {
    const r = reactions("if: $session.a === 1 || $session.b", "    a: one", "elseif: $session.zd += 40;", "    go!: /x", "else:", "    a: other", "a: after");
    expect(r).toHaveLength(2);
    expect(r[0]).toMatchObject({
      tag: "if",
      branches: [
        { cond: "$session.a === 1 || $session.b", body: [{ tag: "a", text: "one" }] },
        { cond: "$session.zd += 40;", body: [{ tag: "go!", target: "/x" }] },
        { cond: null, body: [{ tag: "a", text: "other" }] },
      ],
    });
  });

  it("random: holds nested reactions", () => {
    expect(reactions("random:", "    a: one", "    go!: /two", "    script: x();")[0]).toMatchObject({
      tag: "random",
      options: [{ tag: "a" }, { tag: "go!" }, { tag: "script", code: "x();" }],
    });
  });

  it("buttons: every documented form", () => {
    const r = reactions(
      "buttons:",
      '    "Text" -> /path',
      '    "Plain"',
      '    {text: "Send phone", request_contact: true}',
      '    {text:"Да"} -> ./Yes',
      '    "Say "hi"" -> {{ $session.back }}',
      "    Unquoted -> ../Up",
      'inlineButtons:',
      '    {text: "Site", url: "https://x.ru/?a={b}"}',
      '    {text: "Cb", callback_data: "x"}',
    );
    expect(r[0]).toEqual({
      tag: "buttons",
      pos: { file: "t.sc", line: 3, col: 9 },
      items: [
        { text: "Text", target: "/path", pos: { file: "t.sc", line: 4, col: 13 } },
        { text: "Plain", pos: { file: "t.sc", line: 5, col: 13 } },
        { json: '{text: "Send phone", request_contact: true}', pos: { file: "t.sc", line: 6, col: 13 } },
        { json: '{text:"Да"}', target: "./Yes", pos: { file: "t.sc", line: 7, col: 13 } },
        { text: 'Say "hi"', target: "{{ $session.back }}", pos: { file: "t.sc", line: 8, col: 13 } },
        { text: "Unquoted", target: "../Up", pos: { file: "t.sc", line: 9, col: 13 } },
      ],
    });
    expect(r[1]).toMatchObject({
      tag: "inlineButtons",
      items: [{ json: '{text: "Site", url: "https://x.ru/?a={b}"}' }, { json: '{text: "Cb", callback_data: "x"}' }],
    });
  });

  it("image/audio/video/timeout with params", () => {
    expect(
      reactions(
        'image: https://x/y.png || hash = "abc"',
        'audio: https://x/a.mp3 || name = "Song", source = "library"',
        "video: https://x/v.mp4",
        'timeout: ./Again || interval = "30 seconds"',
      ),
    ).toMatchObject([
      { tag: "image", url: "https://x/y.png", params: { hash: "abc" } },
      { tag: "audio", url: "https://x/a.mp3", params: { name: "Song", source: "library" } },
      { tag: "video", url: "https://x/v.mp4", params: {} },
      { tag: "timeout", target: "./Again", params: { interval: "30 seconds" } },
    ]);
  });

  it("newSession: nested key = value params", () => {
    expect(reactions("newSession:", "    message = /start", '    data = {"a": 1}', "    deferred = true")[0]).toMatchObject({
      tag: "newSession",
      params: { message: "/start", data: '{"a": 1}', deferred: true },
    });
  });

  it("action tags (visual editor) and customTags parse generically with multi-line values", () => {
    expect(
      reactions("HttpRequest:", "    url = https://x.ru", "    method = GET", "    headers = [", '        {"name": "a", "value": "b"}', "    ]", "    timeout = 5"),
    ).toMatchObject([
      { tag: "action", name: "HttpRequest", params: { url: "https://x.ru", method: "GET", headers: '[\n{"name": "a", "value": "b"}\n]', timeout: 5 } },
    ]);
    const f = parseSc(sc(["theme: /", "    state: S", "        MyTag: hello || a = 1", "            b = 2"]), "t.sc", { customTags: ["MyTag"] });
    expect(theme(f).states[0]!.reactions[0]).toMatchObject({ tag: "action", name: "MyTag", value: "hello", params: { a: 1, b: 2 } });
  });
});

describe("parseSc: require and patterns", () => {
  it("require: with indented params and globs", () => {
    const f = parseSc(
      sc(["require: city/cities-ru.csv", "    name = Cities", "    var = $Cities", "require: scenarios/*.sc", 'require: x.sc', "    injector = {a: \"/W\", b: 10}"]),
      "t.sc",
    );
    expect(f.items).toEqual([
      { kind: "require", node: { path: "city/cities-ru.csv", params: { name: "Cities", var: "$Cities" }, pos: { file: "t.sc", line: 1, col: 10 } } },
      { kind: "require", node: { path: "scenarios/*.sc", params: {}, pos: { file: "t.sc", line: 4, col: 10 } } },
      { kind: "require", node: { path: "x.sc", params: { injector: '{a: "/W", b: 10}' }, pos: { file: "t.sc", line: 5, col: 10 } } },
    ]);
  });

  it("patterns: entries, continuation lines, converters on their own line, trailing ; and comments", () => {
    const f = parseSc(
      sc([
        "patterns:",
        "    $Yes = (да|конечно|ага) # yes words",
        "    $Text = * $nonEmptyGarbage * || converter = $converters.textConverter",
        "    $NumberDigit = $regexp<[-−]?\\d+>",
        "            || converter = $converters.numberConverterDigit;",
        "    $Long = (a|b)",
        "        (c|d);",
        "",
        "    # comment",
        "    $City = $entity<Cities> || converter = function ($pt) { return 1; };",
      ]),
      "t.sc",
    );
    const defs = f.items[0]!.kind === "patterns" ? f.items[0]!.defs : [];
    expect(defs).toEqual([
      { name: "$Yes", body: "(да|конечно|ага)", pos: { file: "t.sc", line: 2, col: 5 } },
      { name: "$Text", body: "* $nonEmptyGarbage *", converter: "$converters.textConverter", pos: { file: "t.sc", line: 3, col: 5 } },
      { name: "$NumberDigit", body: "$regexp<[-−]?\\d+>", converter: "$converters.numberConverterDigit", pos: { file: "t.sc", line: 4, col: 5 } },
      { name: "$Long", body: "(a|b) (c|d)", pos: { file: "t.sc", line: 6, col: 5 } },
      { name: "$City", body: "$entity<Cities>", converter: "function ($pt) { return 1; }", pos: { file: "t.sc", line: 10, col: 5 } },
    ]);
  });

  it("comment lines are ignored anywhere, at any indentation", () => {
    const s = theme(parseSc(sc(["# top", "theme: /", "# inside", "    state: A", "  # odd indent", "        a: x", "#end"]), "t.sc")).states[0]!;
    expect(s.reactions).toHaveLength(1);
  });
});

describe("parseSc: errors point at the line", () => {
  const cases: [string, string[], number, number, RegExp][] = [
    ["child indented less than siblings", ["theme: /", "    state: A", "        a: x", "      a: y"], 4, 7, /bad indentation/],
    ["inconsistent dedent in patterns", ["patterns:", "    $A = a", "  $B = b"], 3, 3, /bad indentation/],
    ["unknown tag where only tags may be", ["theme: /", "    state: A", "        foo: bar"], 3, 9, /unknown tag "foo:"/],
    ["plain text where a tag must be", ["theme: /", "    state: A", "        hello there"], 3, 9, /expected a tag/],
    ["state: under a:", ["theme: /", "    state: A", "        a: hi", "            state: B"], 4, 13, /state: cannot be nested under a:/],
    ["reaction at top level", ["a: hi"], 1, 1, /a: is not allowed at the top level/],
    ["state at top level", ["state: A"], 1, 1, /state: is not allowed at the top level/],
    ["reaction directly in a theme", ["theme: /", "    go!: /x"], 2, 5, /go!: is not allowed directly inside theme:/],
    ["trigger inside if:", ["theme: /", "    state: A", "        if: x", "            q: y"], 4, 13, /q: is not allowed inside if:/],
    ["else without if", ["theme: /", "    state: A", "        a: x", "        else:", "            a: y"], 4, 9, /else: without a preceding if:/],
    ["elseif after else", ["theme: /", "    state: A", "        if: a", "            a: 1", "        else:", "            a: 2", "        elseif: b"], 7, 9, /after else:/],
    ["unterminated quoted param", ["theme: /", "    state: A", '        a: hi || tts = "oops'], 3, 24, /unterminated quoted value for parameter "tts"/],
    ["unterminated param on a continuation line", ["theme: /", "    state: A", "        q: a", '           b || toState = "/X'], 4, 27, /unterminated/],
    ["go!: without target", ["theme: /", "    state: A", "        go!:"], 3, 13, /go!: needs a target state/],
    ["empty require", ["require:"], 1, 9, /require: needs a value/],
    ["theme path without /", ["theme: Main"], 1, 8, /must start with "\/"/],
    ["bad patterns entry", ["patterns:", "    Name = x"], 2, 5, /expected "\$Name = pattern"/],
    ["bad require param", ["require: a.csv", "    just text"], 2, 5, /expected "key = value"/],
    ["unterminated button text", ["theme: /", "    state: A", "        buttons:", '            "Oops -> /x'], 4, 13, /unterminated quoted button text/],
  ];
  it.each(cases)("%s", (_name, lines, line, col, message) => {
    const e = errorOf(sc(lines));
    expect(e.message).toMatch(message);
    expect(e.pos).toEqual({ file: "src/main.sc", line, col });
    expect(e.sourceLine).toBe(lines[line - 1]);
    const formatted = e.format().split("\n");
    expect(formatted[0]).toBe(`src/main.sc:${line}:${col}: ${e.message}`);
    expect(formatted[2]!.indexOf("^")).toBe(4 + col - 1);
  });

  it("a lowercase unknown name stays an error where a tag must be", () => {
    expect(errorOf(sc(["theme: /", "    state: A", "        note: x"])).message).toBe('unknown tag "note:"');
    // A tag one or two typos away is named, so the fix is obvious (a misspelt intent!: is a real case).
    expect(errorOf(sc(["theme: /", "    state: A", "        intetnt!: /hello"])).message).toBe('unknown tag "intetnt!:" (did you mean "intent!:"?)');
    expect(errorOf(sc(["theme: /", "    state: A", "        scirpt: x"])).message).toBe('unknown tag "scirpt:" (did you mean "script:"?)');
  });

  it("throws ProjectError for one problem and ProjectErrors for several, continuing past each", () => {
    expect(() => parseSc("a: x", "t.sc")).toThrow(ProjectError);
    const text = sc(["theme: /", "    state: A", "        go!:", "    state: B", "        foo: 1", "    state: C", "        a: ok"]);
    try {
      parseSc(text, "t.sc");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProjectErrors);
      expect((e as ProjectErrors).errors.map((x) => x.pos?.line)).toEqual([3, 5]);
    }
    // The good parts still parse.
    const { ast } = parseScCollect(text, "t.sc");
    expect(theme(ast).states.map((s) => s.name)).toEqual(["A", "B", "C"]);
  });
});

describe("parseSc: what the cloud accepts is accepted with a warning", () => {
  const lenient = (lines: string[]) => {
    const r = parseScCollect(sc(lines), "src/main.sc");
    expect(r.errors).toEqual([]);
    return { ast: r.ast, warnings: r.warnings.map((w) => `${w.pos?.line}:${w.pos?.col} ${w.message}`) };
  };
  it("a trigger directly inside theme: belongs to the theme", () => {
    const { ast, warnings } = lenient(["theme: /", "    q: new session || toState = /Start", "    state: Start", "        a: hi"]);
    expect(theme(ast).triggers).toMatchObject([{ kind: "pattern", value: "new session", params: { toState: "/Start" } }]);
    expect(warnings).toEqual([expect.stringMatching(/^2:5 q: directly inside theme: belongs to the theme's state \//)]);
  });
  it("a state without a name loads under an internal name, with a warning at its line", () => {
    const { ast, warnings } = lenient(["theme: /", "    state:", "        q!: kb", "        a: hi"]);
    expect(theme(ast).states[0]!.name).toBe("");
    expect(warnings).toEqual([expect.stringMatching(/^2:5 state: without a name: it gets an internal name/)]);
  });
  it("a second go! in a state never runs: warned at its line, naming the first", () => {
    const { ast, warnings } = lenient(["theme: /", "    state: A", "        a: hi", "        go!: /B", "        go!: /C", "        if: true", "            go!: /D"]);
    expect(theme(ast).states[0]!.reactions.map((r) => r.tag)).toEqual(["a", "go!", "go!", "if"]);
    expect(warnings).toEqual([expect.stringMatching(/^5:\d+ go!: \/C never runs: the go!: \/B above it \(line 4\) leaves the state first$/)]);
  });
  it("random: with no nested reactions", () => {
    const { ast, warnings } = lenient(["theme: /", "    state: A", "        random:", "        a: one"]);
    expect(theme(ast).states[0]!.reactions).toMatchObject([{ tag: "random", options: [] }, { tag: "a", text: "one" }]);
    expect(warnings).toEqual([expect.stringMatching(/^3:16 random: with no nested reactions/)]);
  });
  it("a: with no value", () => {
    const { ast, warnings } = lenient(["theme: /", "    state: A", "        a:"]);
    expect(theme(ast).states[0]!.reactions).toMatchObject([{ tag: "a", text: "" }]);
    expect(warnings).toEqual([expect.stringMatching(/^3:11 a: with no text/)]);
  });
  it("a tab in the indentation counts as 4 spaces", () => {
    const { ast, warnings } = lenient(["theme: /", "\tstate: A", "\t\ta: x"]);
    expect(theme(ast).states[0]!.reactions).toMatchObject([{ tag: "a", text: "x" }]);
    expect(warnings).toEqual([expect.stringMatching(/^2:1 tab character in indentation/)]);
  });
  it("named patterns whose names start with a digit or hold Cyrillic letters", () => {
    const { ast } = lenient(["patterns:", "    $1st = первый", "    $Город = (москва|питер)"]);
    const defs = ast.items.flatMap((i) => (i.kind === "patterns" ? i.defs.map((d) => d.name) : []));
    expect(defs).toEqual(["$1st", "$Город"]);
  });
  it("an unknown capitalised tag is an action of a newer platform version, kept and not run", () => {
    const { ast, warnings } = lenient(["theme: /", "    state: A", "        StartCallSession:", "        Note: x", "            value = 1", "        a: hi"]);
    expect(theme(ast).states[0]!.reactions).toMatchObject([
      { tag: "action", name: "StartCallSession" },
      { tag: "action", name: "Note", value: "x", params: { value: 1 } },
      { tag: "a", text: "hi" },
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^3:9 unknown action tag "StartCallSession:"/), expect.stringMatching(/^4:9 unknown action tag "Note:"/)]);
  });
});
