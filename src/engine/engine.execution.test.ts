// End-to-end execution tests: reactions, transitions, context after the request, timeouts, random,
// sessions (§4.6–§4.8, §5.13) — real loader, pattern engine and script host.
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { harness } from "../../test/fixtures/engine/harness.js";
import { loadProject } from "../project/loader.js";
import { createEngine } from "./index.js";
import { emptyUserState, type BotRequest, type HostServices, type UserState } from "./types.js";

describe("go! vs go", () => {
  it("go! runs the target now and skips the rest of the state", () => {
    const h = harness("flow");
    const r = h.send("jump");
    expect(h.texts(r)).toEqual(["before", "target"]);
    expect(r.replies.map((x) => x.state)).toEqual(["/Jump", "/Target"]);
    expect(r.classifiedState).toBe("/Jump");
    expect(r.finalState).toBe("/Target");
    expect(r.state.contextPath).toBe("/Target");
  });

  it("go runs nothing now; the target becomes the next context", () => {
    const h = harness("flow");
    const r = h.send("defer");
    expect(h.texts(r)).toEqual(["deferred", "after go"]);
    expect(r.finalState).toBe("/Defer");
    expect(r.state.contextPath).toBe("/Target");
    expect(h.texts(h.send("child"))).toEqual(["child reached"]);
  });

  it("a transition inside a script finishes the block, then skips the state's remaining reactions", () => {
    const h = harness("flow");
    const r = h.send("scriptjump");
    expect(h.texts(r)).toEqual(["arrived yes"]);
    expect(r.finalState).toBe("/ScriptTarget");
  });

  it("transition({deferred: true}) keeps running the state and sets the next context", () => {
    const h = harness("flow");
    const r = h.send("scriptdefer");
    expect(h.texts(r)).toEqual(["still here"]);
    expect(r.state.contextPath).toBe("/Target");
  });

  it("resolves ./X, ../X relative to the executing state", () => {
    const h = harness("flow");
    const r = h.send("relative");
    expect(h.texts(r)).toEqual(["inner", "sibling /Relative/Sibling"]);
    expect(r.finalState).toBe("/Relative/Sibling");
  });

  it("an unknown target is a dialog error `State not found for path`", () => {
    const h = harness("flow");
    const r = h.send("lost");
    expect(r.error).toMatchObject({ kind: "dialog" });
    expect(r.error!.message).toContain("State not found for path /Nowhere");
    expect(h.texts(r)).toEqual(["about to fail"]);
  });

  it("stops endless go! chains", () => {
    const h = harness("flow");
    const r = h.send("loop");
    expect(r.error?.kind).toBe("dialog");
    expect(r.error!.message).toMatch(/Infinite loop was detected for state \/Loop[AB]/);
  });
});

describe("reactions", () => {
  it("if/elseif/else picks the first true branch and go! inside a branch stops the state", () => {
    const h = harness("flow");
    expect(h.texts(h.send("branch left"))).toEqual(["went left", "branch done"]);
    expect(h.texts(h.send("branch up"))).toEqual(["went nowhere", "branch done"]);
    expect(h.texts(h.send("branch right"))).toEqual(["went right", "target"]);
  });

  it("random: runs exactly one option chosen by services.random", () => {
    const h = harness("flow");
    h.randoms.push(2);
    expect(h.texts(h.send("roll"))).toEqual(["three"]);
    h.randoms.push(1);
    expect(h.texts(h.send("roll"))).toEqual(["two"]);
  });

  it("a: renders {{}} in text, tts and markdown; \\n is a line break", () => {
    const h = harness("flow");
    const r = h.send("tts");
    expect(r.replies).toEqual([{ type: "text", text: "Line1\nLine2 2", tts: "say 4", markdown: "**x**", state: "/Tts" }]);
  });

  it("image and audio replies", () => {
    const h = harness("flow");
    const r = h.send("media");
    expect(r.replies).toEqual([
      { type: "image", imageUrl: "https://example.com/a.png", hash: "h1", state: "/Media" },
      { type: "audio", audioUrl: "https://example.com/a.mp3", state: "/Media" },
    ]);
  });

  it("fills $context.nluResults and $context.nBest", () => {
    const h = harness("flow");
    expect(h.texts(h.send("nlu test"))).toEqual(["/Nlu|pattern|nlu *|1|true|true"]);
  });
});

