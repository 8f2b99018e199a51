// End-to-end dispatch tests: locality (§4.3), noContext (§13), modal, fromState/toState, events,
// intents, buttons — real loader, pattern engine and script host.
import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { at, harness } from "../../test/fixtures/engine/harness.js";

describe("locality §4.3", () => {
  const cases: [string, string, string][] = [
    ["sibling", "/Start/A", "/Start/B"],
    ["parent → child", "/Start", "/Start/A"],
    ["child → any ancestor", "/Start/A/A1/A1x", "/Start/A"],
    ["child → uncle", "/Start/A/A1", "/Start/B"],
  ];
  const words: Record<string, string> = { "/Start/A": "alpha", "/Start/B": "beta" };
  for (const [name, context, target] of cases) {
    it(`allows ${name}`, () => {
      const h = at("locality", context);
      const r = h.send(words[target]!);
      expect(r.classifiedState).toBe(target);
      expect(r.state.contextPath).toBe(target);
    });
  }

  it("forbids parent → grandchild", () => {
    const h = at("locality", "/Start");
    const r = h.send("deep");
    expect(r.classifiedState).toBe("/NoMatch");
    expect(h.texts(r)).toEqual(["nomatch"]);
  });

  it("forbids state → child of a sibling", () => {
    const h = at("locality", "/Start/A");
    expect(h.send("bone").classifiedState).toBe("/NoMatch");
  });

  it("keeps local triggers of top-level states active everywhere", () => {
    expect(at("locality", "/Start/A/A1/A1x").send("top").classifiedState).toBe("/Top");
  });

  it("ranks a child of the context above a global with the same pattern", () => {
    expect(at("locality", "/Start").send("hello").classifiedState).toBe("/Start/Hi");
    expect(at("locality", "/").send("hello").classifiedState).toBe("/GlobalHello");
  });
});

describe("noContext (§13 worked example)", () => {
  it("keeps the previous context after a noContext catch-all", () => {
    const h = harness("nocontext");
    const start = h.send("/start");
    expect(h.texts(start)).toEqual(["Do you agree?"]);
    expect(start.classifiedState).toBe("/Rules");
    expect(start.finalState).toBe("/Rules/Agree");
    expect(h.state.contextPath).toBe("/Rules/Agree");
    expect(h.state.session.contextPath).toBe("/Rules/Agree");

    const what = h.send("что?");
    expect(what.classifiedState).toBe("/CatchAll");
    expect(h.state.contextPath).toBe("/Rules/Agree");

    const no = h.send("нет");
    expect(no.classifiedState).toBe("/Rules/Agree/No");
    expect(h.texts(no)).toEqual(["Pity"]);
  });

  it("without noContext the catch-all takes the context and answers again", () => {
    const h = harness("nocontext-off");
    h.send("/start");
    h.send("что?");
    expect(h.state.contextPath).toBe("/CatchAll");
    const no = h.send("нет");
    expect(no.classifiedState).toBe("/CatchAll");
    expect(h.texts(no)).toEqual(["I did not understand"]);
  });
});

describe("modal", () => {
  it("blocks globals and other states while in the modal state or its direct child", () => {
    const h = at("modal", "/Ask");
    const help = h.send("help");
    expect(help.error?.kind).toBe("dialog");
    expect(help.error?.message).toMatch(/^No target state was determined for query/);
    expect(help.replies).toEqual([]);
    expect(at("modal", "/Ask").send("top").error?.kind).toBe("dialog");
    expect(at("modal", "/Ask/Yes").send("help").error?.kind).toBe("dialog");
  });

  it("lets the modal state's children and fromState triggers naming it through", () => {
    expect(at("modal", "/Ask").send("yes").classifiedState).toBe("/Ask/Yes");
    expect(at("modal", "/Ask").send("escape").classifiedState).toBe("/Escape");
  });

  it("uses the modal state's local catch-all", () => {
    const r = at("modal", "/Strict").send("help");
    expect(r.classifiedState).toBe("/Strict/Catch");
    expect(r.error).toBeUndefined();
  });

  it("has no effect outside the modal state", () => {
    expect(at("modal", "/").send("help").classifiedState).toBe("/Help");
  });
});

describe("fromState / onlyThisState / toState", () => {
  it("toState: active in the declaring state and inside it; goes to the target", () => {
    expect(at("triggers", "/Menu").send("back").classifiedState).toBe("/Home");
    expect(at("triggers", "/Menu/Sub/Leaf").send("back").classifiedState).toBe("/Home");
    expect(at("triggers", "/").send("back").classifiedState).toBe("/NoMatch");
  });

  it("fromState replaces locality, even for a global trigger", () => {
    expect(at("triggers", "/Menu/Sub").send("inside").classifiedState).toBe("/InMenu");
    expect(at("triggers", "/").send("inside").classifiedState).toBe("/NoMatch");
  });

  it("onlyThisState restricts to the exact state", () => {
    expect(at("triggers", "/Menu").send("exact").classifiedState).toBe("/OnlyMenu");
    expect(at("triggers", "/Menu/Sub").send("exact").classifiedState).toBe("/NoMatch");
  });
});

