// The explained turn (docs/engine.md): built only when asked, with the candidates, the winner and
// why, transitions, logs, errors with file:line:col and the session diff — real loader and engine.
import { describe, expect, it } from "vitest";
import { harness, type Harness } from "../../test/fixtures/engine/harness.js";
import type { BotRequest, TurnResult } from "./types.js";
import { formWords, jsonDiff, type TurnExplanation } from "./explain.js";
import { explainMismatch, formatExplanation } from "./explain-text.js";

const explain = (h: Harness, request: BotRequest | string): TurnExplanation => {
  const req = typeof request === "string" ? { query: request } : request;
  const r: TurnResult = h.engine.process(req, h.state, { explain: true });
  h.state = r.state;
  expect(r.explanation, "explanation").toBeDefined();
  return r.explanation!;
};

/** A harness standing in /Menu (after "start"). */
const inMenu = (): Harness => {
  const h = harness("explain");
  h.send("start");
  expect(h.state.contextPath).toBe("/Menu");
  return h;
};

describe("the explained turn", () => {
  it("is not built unless asked, and asking does not change the turn", () => {
    const a = inMenu();
    const plain = a.send({ query: "order pizza", intent: { path: "/Order", score: 0.9 } });
    expect(plain.explanation).toBeUndefined();
    const b = inMenu();
    const withWhy = b.engine.process({ query: "order pizza", intent: { path: "/Order", score: 0.9 } }, b.state, { explain: true });
    const { explanation: _e, ...rest } = withWhy;
    expect(rest).toEqual(plain);
  });

  it("a global pattern above the patterns threshold beats the local intent", () => {
    const h = inMenu();
    const e = explain(h, { query: "купить слонов", intent: { path: "/Order", score: 0.9 } });
    expect(e.input).toEqual({ kind: "text", query: "купить слонов", intent: { path: "/Order", score: 0.9 } });
    expect(e.decidedBy).toBe("text");
    expect(e.winner).toMatchObject({ kind: "pattern", tag: "q!", trigger: "купить слонов", state: "/Buy", at: "src/main.sc:24", tier: 1000, locality: "global", score: 1, selected: true });
    expect(e.runnerUp).toMatchObject({ kind: "intent", trigger: "/Order", state: "/Menu/Order", at: "src/main.sc:13", tier: 0, score: 0.9, intent: { path: "/Order", source: "request" } });
    expect(e.candidates.map((c) => `${c.kind} ${c.target}`)).toEqual(["pattern /Buy", "intent /Menu/Order"]);
    expect(e.why).toContain("a matching pattern beats the intent /Order");
  });

  it("a matching pattern beats the local intent even with a lower score: the thresholds filter intents only", () => {
    const h = inMenu();
    const e = explain(h, { query: "order pizza", intent: { path: "/Order", score: 0.9 } });
    expect(e.thresholds).toEqual({ patterns: 0.6, phrases: 0.3 });
    expect(e.winner).toMatchObject({ kind: "pattern", trigger: "order *", score: 0.5, tier: 1000, formWords: ["pizza"] });
    expect(e.runnerUp).toMatchObject({ kind: "intent", target: "/Menu/Order", tier: 0, locality: "under /Menu, the context itself" });
    expect(e.why).toContain("a matching pattern beats the intent /Order");
  });

  it("the local intent wins when no pattern matches", () => {
    const h = inMenu();
    const e = explain(h, { query: "something else entirely", intent: { path: "/Order", score: 0.9 } });
    expect(e.winner).toMatchObject({ kind: "intent", target: "/Menu/Order", tier: 0, locality: "under /Menu, the context itself" });
    expect(e.why.join("\n")).toMatch(/fires for intent \/Order \(score 0\.90 ≥ phrases threshold 0\.30, given by the channel\), tier 0/);
    expect(e.why).toContain("no pattern matched");
    expect(e.target).toBe("/Menu/Order");
    expect(e.context).toEqual({ before: "/Menu", after: "/Menu/Order" });
  });

  it("an intent under the phrases threshold is listed as skipped", () => {
    const h = inMenu();
    const e = explain(h, { query: "help", intent: { path: "/Order", score: 0.1 } });
    expect(e.winner).toMatchObject({ kind: "pattern", target: "/Help" });
    expect(e.candidates.find((c) => c.kind === "intent")).toMatchObject({ target: "/Menu/Order", skipped: "score 0.10 < phrases threshold 0.30" });
    expect(e.runnerUp).toBeUndefined(); // a skipped candidate is never the runner-up
  });

  it("in a modal state, globals that match are shown as ignored and noMatch of the modal state takes the text", () => {
    const h = harness("explain");
    h.send("ask");
    const e = explain(h, "help");
    expect(e.context.modal).toBe("/Ask");
    expect(e.why[0]).toBe("the context is inside the modal state /Ask: only its own triggers count");
    expect(e.candidates.find((c) => c.target === "/Help")).toMatchObject({ kind: "pattern", skipped: "outside the modal state /Ask" });
    expect(e.winner).toMatchObject({ kind: "fallback", tag: "event", trigger: "noMatch", state: "/Ask/Other", tier: 0 });
    expect(e.why.at(-1)).toBe("nothing was selected: the nearest noMatch event trigger takes the text (src/main.sc:48)");
    expect(e.replies.map((r) => r.text)).toEqual(["say yes"]);
  });

  it("a script error carries file:line:col and the path that handled it", () => {
    const h = harness("explain");
    const e = explain(h, "broken");
    expect(e.errors).toEqual([
      { kind: "script", message: "TypeError: Cannot read properties of null (reading 'size')", at: "src/helpers.js:3:17", state: "/Broken", handledBy: "nothing (no handler, no messages.onError)" },
    ]);
    expect(e.logs).toContainEqual({ level: "error", message: "src/helpers.js:3: TypeError: Cannot read properties of null (reading 'size')", source: "engine", state: "/Broken" });
  });

  it("records transitions with file:line, script logs and the $session/$client diff", () => {
    const h = harness("explain");
    h.state = { ...h.state, session: { stale: true, keep: 1 } };
    const first = explain(h, "купить слонов");
    expect(first.executed).toEqual(["/Buy", "/Buy/Done"]);
    expect(first.transitions).toEqual([{ kind: "go!", from: "/Buy", to: "/Buy/Done", at: "src/main.sc:31:9" }]);
    expect(first.logs).toEqual([{ level: "info", message: "bought 1", source: "script", state: "/Buy" }]);
    expect(first.session).toEqual([
      { path: "stale", op: "removed", before: true },
      { path: "cart", op: "added", after: { elephant: 1 } },
    ]);
    expect(first.client).toEqual([{ path: "name", op: "added", after: "Ann" }]);
    const second = explain(h, "купить слонов");
    expect(second.session).toEqual([{ path: "cart.elephant", op: "changed", before: 1, after: 2 }]);
    expect(second.client).toEqual([]);
  });

  it("a deferred go: and an event request", () => {
    const h = harness("explain");
    const start = explain(h, "start");
    expect(start.transitions).toEqual([{ kind: "go", from: "/Start", to: "/Menu", at: "src/main.sc:8:9" }]);
    expect(start.context).toEqual({ before: "/", after: "/Menu" });
    const ev = explain(h, { event: "unknownEvent" });
    expect(ev.decidedBy).toBe("event");
    expect(ev.winner).toMatchObject({ kind: "fallback", trigger: "noMatch", state: "/NoMatch", locality: "global" });
    expect(ev.why).toEqual(["no active trigger for event unknownEvent: the nearest noMatch takes it"]);
  });
});

