// End-to-end tests of bind() handlers and the error path (§4.9) and messages.onError.
import { describe, expect, it } from "vitest";
import { harness } from "../../test/fixtures/engine/harness.js";

describe("preMatch", () => {
  it("$temp.targetState forces the target and skips matching", () => {
    const h = harness("handlers");
    const r = h.send("force");
    expect(h.texts(r)).toEqual(["forced"]);
    expect(r.classifiedState).toBe("/Forced");
  });

  it("rewrites $request.query with nlp.modifyRequestInPreMatch", () => {
    const h = harness("handlers");
    expect(h.send("rewrite me").classifiedState).toBe("/Hello");
  });
});

describe("selectNLUResult", () => {
  it("without the handler's intervention the pattern wins", () => {
    const h = harness("handlers");
    expect(h.send({ query: "both", intent: { path: "/both", score: 0.9 } }).classifiedState).toBe("/PatternBoth");
  });

  it("may replace the selected hypothesis", () => {
    const h = harness("handlers");
    const r = h.send({ query: "both", intent: { path: "/both", score: 0.9 }, data: { preferIntent: true } });
    expect(r.classifiedState).toBe("/IntentBoth");
  });

  it("runs when something was recognised", () => {
    const h = harness("handlers");
    h.send("picky");
    expect(h.texts(h.send("yes"))).toEqual(["picked /Picky/Yes"]);
  });

  it("does not run when nothing was recognised: the text goes to noMatch", () => {
    const h = harness("handlers");
    h.send("picky");
    const r = h.send("абырвалг");
    expect(h.texts(r)).toEqual(["not understood"]);
    expect(r.classifiedState).toBe("/Picky/CatchAll");
  });
});

describe("preProcess", () => {
  it("its replies come before the state's replies", () => {
    const h = harness("handlers");
    expect(h.texts(h.send("guarded"))).toEqual(["pre /Guarded", "guarded body"]);
  });

  it("redirects through $temp.targetState", () => {
    const h = harness("handlers");
    h.state = { ...h.state, session: { blocked: true } };
    const r = h.send("guarded");
    expect(h.texts(r)).toEqual(["pre /Guarded", "blocked"]);
    expect(r.classifiedState).toBe("/Blocked");
  });

  it("redirects through $reactions.transition", () => {
    const h = harness("handlers");
    expect(h.texts(h.send("redirected"))).toEqual(["blocked"]);
  });

  it("runs only for states inside its path", () => {
    const h = harness("handlers");
    expect(h.texts(h.send("hello"))).toEqual(["hello there"]);
  });
});

describe("postProcess", () => {
  it("runs after the reactions for the state where processing ended", () => {
    const h = harness("handlers");
    const r = h.send("post");
    expect(h.texts(r)).toEqual(["post body", "post /Post", "post second"]);
    expect(r.replies[1]!.state).toBe("/Post");
  });

  it("a transition runs another state", () => {
    const h = harness("handlers");
    const r = h.send("postonce");
    expect(h.texts(r)).toEqual(["once body", "post target"]);
    expect(r.finalState).toBe("/PostTarget");
    expect(r.state.contextPath).toBe("/PostTarget");
  });

  it("more than five transitions is an infinite loop (onAnyError path)", () => {
    const h = harness("handlers");
    const r = h.send("loop");
    expect(r.error?.message).toBe("Infinite loop was detected for state /Loop/Again in postProcess transition");
    const texts = h.texts(r);
    expect(texts.filter((t) => t === "again")).toHaveLength(5);
    expect(texts.at(-1)).toBe("any error: Infinite loop was detected for state /Loop/Again in postProcess transition");
  });
});

describe("error handlers", () => {
  it("onScriptError sees the thrown fields; postProcess still runs", () => {
    const h = harness("handlers");
    const r = h.send("scripted");
    expect(h.texts(r)).toEqual(["script error 500", "post after script error"]);
    expect(r.error?.kind).toBe("script");
  });

  it("onAnyError handles a script error outside onScriptError's path; postProcess does not run", () => {
    const h = harness("handlers");
    const r = h.send("other");
    const texts = h.texts(r);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^any error: .*undefinedFunction/);
    expect(r.error?.kind).toBe("script");
  });

  it("onDialogError handles engine errors in its path", () => {
    const h = harness("handlers");
    const r = h.send("dialog");
    expect(h.texts(r)).toEqual(["dialog error: State not found for path /Nowhere"]);
    expect(r.error?.kind).toBe("dialog");
  });

  it("onAnyError handles `No target state was determined`", () => {
    const h = harness("handlers");
    const r = h.send("gibberish");
    expect(h.texts(r)).toEqual(['any error: No target state was determined for query "gibberish"']);
  });
});

describe("messages.onError", () => {
  it("answers with defaultMessage without handlers", () => {
    const h = harness("onerror");
    const r = h.send("boom");
    expect(h.texts(r)).toEqual(["Something broke"]);
    expect(r.error).toMatchObject({ kind: "script" });
    expect(r.error!.message).toContain("kaput");
  });

  it("is localised by $request.language", () => {
    const h = harness("onerror");
    expect(h.texts(h.send({ query: "boom", language: "en" }))).toEqual(["Something broke (en)"]);
  });

  it("picks one of defaultMessages with services.random", () => {
    const h = harness("onerror-random");
    h.randoms.push(1);
    expect(h.texts(h.send("boom"))).toEqual(["second apology"]);
  });

  it("stays silent after the error without messages.onError (replies made before are kept)", () => {
    const h = harness("silent");
    const r = h.send("boom");
    expect(h.texts(r)).toEqual(["before boom"]);
    expect(r.error?.kind).toBe("script");
  });
});

describe("limits", () => {
  it("a script over the CPU limit takes the script error path with kind limit", () => {
    const h = harness("onerror", { cpuMs: 100 });
    const r = h.send("spin");
    expect(r.error?.kind).toBe("limit");
    expect(h.texts(r)).toEqual(["Something broke"]);
  });
});

describe("newSession variants", () => {
  it("without a message the new session runs only the root state", () => {
    const h = harness("handlers");
    h.send("hello");
    const before = h.state.sessionId;
    const r = h.send("renew");
    expect(h.texts(r)).toEqual(["renewing"]);
    expect(r.newSession).toEqual({ data: { from: "renew" } });
    expect(r.endSession).toBe(true);
    expect(r.finalState).toBe("/");
    expect(r.state.contextPath).toBe("/");
    expect(r.state.sessionId).not.toBe(before);
  });

  it("deferred = true finishes the turn and stores a fresh session", () => {
    const h = harness("handlers");
    h.state = { ...h.state, session: { keep: 1 } };
    const r = h.send("renew later");
    expect(h.texts(r)).toEqual(["still answering"]);
    expect(r.endSession).toBe(true);
    expect(r.state.session).toEqual({ contextPath: "/" });
    expect(r.state.contextPath).toBe("/");
  });
});