describe("events", () => {
  it("dispatches an event to its trigger with $request.data", () => {
    const h = harness("flow");
    const r = h.send({ event: "custom", data: { eventData: { x: 42 } } });
    expect(h.texts(r)).toEqual(["custom event 42"]);
    expect(r.replies[0]!.state).toBe("/Custom");
  });

  it("falls back to noMatch for an unhandled event", () => {
    const h = harness("flow");
    expect(h.send({ event: "unknownEvent" }).classifiedState).toBe("/NoMatch");
  });

  it("is silent for an unhandled event without noMatch", () => {
    const h = harness("silent");
    const r = h.send({ event: "unknownEvent" });
    expect(r.replies).toEqual([]);
    expect(r.error).toBeUndefined();
  });

  it("sends unmatched text to noMatch with $parseTree.text", () => {
    const h = harness("flow");
    expect(h.texts(h.send("qwerty uiop"))).toEqual(["sorry qwerty uiop"]);
  });

  it("reports No target state when nothing handles unmatched text", () => {
    const h = harness("silent");
    const r = h.send("qwerty");
    expect(r.error).toMatchObject({ kind: "dialog" });
    expect(r.error!.message).toContain("No target state was determined for query");
    expect(r.replies).toEqual([]);
  });

  it("fires lengthLimit for a text longer than nlp.lengthLimit", () => {
    const h = harness("flow");
    expect(h.texts(h.send("hello ".repeat(20)))).toEqual(["too long"]);
  });

  it("a negative lengthLimit (words: -1, symbols: -1) means no limit", () => {
    const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine");
    const dir = mkdtempSync(path.join(tmpdir(), "flow-"));
    cpSync(path.join(fixtures, "flow"), dir, { recursive: true });
    writeFileSync(path.join(dir, "chatbot.yaml"), "entryPoint: main.sc\nnlp:\n  lengthLimit:\n    enabled: true\n    symbols: -1\n    words: -1\n");
    const h = harness(path.relative(fixtures, dir));
    expect(h.texts(h.send("hello ".repeat(20)))).not.toEqual(["too long"]);
  });
});

describe("intents from request.intent", () => {
  it("matches intent! and fills $context.intent and $parseTree slots", () => {
    const h = harness("flow");
    const r = h.send({ query: "what is the weather", intent: { path: "/weather", score: 0.9, slots: { city: "Moscow" } } });
    expect(h.texts(r)).toEqual(["weather /weather in Moscow"]);
  });

  it("matches intentGroup! by prefix", () => {
    const h = harness("flow");
    expect(h.texts(h.send({ query: "x", intent: { path: "/faq/price" } }))).toEqual(["faq /faq/price"]);
  });

  it("ignores an intent below the threshold", () => {
    const h = harness("flow");
    expect(h.send({ query: "zzz", intent: { path: "/weather", score: 0.1 } }).classifiedState).toBe("/NoMatch");
  });
});

describe("buttons §2.10", () => {
  it("builds reply shapes with resolved transitions and remembers them", () => {
    const h = harness("flow");
    const r = h.send("menu");
    expect(r.replies.map((x) => x.type)).toEqual(["text", "buttons", "inlineButtons"]);
    expect(r.replies[1]).toEqual({
      type: "buttons",
      buttons: [{ text: "Pizza", transition: "/Menu/Pizza" }, { text: "Help", transition: "/Help" }, { text: "Plain" }, { text: "Phone", request_contact: true }],
      state: "/Menu",
    });
    expect(r.replies[2]).toEqual({ type: "inlineButtons", buttons: [{ text: "Site", url: "https://example.com" }], state: "/Menu" });
    expect(r.state.lastButtons).toEqual({ pizza: "/Menu/Pizza", help: "/Help" });
  });

  it("a text equal to a button (trimmed, any case) goes to its transition", () => {
    const h = harness("flow");
    h.send("menu");
    const r = h.send("  PIZZA ");
    expect(r.classifiedState).toBe("/Menu/Pizza");
    expect(h.texts(r)).toEqual(["pizza!"]);
    expect(r.state.lastButtons).toBeUndefined();
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])("text %s after buttons is plain text, not an inherited button", (text) => {
    const h = harness("flow");
    h.send("menu");
    const r = h.send(text);
    expect(r.error).toBeUndefined();
    expect(r.classifiedState).not.toBe(undefined);
  });

  it("button memory lasts one turn", () => {
    const h = harness("flow");
    h.send("menu");
    h.send("hello");
    expect(h.send("pizza").classifiedState).toBe("/NoMatch");
  });
});
