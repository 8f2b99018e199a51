// The platform's built-in action tags that run here (docs/engine.md, "Action tags"): InputText,
// InputNumber, HttpRequest, EndSession — real loader, pattern engine and script host; only the host
// services (HTTP, time, randomness) are scripted.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { loadProject } from "../project/loader.js";
import { createEngine } from "./index.js";
import { emptyUserState, type BotRequest, type HostServices, type HttpRequest, type HttpResponse, type TurnResult, type UserState } from "./types.js";
import { parseTypedNumber } from "./input-tags.js";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine/action-tags");

function bot(http: (req: HttpRequest) => HttpResponse = () => ({ status: -1, headers: {}, body: "", error: "no network in tests" })) {
  const calls: HttpRequest[] = [];
  const services: HostServices = {
    http: (req) => (calls.push(req), http(req)),
    call: () => undefined,
    now: () => 1_700_000_000_000,
    random: () => 0,
    seed: () => [1, 2, 3, 4],
    log: () => undefined,
    env: () => undefined,
    secret: () => undefined,
  };
  const engine = createEngine(loadProject(fixture), services);
  let state: UserState = emptyUserState();
  return {
    calls,
    get state() {
      return state;
    },
    set state(s: UserState) {
      state = s;
    },
    send(request: BotRequest | string): TurnResult {
      const result = engine.process(typeof request === "string" ? { query: request } : request, state, { testContext: {} });
      state = result.state;
      return result;
    },
  };
}

const texts = (r: TurnResult) => r.replies.filter((x) => x.type === "text").map((x) => String(x.text));

describe("InputText", () => {
  it("asks its prompt, ends the state there, and keeps the next text in $session.<varName> on the way to `then`", () => {
    const b = bot();
    const asked = b.send("ask");
    expect(texts(asked)).toEqual(["What is your name?"]);
    expect(asked.replies.find((r) => r.type === "buttons")).toMatchObject({ buttons: [{ text: "Skip", transition: "/Skipped" }], state: "/Ask" });
    expect(b.state.pendingInput).toMatchObject({ kind: "text", varName: "name", then: "/Greet" });
    // "ask" is a trigger too, but the answer belongs to the tag.
    const answered = b.send("ask");
    expect(texts(answered)).toEqual(["Hello, ask!"]);
    expect(answered.finalState).toBe("/Greet");
    expect(b.state.session.name).toBe("ask");
    expect(b.state.pendingInput).toBeUndefined();
    expect(texts(b.send("anything"))).toEqual(["nomatch"]);
  });

  it("a button of the prompt leads where it says; the tag stops waiting", () => {
    const b = bot();
    b.send("ask");
    expect(texts(b.send("Skip"))).toEqual(["skipped"]);
    expect(b.state.session.name).toBeUndefined();
    expect(b.state.pendingInput).toBeUndefined();
  });

  it("an event while the tag waits runs in the scenario and the tag keeps waiting", () => {
    const b = bot();
    b.send("ask");
    expect(texts(b.send({ event: "someEvent" }))).toEqual(["nomatch"]);
    expect(texts(b.send("Bob"))).toEqual(["Hello, Bob!"]);
  });
});

describe("InputNumber", () => {
  it("keeps a number in range as a number; anything else gets a failure message and the tag keeps waiting", () => {
    const b = bot();
    expect(texts(b.send("age"))).toEqual(["How old are you?"]);
    const word = b.send("forty");
    expect(texts(word)).toEqual(["A number from 1 to 120, please"]);
    expect(word.replies[0]!.state).toBe("/Age");
    expect(texts(b.send("200"))).toEqual(["A number from 1 to 120, please"]);
    expect(texts(b.send("42"))).toEqual(["Age 42 (number)"]);
    expect(b.state.session.age).toBe(42);
  });

  it("reads numbers as typed", () => {
    expect(parseTypedNumber(" 42 ")).toBe(42);
    expect(parseTypedNumber("4,5")).toBe(4.5);
    expect(parseTypedNumber("-3")).toBe(-3);
    expect(parseTypedNumber("4 5")).toBeUndefined();
    expect(parseTypedNumber("")).toBeUndefined();
  });
});

describe("HttpRequest", () => {
  it("sends the request as written, sets vars from $httpResponse and goes to okState on a 2xx answer", () => {
    const b = bot(() => ({ status: 200, headers: { "Content-Type": "application/json" }, body: '{"items": [1, 2, 3]}' }));
    b.state = { ...b.state, session: { shelf: "top", limit: 5 } };
    const r = b.send("fetch");
    expect(texts(r)).toEqual(["3 items, status 200"]);
    expect(r.finalState).toBe("/Fetched");
    expect(b.calls).toHaveLength(1);
    expect(b.calls[0]).toMatchObject({
      method: "POST",
      url: "https://api.example.com/items/top?n=5",
      body: '{"shelf": "top"}',
      timeoutMs: 3000,
      headers: { "X-Key": "k1", "Content-Type": "application/json" },
    });
    expect(b.state.session.httpResponse).toEqual({ items: [1, 2, 3] });
  });

  it("goes to errorState when the request fails, without setting vars", () => {
    const b = bot(() => ({ status: 503, headers: {}, body: "down" }));
    const r = b.send("fetch");
    expect(texts(r)).toEqual(["failed with 503"]);
    expect(b.state.session.count).toBeUndefined();
  });

  it("without errorState a failure goes to the root of the scenario", () => {
    const r = bot().send("nofallback");
    expect(texts(r)).toEqual([]);
    expect(r.finalState).toBe("/");
    expect(r.error).toBeUndefined();
  });
});

describe("EndSession", () => {
  it("ends the session and clears $session; the reactions after it still run", () => {
    const b = bot();
    const r = b.send("bye");
    expect(texts(r)).toEqual(["bye", "after the end"]);
    expect(r.endSession).toBe(true);
    expect(texts(b.send("kept"))).toEqual(["kept="]);
  });
});