describe("handlers in the explained turn", () => {
  it("shows the text matching saw after preMatch rewrote it", () => {
    const h = harness("handlers");
    const e = explain(h, "rewrite me");
    expect(e.input).toMatchObject({ query: "rewrite me", matchedQuery: "hello" });
    expect(e.winner).toMatchObject({ kind: "pattern", target: "/Hello" });
  });

  it("says when $temp.targetState set in preMatch skipped matching", () => {
    const h = harness("handlers");
    const e = explain(h, "force");
    expect(e.decidedBy).toBe("$temp.targetState");
    expect(e.candidates).toEqual([]);
    expect(e.target).toBe("/Forced");
  });

  it("says when a selectNLUResult handler overrode the default ranking", () => {
    const h = harness("handlers");
    const e = explain(h, { query: "both", intent: { path: "/both", score: 0.9 }, data: { preferIntent: true } });
    expect(e.decidedBy).toBe("selectNLUResult");
    expect(e.why.at(-1)).toBe("a selectNLUResult handler changed the selection from pattern → /PatternBoth to intent → /IntentBoth");
    expect(e.winner).toMatchObject({ kind: "intent", target: "/IntentBoth", selected: true });
    expect(e.candidates.filter((c) => c.selected)).toHaveLength(1);
  });
});

