// Inline turns on the main thread: only turns that run no user code are answered here; the rest are
// refused before any user code runs and go to a worker, with nothing of the refused run kept.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../project/loader.js";
import { emptyUserState } from "../engine/types.js";
import { InlineTurns } from "./inline.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function project(sc: string, yaml = "") {
  const dir = mkdtempSync(path.join(tmpdir(), "inline-"));
  dirs.push(dir);
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "chatbot.yaml"), `name: inline\nentryPoint: main.sc\n${yaml}`);
  writeFileSync(path.join(dir, "src", "main.sc"), sc);
  return loadProject(dir);
}

const SC = `theme: /
    state: Hello
        q!: * привет *
        a: Привет, {{$session.name || "гость"}}!
    state: Count
        q!: * добавь *
        script:
            $session.count = ($session.count || 0) + 1;
        a: {{$session.count}}
    state: Basket
        q!: * корзин* *
        script:
            // a function body of its own: locals and branches of turn data keep the context
            var basket = $session.basket || {items: [], total: 0};
            if ($parseTree._Number) basket.total += $parseTree._Number;
            $session.basket = basket;
        a: {{$session.basket.total}}
    state: Call
        q!: * погода *
        script:
            log("about to call");
            $session.weather = $http.get("http://example.test/").status;
        a: ok
    state: Mixed
        q!: * смесь *
        script:
            $session.o.n = ($session.o.n || 0) + 1;
            $session.list[1] = "x";
        script:
            log("user code");
        a: {{$session.o.n}}
    state: NoMatch
        event!: noMatch
        a: Не понял
`;

const options = (logs: string[] = []) => ({ turnCpuMs: 2000, memoryMb: 64, secrets: {}, env: {}, log: (_l: string, m: string) => logs.push(m) });

describe("inline turns", () => {
  it("answers turns of patterns, texts, turn-data templates and turn-data scripts", () => {
    const inline = InlineTurns.create(project(SC), options())!;
    const hello = inline.run({ query: "привет" }, { ...emptyUserState(), session: { name: "Ann" } });
    expect(hello?.replies.map((r) => r.text)).toEqual(["Привет, Ann!"]);
    const count = inline.run({ query: "добавь" }, { ...emptyUserState(), session: { count: 41 } });
    expect(count?.state.session.count).toBe(42);
    expect(inline.run({ query: "абракадабра" }, emptyUserState())?.replies.map((r) => r.text)).toEqual(["Не понял"]);
  });

  it("answers a turn whose script keeps locals, branches and object literals of turn data (no worker hop, no new context)", () => {
    const inline = InlineTurns.create(project(SC), options())!;
    const basket = inline.run({ query: "корзина" }, { ...emptyUserState(), session: { basket: { items: ["tea"], total: 5 } } });
    expect(basket?.replies.map((r) => r.text)).toEqual(["5"]);
    expect(basket?.state.session.basket).toEqual({ items: ["tea"], total: 5 });
    expect(inline.run({ query: "корзина" }, emptyUserState())?.state.session.basket).toEqual({ items: [], total: 0 });
  });

  it("a turn-data script evaluated on the host before a refused step leaves the stored state as it was", () => {
    const inline = InlineTurns.create(project(SC), options())!;
    const state = { ...emptyUserState(), session: { o: { n: 1 }, list: ["a"] } };
    const before = JSON.stringify(state);
    expect(inline.run({ query: "смесь" }, state)).toBeUndefined();
    expect(JSON.stringify(state)).toBe(before);
  });

  it("refuses a turn that would run user code before it runs, and keeps none of its logs", () => {
    const logs: string[] = [];
    const inline = InlineTurns.create(project(SC), options(logs))!;
    expect(inline.run({ query: "погода" }, emptyUserState())).toBeUndefined();
    expect(logs).toEqual([]);
    // The main thread's context stays clean: the next inline turn is served as before.
    expect(inline.run({ query: "привет" }, emptyUserState())?.replies.map((r) => r.text)).toEqual(["Привет, гость!"]);
  });

  it("is off for a project whose triggers use $regexp (matching may backtrack; only a worker can be stopped)", () => {
    const sc = `theme: /\n    state: R\n        q!: $regexp<(a+)+b>\n        a: r\n`;
    expect(InlineTurns.create(project(sc), options())).toBeUndefined();
  });

  // Fifth red-team round: every spelling the pattern parser takes for a regexp keeps turns off the
  // main thread (a textual `$regexp` check let `$regex<(a+)+b>` backtrack there, stalling every user).
  it.each([
    ["$regex", `theme: /\n    state: R\n        q!: $regex<(a+)+b>\n        a: r\n`],
    ["$Regex_i with a space", `theme: /\n    state: R\n        q!: $Regex_i <(a+)+b>\n        a: r\n`],
    ["a named pattern", `patterns:\n    $Slow = $regex<(a+)+b>\ntheme: /\n    state: R\n        q!: $Slow\n        a: r\n`],
  ])("is off for a project with a regexp spelled %s", (_name, sc) => {
    expect(InlineTurns.create(project(sc), options())).toBeUndefined();
  });

  it("is off for a project whose NLU data has a regexp in an entity pattern, however the JSON spells it", () => {
    const p = project(`theme: /\n    state: R\n        q!: привет\n        a: r\n`);
    const nlu = { intents: [{ path: "/Buy", phrases: [], patterns: ["купи @Code"] }], entities: [{ entity: { name: "Code" }, records: [{ type: "pattern", rule: ["$regexp<(a+)+b>"], value: "x" }] }] };
    writeFileSync(path.join(p.dir, "nlu.json"), JSON.stringify(nlu).replace("$regexp", "\\u0024regexp"));
    expect(InlineTurns.create(p, options())).toBeUndefined();
  });

  it("stays on for a project whose only `$regexp` text is a word in a pattern's answer", () => {
    const sc = `theme: /\n    state: R\n        q!: привет\n        a: use $regexp<x> in patterns\n`;
    expect(InlineTurns.create(project(sc), options())).toBeDefined();
  });

  // Sixth red-team round: matching costs the square of the text for an entity such as `$Number`
  // (`1 1 1 …`: 6,400 characters took 0.47 s here), and nothing on the main thread can stop it.
  it("hands a text over 400 characters that the project will match to a worker, and answers it when it will not", () => {
    const sc = `theme: /\n    state: N\n        q!: * $Number *\n        a: number\n    state: X\n        event!: noMatch\n        a: other\n`;
    const long = "1 ".repeat(201); // 402 characters
    const unlimited = InlineTurns.create(project(sc, "nlp:\n  lengthLimit:\n    enabled: false\n"), options())!;
    expect(unlimited.run({ query: "1 ".repeat(200) }, emptyUserState())?.replies.map((r) => r.text)).toEqual(["number"]);
    expect(unlimited.run({ query: long }, emptyUserState())).toBeUndefined();
    // Over the project's own limit nothing is matched (the lengthLimit event or silence): answered here.
    const limited = InlineTurns.create(project(sc), options())!;
    expect(limited.run({ query: long }, emptyUserState())?.replies).toEqual([]);
  });
});
