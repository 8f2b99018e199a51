// The VS Code extension's pieces that do not need VS Code: the .sc grammar (tokenised with the same
// TextMate engine VS Code uses) and the state index behind "Go to Definition".
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const require = createRequire(import.meta.url);
const EXT = path.resolve(import.meta.dirname, "../../editors/vscode");
const states = require(path.join(EXT, "states.js")) as {
  indexStates(text: string): { path: string; line: number; indent: number }[];
  stateAt(states: unknown[], text: string, line: number): string;
  resolveTarget(from: string, target: string): string;
  targetOnLine(line: string): string | undefined;
};

const SAMPLE = [
  "# a comment",
  "require: shop.js",
  "patterns:",
  "    $Buy = (~купить|хочу) * || converter = toId",
  "theme: /",
  "    state: Start",
  "        q!: * $Buy * $regexp<\\d+> *",
  "        script:",
  "            var n = 1;",
  "",
  "            $session.n = n;",
  "        a: Привет, {{ $session.name }}! || tts = \"Привет\"",
  "        buttons:",
  "            \"Каталог\" -> ./Catalog",
  "        state: Catalog",
  "            go!: ../Start",
  "    state: Other || noContext = true",
  "        if: $session.n > 1",
  "            go: /Start/Catalog",
].join("\n");

let grammar: textmate.IGrammar;

beforeAll(async () => {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) =>
      scope === "source.sc" ? textmate.parseRawGrammar(readFileSync(path.join(EXT, "syntaxes/sc.tmLanguage.json"), "utf8"), "sc.tmLanguage.json") : null,
  });
  grammar = (await registry.loadGrammar("source.sc"))!;
});

/** The scopes of the first token whose text equals `text` on each line, line by line. */
function scopesOf(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let stack = textmate.INITIAL;
  for (const line of SAMPLE.split("\n")) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      const piece = line.slice(t.startIndex, t.endIndex).trim();
      if (piece && !found.has(piece)) found.set(piece, t.scopes);
    }
    stack = r.ruleStack;
  }
  return text ? new Map([[text, found.get(text) ?? []]]) : found;
}

describe("the .sc grammar", () => {
  it("names tags, states, patterns, answers and parameters", () => {
    const all = scopesOf("");
    expect(all.get("#")).toContain("comment.line.number-sign.sc");
    expect(all.get("Start")).toContain("entity.name.section.state.sc");
    expect(all.get("q!")).toContain("keyword.other.trigger.sc");
    expect(all.get("$Buy")).toContain("entity.name.type.pattern.sc");
    expect(all.get("~купить")).toContain("support.function.lemma.sc");
    expect(all.get("$regexp<\\d+>")).toContain("string.regexp.sc");
    expect(all.get("||")).toContain("keyword.operator.parameters.sc");
    expect(all.get("converter")).toContain("variable.parameter.sc");
    expect(all.get("Привет,")).toContain("string.unquoted.answer.sc");
    expect(all.get("go!")).toContain("keyword.control.transition.sc");
    expect(all.get("../Start")).toContain("string.unquoted.state-path.sc");
    expect(all.get("\"Каталог\"")).toContain("string.quoted.double.button.sc");
  });

  it("keeps a script: body, blank lines included, as embedded JavaScript and ends it at the dedent", () => {
    expect(scopesOf("var n = 1;").get("var n = 1;")).toContain("meta.embedded.block.javascript");
    expect(scopesOf("$session.n = n;").get("$session.n = n;")).toContain("meta.embedded.block.javascript");
    const answer = scopesOf("a").get("a")!;
    expect(answer).toContain("keyword.other.reaction.sc");
    expect(answer).not.toContain("meta.embedded.block.javascript");
  });

  it("treats {{ }} in answers and if: values as JavaScript", () => {
    expect(scopesOf("$session.name").get("$session.name")).toContain("meta.embedded.expression.javascript");
    expect(scopesOf("$session.n > 1").get("$session.n > 1")).toContain("meta.embedded.expression.javascript");
  });
});

describe("the state index behind Go to Definition", () => {
  const index = states.indexStates(SAMPLE);

  it("gives every state its full path and line", () => {
    expect(index.map((s) => [s.path, s.line])).toEqual([
      ["/Start", 5],
      ["/Start/Catalog", 14],
      ["/Other", 16],
    ]);
  });

  it("finds the state a line belongs to", () => {
    expect(states.stateAt(index, SAMPLE, 13)).toBe("/Start");
    expect(states.stateAt(index, SAMPLE, 15)).toBe("/Start/Catalog");
    expect(states.stateAt(index, SAMPLE, 18)).toBe("/Other");
    expect(states.stateAt(index, SAMPLE, 2)).toBe("/");
  });

  it("reads targets from go!, go, buttons and toState, and resolves them like the runtime", () => {
    expect(states.targetOnLine("            go!: ../Start")).toBe("../Start");
    expect(states.targetOnLine('            "Каталог" -> ./Catalog')).toBe("./Catalog");
    expect(states.targetOnLine('    q: назад || toState = "/Menu"')).toBe("/Menu");
    expect(states.targetOnLine("        timeout: /Wait || interval = 5s")).toBe("/Wait");
    expect(states.targetOnLine("        a: текст")).toBeUndefined();
    expect(states.resolveTarget("/Start/Catalog", "..")).toBe("/Start");
    expect(states.resolveTarget("/Start/Catalog", "../Cart")).toBe("/Start/Cart");
    expect(states.resolveTarget("/Start", "./Catalog")).toBe("/Start/Catalog");
    expect(states.resolveTarget("/Start", "Catalog")).toBe("/Start/Catalog");
    expect(states.resolveTarget("/Start", "/Other/")).toBe("/Other");
    expect(states.resolveTarget("/", "..")).toBe("/");
  });
});
