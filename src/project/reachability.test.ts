import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkProject } from "./check.js";
import { loadProject } from "./loader.js";
import { unknownTargets, unreachableStates } from "./reachability.js";
import { scriptStrings, scriptTransitions } from "./transitions.js";

const FIXTURE = path.resolve(import.meta.dirname, "../../test/fixtures/projects/transitions");
const where = (d: { pos?: { file: string; line: number; col: number } }) => (d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : "");

describe("scriptTransitions (parsed, not searched)", () => {
  it("finds literal targets of $reactions.transition calls with their place in the body", () => {
    const code = ['// $reactions.transition("/Comment")', 'var s = "$reactions.transition(\'/String\')";', '$reactions.transition("/A");', "if (x) { $reactions[\"transition\"]({ deferred: true, value: `/B` }); }"].join("\n");
    expect(scriptTransitions(code)).toEqual([
      { target: "/A", line: 3, col: 22 },
      { target: "/B", line: 4, col: 59 },
    ]);
  });

  it("a computed argument keeps its literal start and counts as computed", () => {
    expect(scriptTransitions('$reactions.transition("/Flow/" + step); $reactions.transition(next);').map((t) => t.target)).toEqual(["/Flow/{{…}}", "{{…}}"]);
  });

  it("scriptStrings: string literals and template parts, never comments or regular expressions", () => {
    expect(scriptStrings('var a = "/A"; // "/B"\nvar r = /"\\/C"/; var t = `x${y}/D`;')).toEqual(["/A", "x", "/D"]);
    expect(scriptStrings('export const s = "/E";', "module")).toEqual(["/E"]);
    expect(scriptStrings('{text: "Go", transition: "/F"}', "expression")).toEqual(["Go", "/F"]);
  });

  it("a body that does not parse yields nothing (the syntax check reports it)", () => {
    expect(scriptTransitions('$reactions.transition("/A"')).toEqual([]);
    expect(scriptStrings('var a = "/A"; var b = "')).toEqual(["/A"]); // what came before the error
  });
});

describe("check: the built-in action tags' targets", () => {
  it("HttpRequest okState / errorState and InputText then are transitions: an unknown one is warned, a known one reached", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "action-targets-"));
    writeFileSync(path.join(dir, "chatbot.yaml"), "entryPoint: main.sc\n");
    mkdirSync(path.join(dir, "src"));
    const main = [
      "theme: /",
      "    state: Ask",
      "        q!: ask",
      "        InputText:",
      "            prompt = Name?",
      "            varName = name",
      "            then = /Greet",
      "    state: Greet",
      "        a: hi {{$session.name}}",
      "    state: Fetch",
      "        q!: fetch",
      "        HttpRequest:",
      "            url = https://x.example/a",
      "            method = GET",
      "            okState = /Done",
      "            errorState = /Faild",
      "    state: Done",
      "        a: done",
      "    state: Failed",
      "        a: failed",
    ];
    writeFileSync(path.join(dir, "src/main.sc"), main.join("\n") + "\n");
    const p = loadProject(dir);
    expect(unknownTargets(p).map((d) => `${where(d)} ${d.message}`)).toEqual([
      'src/main.sc:16:26 HttpRequest errorState: /Faild in /Fetch: no state /Faild; the turn that gets here fails with "State not found" (did you mean "/Failed"?)',
    ]);
    expect(unreachableStates(p).map((d) => d.message)).toEqual([expect.stringMatching(/^state \/Failed is never entered/)]);
  });
});

