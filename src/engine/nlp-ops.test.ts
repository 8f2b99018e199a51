// $nlp.match / $nlp.matchPatterns from a script, through the real loader, pattern engine and script host.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { harness } from "../../test/fixtures/engine/harness.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine");

function project(sc: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "nlp-ops-"));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "chatbot.yaml"), "entryPoint: main.sc\n");
  writeFileSync(path.join(dir, "src", "main.sc"), sc);
  return path.relative(FIXTURES, dir);
}

const SC = `theme: /
    state: Greet
        q!: hello *
        a: hi
    state: Inner
        q!: inner
        state: Deep
            q: deeper *
            a: deep
    state: Ask
        q!: ask
        script:
            var a = $nlp.match("hello there", "/");
            var b = $nlp.match("deeper still", "/Inner");
            var c = $nlp.match("deeper still", "/Greet");
            var d = $nlp.match(" ?! ", "/");
            var p = $nlp.matchPatterns("buy a red car", ["* red *", "buy * car"]);
            var q = $nlp.matchPatterns("nothing here", ["* red *"]);
            $reactions.answer([a.targetState, a.pattern, a.score, b && b.targetState, c && c.targetState, d, p.pattern, p.patternId, q].join("|"));
            $reactions.answer(["дом", "телефон", "hhvq", "пй3куа2", "вздрвст"].map(function (w) { return $nlp.checkVocabulary(w); }).join(","));
`;

describe("$nlp.match and $nlp.matchPatterns", () => {
  it("classify a text as if sent in the given context; a text without words is never classified", () => {
    const h = harness(project(SC));
    expect(h.texts(h.send("ask"))).toEqual(["/Greet|hello *|0.5|/Inner/Deep|||buy * car|1|", "true,true,false,false,false"]);
  });
});

describe("converters in $nlp results", () => {
  const CONVERTED = `patterns:
    $Colour = (red:1|blue:2) || converter = function (pt) { return {code: pt.value, upper: pt.text.toUpperCase()}; }
theme: /
    state: Pick
        q!: * $Colour *
        a: {{$parseTree._Colour.upper}}
    state: Ask
        q!: ask
        script:
            var p = $nlp.matchPatterns("a blue one", ["* $Colour *"]);
            var m = $nlp.match("a red one", "/");
            $reactions.answer(JSON.stringify([p.parseTree._Colour, m.targetState, m.parseTree._Colour]));
`;

  it("$nlp.matchPatterns and $nlp.match run named patterns' converters, as the turn's own $parseTree does", () => {
    const h = harness(project(CONVERTED));
    expect(h.texts(h.send("red"))).toEqual(["RED"]);
    expect(h.texts(h.send("ask"))).toEqual(['[{"code":"2","upper":"BLUE"},"/Pick",{"code":"1","upper":"RED"}]']);
  });
});
