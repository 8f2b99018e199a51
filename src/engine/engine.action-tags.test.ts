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
import { createScriptHost } from "../sandbox/index.js";
import type { ScriptHost } from "../sandbox/types.js";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine/action-tags");

function bot(
  http: (req: HttpRequest) => HttpResponse = () => ({ status: -1, headers: {}, body: "", error: "no network in tests" }),
  log: HostServices["log"] = () => undefined,
) {
  const calls: HttpRequest[] = [];
  const services: HostServices = {
    http: (req) => (calls.push(req), http(req)),
    call: () => undefined,
    now: () => 1_700_000_000_000,
    random: () => 0,
    seed: () => [1, 2, 3, 4],
    log,
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
  it("fills {{ }} into a button's name after the list is read: a result cannot add a transition", () => {
    const b = bot();
    b.state = { ...emptyUserState(), session: { item: 'x", "transition": "/Skipped' } };
    const asked = b.send("offer");
    const buttons = asked.replies.find((r) => r.type === "buttons");
    expect(buttons).toMatchObject({ buttons: [{ text: 'Buy x", "transition": "/Skipped' }] });
    expect((buttons as unknown as { buttons: Record<string, unknown>[] }).buttons[0]).not.toHaveProperty("transition");
  });

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

describe("a pendingInput read back from the store", () => {
  const asked = (b: ReturnType<typeof bot>, patch: Record<string, unknown>) => {
    b.send("ask");
    b.state = { ...b.state, pendingInput: { ...b.state.pendingInput!, ...patch } as UserState["pendingInput"] };
  };

  it.each([
    ["then that is not a string", { then: 5 }],
    ["then naming a state a deploy removed", { then: "/Gone" }],
    ["failureMessages that is not a list", { kind: "number", failureMessages: "abc" }],
    ["a prompt that is not a text reply", { prompt: { type: "buttons", buttons: [] } }],
    ["min that is not a number", { kind: "number", min: "1" }],
    ["an empty varName", { varName: "" }],
  ])("is dropped with a warning when it has %s; the turn dispatches as usual", (_name, patch) => {
    const logs: string[] = [];
    const b = bot(undefined, (level, message) => logs.push(`${level} ${message}`));
    asked(b, patch);
    const r = b.send("anything");
    expect(r.error).toBeUndefined();
    expect(texts(r)).toEqual(["nomatch"]);
    expect(b.state.pendingInput).toBeUndefined();
    expect(logs.some((l) => l.startsWith("warn") && l.includes("dropped"))).toBe(true);
  });

  it("a refused number asks the prompt again from its known fields only", () => {
    const b = bot();
    b.send("age");
    b.state = { ...b.state, pendingInput: { ...b.state.pendingInput!, failureMessages: undefined, prompt: { type: "text", text: "Age?", extra: "x" } } };
    const r = b.send("many");
    expect(r.replies).toEqual([{ type: "text", text: "Age?", state: "/Age" }]);
  });
});

describe("InputText and a launch", () => {
  it("a launch (RUN_APP's /start) is not the answer; the tag keeps waiting", () => {
    const b = bot();
    b.send("ask");
    b.send({ query: "/start", data: { eventData: {} } });
    expect(b.state.session.name).toBeUndefined();
    expect(texts(b.send("Carol"))).toEqual(["Hello, Carol!"]);
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
    // The answer is not kept in the stored session (only for the rest of the turn, in $temp).
    expect(b.state.session.httpResponse).toBeUndefined();
  });

  it("keeps a large answer out of the stored session", () => {
    const big = JSON.stringify({ items: [1, 2], blob: "x".repeat(2_000_000) });
    const b = bot(() => ({ status: 200, headers: { "Content-Type": "application/json" }, body: big }));
    const r = b.send("fetch");
    expect(texts(r)).toEqual(["2 items, status 200"]);
    expect(JSON.stringify(b.state.session).length).toBeLessThan(1000);
  });

  it("takes vars values as the author wrote them: data in {{ }} never runs as code", () => {
    const b = bot(() => ({ status: 200, headers: {}, body: "{}" }));
    b.state = { ...b.state, session: { shelf: 'x" + ($client.pwned = 42) + "', n: 1 } };
    const r = b.send("hostile");
    expect(r.error).toBeUndefined();
    expect(b.state.client.pwned).toBeUndefined();
    expect(b.state.session.greeting).toBe("Hello {{$session.shelf}}");
  });

  it("runs the same script text whatever the data (one compiled script per tag)", () => {
    const project = loadProject(fixture);
    const services: HostServices = {
      http: () => ({ status: 200, headers: {}, body: "{}" }),
      call: () => undefined,
      now: () => 1_700_000_000_000,
      random: () => 0,
      seed: () => [1, 2, 3, 4],
      log: () => undefined,
      env: () => undefined,
      secret: () => undefined,
    };
    const real = createScriptHost(project, services);
    const scripts = new Set<string>();
    // The real host; only its runScript calls are recorded.
    const host = new Proxy(real, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key === "runScript") return (code: string, opts: Parameters<ScriptHost["runScript"]>[1]) => (scripts.add(code), target.runScript(code, opts));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const engine = createEngine(project, services, { host });
    for (const shelf of ["a", "b", 'c" + 1 + "']) {
      const r = engine.process({ query: "hostile" }, { ...emptyUserState(), session: { shelf, n: 1 } }, { testContext: {} });
      expect(r.error).toBeUndefined();
    }
    expect([...scripts].filter((c) => c.includes("$http.query"))).toHaveLength(1);
    real.dispose();
  });

  it("makes {{ }} results inert in the URL, a JSON body and the headers", () => {
    const b = bot(() => ({ status: 200, headers: {}, body: "{}" }));
    const shelf = '../../admin/delete?all=1#", "role": "admin\r\nX-Admin: 1';
    b.state = { ...b.state, session: { shelf, n: 7 } };
    b.send("hostile");
    const call = b.calls[0]!;
    const encoded = encodeURIComponent(shelf);
    expect(call.url).toBe(`https://api.example.com/items/${encoded}?q=${encoded}&n=7`);
    expect(new URL(call.url).pathname).toBe(`/items/${encoded}`);
    // Inside a string the text stays a string; outside one it becomes a string; a number stays a number.
    expect(JSON.parse(call.body!)).toEqual({ shelf, n: 7, tag: shelf });
    expect(call.headers["X-Shelf"]).toBe(`v=${shelf.replace(/[\r\n]/g, "")}`);
  });

  it("keeps a URL that is one {{ }} as it is (the whole address, as the platform documents)", () => {
    const b = bot(() => ({ status: 200, headers: {}, body: "{}" }));
    b.state = { ...b.state, session: { url: "https://api.example.com/a/b?c=1" } };
    b.send("wholeurl");
    expect(b.calls[0]!.url).toBe("https://api.example.com/a/b?c=1");
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