describe("check: transition targets and reachability", () => {
  const project = loadProject(FIXTURE);

  it("warns about every literal target that is not a state, resolved as the engine resolves it", () => {
    const lines = readFileSync(path.join(FIXTURE, "src/main.sc"), "utf8").split("\n");
    const found = unknownTargets(project, (_file, line) => lines[line - 1]).map((d) => `${where(d)} ${d.message.split(":")[0]}`);
    expect(found).toEqual([
      "src/main.sc:7:9 go!",
      'src/main.sc:15:13 button "Lost" -> /Lost in /Menu',
      'src/main.sc:22:51 $reactions.transition("/Ghost") in /Menu/Sub',
      "src/main.sc:46:9 timeout",
    ]);
    // without the file's lines a script column counts from the body's own indentation
    expect(where(unknownTargets(project)[2]!)).toBe("src/main.sc:22:35");
    expect(unknownTargets(project)[0]!.message).toBe('go!: /Nowhere in /Start: no state /Nowhere; the turn that gets here fails with "State not found"');
  });

  it("relative targets: `go: Sub` is the child, `../../Sibling` from /Menu/Sub is /Sibling", () => {
    const messages = unknownTargets(project).map((d) => d.message).join("\n");
    expect(messages).not.toContain("go: Sub");
    expect(messages).not.toContain("Sibling");
  });

  it("warns about states nothing leads to, and only those", () => {
    const found = unreachableStates(project).map((d) => `${where(d)} ${d.message}`);
    expect(found).toEqual([
      "src/main.sc:31:5 state /Orphan is never entered: it has no trigger, no transition leads to it and no script names it",
      "src/main.sc:37:5 state /Holder is never entered: it has no trigger, no transition leads to it and no script names it",
    ]);
    // reached: by a trigger (/Start, /Holder/Child, /Flow/Intent), a relative script transition
    // (/Sibling), a string in a required .js file (/NamedInHelpers), a computed "/Flow/" + x (/Flow/One, /Flow/Two)
  });

  it("a state named by a trigger's fromState or by an $injector value is not reported", () => {
    const named = loadProject(FIXTURE);
    named.triggers[0]!.fromState = ["/Orphan"];
    (named as { injector: Record<string, unknown> }).injector = { screens: { start: "/Holder" } };
    expect(unreachableStates(named)).toEqual([]);
  });

  it("they are warnings: the project still checks ok, each with file:line:col", () => {
    const r = checkProject(FIXTURE);
    expect(r.ok).toBe(true);
    expect(r.warnings).toContain('src/main.sc:7:9: go!: /Nowhere in /Start: no state /Nowhere; the turn that gets here fails with "State not found"');
    expect(r.warnings.some((w) => w.startsWith("src/main.sc:31:5: state /Orphan is never entered"))).toBe(true);
    // intents without NLU data (src/nlu/check.ts) are reported beside them
    expect(r.warnings.some((w) => /^src\/main\.sc:56:\d+: 1 intent trigger\(s\) cannot fire/.test(w))).toBe(true);
  });
});

describe("did you mean, for a target that names no state", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "misspelt-targets-"));
  writeFileSync(path.join(dir, "chatbot.yaml"), "entryPoint: main.sc\n");
  mkdirSync(path.join(dir, "src"));
  const main = [
    "theme: /",
    "    state: Menu",
    "        q!: menu",
    "        buttons:",
    '            "Pizza" -> ./Piza',
    "        state: Pizza",
    "            a: pizza",
    "        state: Item1",
    "            a: one",
    "        state: Item2",
    "            a: two",
    "    state: Start",
    "        q!: start",
    "        go!: /Mneu",
    "        go: /Menu/Item3",
    "        go: /Elsewhere",
  ];
  writeFileSync(path.join(dir, "src/main.sc"), main.join("\n") + "\n");
  const messages = unknownTargets(loadProject(dir)).map((d) => `${where(d)} ${d.message}`);

  it("names the state one or two typos away, keeping the warning's text and place", () => {
    expect(messages).toContain('src/main.sc:14:9 go!: /Mneu in /Start: no state /Mneu; the turn that gets here fails with "State not found" (did you mean "/Menu"?)');
    expect(messages).toContain('src/main.sc:5:13 button "Pizza" -> ./Piza in /Menu: no state ./Piza (/Menu/Piza); the turn that gets here fails with "State not found" (did you mean "/Menu/Pizza"?)');
  });

  it("guesses nothing when two states are equally close or none is close", () => {
    expect(messages).toContain('src/main.sc:15:9 go: /Menu/Item3 in /Start: no state /Menu/Item3; the turn that gets here fails with "State not found"');
    expect(messages).toContain('src/main.sc:16:9 go: /Elsewhere in /Start: no state /Elsewhere; the turn that gets here fails with "State not found"');
  });
});

describe("custom tags and reachability", () => {
  it("a custom tag's startState is entered by every use of the tag: not reported as never entered", () => {
    const project = loadProject(path.resolve(import.meta.dirname, "../../test/fixtures/engine/customtags"));
    expect(unreachableStates(project)).toEqual([]);
    expect(unknownTargets(project)).toEqual([]);
  });
});