describe("timeouts §4.8", () => {
  it("timeout: adds a timeout reply and sets the pending timeout", () => {
    const h = harness("flow");
    const r = h.send("wait");
    expect(r.timeout).toEqual({ interval: 2, targetState: "/Wait/Late" });
    expect(r.replies[1]).toEqual({ type: "timeout", interval: 2, targetState: "/Wait/Late", state: "/Wait" });
    expect(r.state.pendingTimeout).toMatchObject({ interval: 2, targetState: "/Wait/Late" });
  });

  it("a timeout request fires the pending timeout", () => {
    const h = harness("flow");
    h.send("wait");
    const r = h.send({ timeout: true });
    expect(h.texts(r)).toEqual(["too late"]);
    expect(r.classifiedState).toBe("/Wait/Late");
    expect(r.state.pendingTimeout).toBeUndefined();
  });

  it("any new request cancels it", () => {
    const h = harness("flow");
    h.send("wait");
    expect(h.send("hello").state.pendingTimeout).toBeUndefined();
    const r = h.send({ timeout: true });
    expect(r.replies).toEqual([]);
    expect(r.classifiedState).toBeUndefined();
  });

  it("$reactions.timeout from a script is normalised to seconds", () => {
    const h = harness("flow");
    expect(h.send("later").timeout).toEqual({ interval: 60, targetState: "/Help" });
  });
});

describe("sessions §5.13", () => {
  it("keeps $session between turns and mirrors contextPath into it", () => {
    const h = harness("flow");
    h.send("remember");
    const r = h.send("hello");
    expect(r.state.session).toMatchObject({ mark: "kept", count: 1, contextPath: "/Hello" });
    expect(r.endSession).toBe(false);
  });

  it("stopSession ends the session: cleared $session, the next request gets a new session id", () => {
    const h = harness("flow");
    h.send("hello");
    const before = h.state.sessionId;
    expect(before).toBeTruthy();
    const r = h.send("stop");
    expect(h.texts(r)).toEqual(["bye"]);
    expect(r.endSession).toBe(true);
    expect(r.state.session.x).toBeUndefined();
    expect(r.state.session.count).toBeUndefined();
    const next = h.send("hello");
    expect(next.state.sessionId).toBeTruthy();
    expect(next.state.sessionId).not.toBe(before);
    expect(h.texts(next)).toEqual(["hi 1"]);
  });

  it("startSession: this exchange already belongs to a new session", () => {
    const h = harness("flow");
    h.send("hello");
    const before = h.state.sessionId;
    const r = h.send("restart");
    expect(r.endSession).toBe(true);
    expect(r.state.sessionId).toBeTruthy();
    expect(r.state.sessionId).not.toBe(before);
    expect(r.state.session.count).toBeUndefined();
  });

  it("$response.endSession ends the session", () => {
    const h = harness("flow");
    expect(h.send("end").endSession).toBe(true);
  });

  it("newSession: processes the message in a fresh session", () => {
    const h = harness("flow");
    h.send("hello");
    h.send("hello");
    const before = h.state.sessionId;
    const r = h.send("fresh");
    expect(r.newSession).toEqual({ message: "hello" });
    expect(r.endSession).toBe(true);
    expect(h.texts(r)).toEqual(["old session reply", "hi 1"]);
    expect(r.classifiedState).toBe("/Fresh");
    expect(r.finalState).toBe("/Hello");
    expect(r.state.sessionId).not.toBe(before);
    expect(r.state.contextPath).toBe("/Hello");
  });
});