describe("the explained turn in words", () => {
  it("a failed step: the state that won, what happened to the expected one, the reasons", () => {
    const h = inMenu();
    const e = explain(h, { query: "help", intent: { path: "/Order", score: 0.1 } });
    const lines = explainMismatch(e, "/Menu/Order");
    expect(lines[0]).toBe("why: /Help won — q!: help → /Help (src/main.sc:52, global, score 1, weight 1.00)");
    expect(lines[1]).toBe(
      "  expected /Menu/Order: intent: /Order → /Menu/Order (src/main.sc:13, under /Menu, the context itself, score 0.10) — skipped: score 0.10 < phrases threshold 0.30",
    );
    expect(lines.some((l) => l.startsWith("  runner-up"))).toBe(false);
  });

  it("the /why block", () => {
    const h = harness("explain");
    h.state = { ...h.state, session: { stale: true } };
    const lines = formatExplanation(explain(h, "купить слонов"));
    expect(lines).toEqual([
      'turn: text "купить слонов" in /',
      "decided by: text (thresholds: patterns 0.60, phrases 0.30)",
      "candidates:",
      "  ✓ q!: купить слонов → /Buy (src/main.sc:24, global, score 1, weight 1.00)",
      "why:",
      "  - q!: купить слонов (src/main.sc:24) is the only matching pattern: weight 1.00 = score 1 + context bonus for tier 1000",
      "transition: go! /Buy → /Buy/Done (src/main.sc:31:9)",
      "executed: /Buy → /Buy/Done; context / → /Buy/Done",
      "log [info] bought 1 (/Buy)",
      '$session: -stale; +cart = {"elephant":1}',
      '$client: +name = "Ann"',
    ]);
  });
});

describe("jsonDiff", () => {
  it("diffs objects key by key and anything else whole", () => {
    expect(jsonDiff({ a: 1, b: { c: [1] }, "x y": 1 }, { a: 1, b: { c: [1, 2] }, d: null })).toEqual([
      { path: "b.c", op: "changed", before: [1], after: [1, 2] },
      { path: '["x y"]', op: "removed", before: 1 },
      { path: "d", op: "added", after: null },
    ]);
    expect(jsonDiff(1, 2)).toEqual([{ path: "(whole)", op: "changed", before: 1, after: 2 }]);
  });
});

describe("formWords", () => {
  it("lists the matched words the pattern does not spell out", () => {
    expect(formWords("хочу (купить|приобрести) слон* *", ["хочу", "купить", "слонов", "сейчас"])).toEqual(["слонов", "сейчас"]);
    expect(formWords("хочу ~купить $Number", ["хочу", "купил", "5"])).toEqual(["купил", "5"]);
    expect(formWords("Ёлка зелёная", ["елка", "зеленая"])).toEqual([]);
  });
});