describe("custom tags (chatbot.yaml customTags)", () => {
  it("a use of the tag goes to its startState with the parameters in $request.data.args, as strings", () => {
    const h = harness("customtags");
    const r = h.send("plain");
    expect(h.texts(r)).toEqual(["before the tag", "hello world x2 (string) none loud="]);
    expect(r.finalState).toBe("/Tags/Greet");
  });

  it("renders {{ }}, parses JSON-typed values and resolves state parameters against the state the tag is in", () => {
    const h = harness("customtags");
    const r = h.send("full");
    expect(h.texts(r)).toEqual(["hello Ann x3 (string) a+b loud=true", "done in /Full/Done"]);
    expect(r.finalState).toBe("/Full/Done");
  });
});

describe("the state a turn leaves", () => {
  const project = (yaml: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), "engine-history-"));
    mkdirSync(path.join(dir, "src"));
    writeFileSync(path.join(dir, "chatbot.yaml"), `name: history\nentryPoint: main.sc\n${yaml}`);
    writeFileSync(path.join(dir, "src", "main.sc"), "theme: /\n    state: A\n        q!: a\n        a: at A\n    state: B\n        q!: b\n        a: at B\n    state: C\n        q!: c\n        a: at C\n");
    return dir;
  };
  const services: HostServices = {
    http: () => ({ status: -1, headers: {}, body: "", error: "none" }),
    call: () => undefined,
    now: () => 0,
    random: () => 0,
    seed: () => [1, 2, 3, 4],
    log: () => undefined,
    env: () => undefined,
    secret: () => undefined,
  };

  it("keeps the last nlp.contextHistoryDepth contexts, oldest first (one by default)", () => {
    for (const [yaml, expected] of [["", ["/C"]], ["nlp:\n  contextHistoryDepth: 3\n", ["/A", "/B", "/C"]]] as const) {
      const dir = project(yaml);
      try {
        const engine = createEngine(loadProject(dir), services);
        let state = emptyUserState();
        for (const q of ["a", "b", "c", "a"]) state = engine.process({ query: q }, state).state;
        expect(state.contextHistory).toEqual(expected);
        engine.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("reads nlp.contextHistoryDepth as a whole number of contexts, at least one", () => {
    // The schema takes 0 and -1; a config built in code may hold 2.5 (it used to give undefined entries).
    for (const [depth, expected] of [[2.5, ["/B", "/C"]], [0, ["/C"]], [-1, ["/C"]], [-2, ["/C"]]] as const) {
      const dir = project("");
      try {
        const loaded = loadProject(dir);
        loaded.config.nlp = { ...loaded.config.nlp, contextHistoryDepth: depth };
        const engine = createEngine(loaded, services);
        let state = emptyUserState();
        for (const q of ["a", "b", "c", "a"]) state = engine.process({ query: q }, state).state;
        expect([depth, state.contextHistory]).toEqual([depth, expected]);
        engine.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("never changes the request or the stored state it was given, and answers with objects of its own", () => {
    const dir = project("");
    try {
      const engine = createEngine(loadProject(dir), services);
      const state: UserState = { session: { n: 1 }, client: { c: 2 }, contextPath: "/A", contextHistory: ["/"] };
      const request: BotRequest = { query: "b", data: { x: 1 }, rawRequest: { raw: true } };
      const before = JSON.stringify([state, request]);
      const r1 = engine.process(request, state);
      const r2 = engine.process(request, state);
      expect(JSON.stringify([state, request])).toBe(before);
      expect(r1.state.session).toEqual({ n: 1, contextPath: "/B" });
      expect(Object.keys(r1.state.session)).toEqual(["n", "contextPath"]);
      expect(r1.response.replies).toBe(r1.replies);
      expect(r1.state.session).not.toBe(r2.state.session);
      expect(r1.response).not.toBe(r2.response);
      expect(r1.state.contextHistory).not.toBe(state.contextHistory);
      engine.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
