// Case-runner semantics against a scripted stand-in engine (the real engine is covered end to end
// in runner.test.ts).
import { describe, expect, it } from "vitest";
import type { BotRequest, Engine, HostServices, Reply, TurnResult, UserState } from "../engine/types.js";
import { runCase, SwitchingHost } from "./run-case.js";
import { parseTestFile } from "./xml.js";

interface Seen {
  request: BotRequest;
  state: UserState;
  testContext?: Record<string, unknown>;
}

/** Echo engine: "hi" → two texts; "http" → calls $http; "rand" → random(3); "now" → the clock. */
function fakeEngine(services: HostServices, seen: Seen[]): Engine {
  return {
    dispose() {},
    process(request, state, options) {
      seen.push({ request, state, ...(options?.testContext ? { testContext: options.testContext } : {}) });
      const replies: Reply[] = [];
      const say = (text: string, st = "/Echo") => replies.push({ type: "text", text, state: st });
      const q = request.query ?? (request.event ? `event:${request.event}` : request.timeout ? "timeout" : "");
      if (q === "hi") {
        say("Hello!", "/Hello");
        replies.push({ type: "buttons", buttons: [{ text: "A" }], state: "/Hello" });
        say("How are you?", "/Hello");
      } else if (q === "http") {
        const r = services.http({ method: "GET", url: "http://api.test/v?x=1", headers: {}, timeoutMs: 100 });
        say(`${r.status} ${r.body}`);
      } else if (q === "rand") say(`${services.random(3)} ${services.random(3)}`);
      else if (q === "now") say(new Date(services.now()).toISOString());
      else if (q === "throw") throw new Error("boom");
      else if (q !== "silent") say(q);
      const result: TurnResult = { replies, response: { replies }, state: { ...state, session: { ...state.session, turns: Number(state.session.turns ?? 0) + 1 } }, endSession: false, mails: [], classifiedState: "/Echo" };
      return result;
    },
  };
}

function run(xml: string, opts: Parameters<typeof runCase>[4] = {}) {
  const file = parseTestFile("test/t.xml", `<test>${xml}</test>`);
  const host = new SwitchingHost();
  const seen: Seen[] = [];
  const engine = fakeEngine(host, seen);
  const results = file.cases.map((tc) => runCase(engine, host, file, tc, opts));
  return { results, seen, r: results[0]! };
}

describe("runCase", () => {
  it("passes when every text reply is checked", () => {
    const { r } = run(`<test-case id="ok"><q>hi</q><a state="/Hello">Hello!</a><a>How are   you?</a><q>x</q><a>x</a></test-case>`);
    expect(r).toMatchObject({ status: "passed", id: "ok", file: "test/t.xml" });
  });

  it("fails a wrong text with file, line, step, expected/actual and the replies", () => {
    const { r } = run(`<test-case id="bad">
<q>hi</q>
<a>Goodbye</a>
</test-case>`);
    expect(r.status).toBe("failed");
    expect(r.failure).toMatchObject({
      file: "test/t.xml",
      line: 3,
      message: 'expected text "Goodbye" but got "Hello!"',
      step: { index: 1, element: "<q>hi</q>", line: 2 },
      expected: { text: "Goodbye" },
      actual: { text: "Hello!" },
    });
    expect(r.failure!.replies).toHaveLength(3);
  });

  it("fails a wrong state", () => {
    const { r } = run(`<test-case><q>hi</q><a state="/Bye">Hello!</a></test-case>`);
    expect(r.failure).toMatchObject({ expected: { state: "/Bye" }, actual: { state: "/Hello" } });
  });

  it("strict mode: an unchecked text reply fails at the next step and at the end", () => {
    const next = run(`<test-case>\n<q>hi</q>\n<a>Hello!</a>\n<q>x</q><a>x</a></test-case>`).r;
    expect(next.status).toBe("failed");
    expect(next.failure!.message).toMatch(/step 1 has 1 unchecked text reply: "How are you\?"/);
    expect(next.failure!.step).toMatchObject({ index: 1, line: 2 });
    const end = run(`<test-case><q>x</q></test-case>`).r;
    expect(end.failure!.message).toMatch(/unchecked text reply: "x"/);
  });

  it("lenient mode accepts unchecked replies", () => {
    expect(run(`<test-case><q>hi</q><a>Hello!</a><q>x</q></test-case>`, { lenient: true }).r.status).toBe("passed");
  });

  it("every case starts from an empty state with testContext set", () => {
    const { results, seen } = run(`<test-case id="one"><q>silent</q><q>silent</q></test-case><test-case id="two"><q>silent</q></test-case>`);
    expect(results.map((r) => r.status)).toEqual(["passed", "passed"]);
    expect(seen.map((s) => s.state.session.turns ?? 0)).toEqual([0, 1, 0]);
    expect(seen[2]!.state).toEqual({ session: {}, client: {}, contextPath: "/" });
    expect(seen[0]!.testContext).toMatchObject({ testId: "one", file: "test/t.xml" });
  });

  it("applies <state>, <context> (shallow merge) and <requestData> to the next request only; <rawRequest> stays until replaced", () => {
    const { seen } = run(`<test-case>
<state>Menu/Sub</state>
<context var="session">{"a": {"x": 1}, "b": 1}</context>
<context var="session">{"a": {"y": 2}}</context>
<context var="client">{"name": "Ann"}</context>
<requestData>{"k": 1, "m": 1}</requestData>
<rawRequest>{"payload": 1}</rawRequest>
<request>{"query": "silent", "data": {"m": 2}}</request>
<q>silent</q>
</test-case>`);
    expect(seen[0]!.state).toMatchObject({ contextPath: "/Menu/Sub", session: { a: { y: 2 }, b: 1, contextPath: "/Menu/Sub" }, client: { name: "Ann" } });
    expect(seen[0]!.request).toMatchObject({ query: "silent", data: { k: 1, m: 2 }, rawRequest: { payload: 1 } });
    expect(seen[1]!.request.data).toBeUndefined();
    // The channel's raw request stays for the following steps (a test sets it once before /start and
    // the scenario reads $request.rawRequest.message.from later), until another <rawRequest>.
    expect(seen[1]!.request.rawRequest).toEqual({ payload: 1 });
    const again = run(`<test-case>
<rawRequest>{"payload": 1}</rawRequest>
<q>silent</q>
<q>silent</q>
<rawRequest>{"payload": 2}</rawRequest>
<q>silent</q>
<request>{"query": "silent", "rawRequest": {"own": true}}</request>
</test-case>`).seen.map((x) => x.request.rawRequest);
    expect(again).toEqual([{ payload: 1 }, { payload: 1 }, { payload: 2 }, { own: true }]);
  });

  it("sends events with data and timeouts", () => {
    const { seen } = run(`<test-case><event>fileEvent<eventData>{"u": 1}</eventData></event><timeout/></test-case>`, { lenient: true });
    expect(seen[0]!.request).toMatchObject({ event: "fileEvent", data: { eventData: { u: 1 } } });
    expect(seen[1]!.request).toMatchObject({ timeout: true });
  });

  it("<random> queues values, then 0; without it random is 0", () => {
    expect(run(`<test-case><random>2, 1</random><q>rand</q><a>2 1</a><q>rand</q><a>0 0</a></test-case>`).r.status).toBe("passed");
    expect(run(`<test-case><q>rand</q><a>0 0</a></test-case>`).r.status).toBe("passed");
    expect(run(`<test-case><random>1</random><q>rand</q><a>0 0</a></test-case>`).r.status).toBe("failed");
  });

  it("<dateTime> freezes the clock in UTC", () => {
    const { r } = run(`<test-case><dateTime>2024-05-06 07:08:09</dateTime><q>now</q><a>2024-05-06T07:08:09.000Z</a></test-case>`);
    expect(r.status).toBe("passed");
  });

  it("answers $http from a case mock placed before the step", () => {
    const ok = run(`<test-case>
<mockData><query method="get">http://api.test/v?x=\${x}</query><parameters><x>1</x></parameters><response type="text">pong</response></mockData>
<q>http</q><a>200 pong</a></test-case>`);
    expect(ok.r.status).toBe("passed");
  });

  it("answers an unmocked call as a failed request and goes on, as the platform does", () => {
    const { r } = run(`<test-case>
<mockData><query>http://api.test/other</query><response>{}</response></mockData>
<q>http</q>
<a>-1 </a>
</test-case>`);
    expect(r.status).toBe("passed");
    expect(r).toMatchObject({ unmockedCalls: 1, unmockedUrls: ["GET http://api.test/v"] });
  });

  it("with unmockedFail an unmocked call fails the step, and the script saw status -1", () => {
    const { r } = run(`<test-case>
<mockData><query>http://api.test/other</query><response>{}</response></mockData>
<q>http</q>
<a>-1 </a>
</test-case>`, { unmockedFail: true });
    expect(r.status).toBe("failed");
    expect(r.failure).toMatchObject({ line: 3, message: "No mock for GET http://api.test/v?x=1", step: { index: 1 } });
    expect(r.failure!.replies).toEqual([{ type: "text", text: "-1 ", state: "/Echo" }]);
  });

  it("with unmockedOk an integration case run offline goes on past an unmocked call too", () => {
    expect(run(`<test-case integration="true"><q>http</q><a>-1 </a></test-case>`).r.status).toBe("failed");
    const { r } = run(`<test-case integration="true"><q>http</q><a>-1 </a><q>http</q><a>-1 </a></test-case>`, { unmockedOk: true });
    expect(r.status).toBe("passed");
    // counted, and named once without the query: which live service the case needs (scripts/nlu-cases.mjs)
    expect(r).toMatchObject({ unmockedCalls: 2, unmockedUrls: ["GET http://api.test/v"] });
  });

  it("uses file-level mocks", () => {
    const { r } = run(`<mockData><query>http://api.test/v?x=1</query><response type="text">file</response></mockData><test-case><q>http</q><a>200 file</a></test-case>`);
    expect(r.status).toBe("passed");
  });

  it("runs integration cases offline against their mocks unless --integration", () => {
    expect(run(`<test-case integration="true"><q>x</q><a>x</a></test-case>`).r.status).toBe("passed");
    const mocked = `<mockData><query>http://api.test/v?x=1</query><response type="text">m</response></mockData>`;
    expect(run(`<test-case integration="true">${mocked}<q>http</q><a>200 m</a></test-case>`).r.status).toBe("passed");
    const unmocked = run(`<test-case integration="true"><q>http</q><a>200 real</a></test-case>`).r;
    expect(unmocked.status).toBe("failed");
    expect(unmocked.failure!.message).toMatch(/No mock for GET http:\/\/api\.test\/v\?x=1 .*live service.*--integration/);
    expect(run(`<test-case integration="true"><q>x</q></test-case>`, { integration: true }).r).toMatchObject({ status: "skipped", reason: expect.stringMatching(/real HTTP/) });
  });

  it("runs integration cases with real HTTP when the host provides it", () => {
    const { r } = run(`<test-case integration="true"><q>http</q><a>200 real</a></test-case>`, { integration: true, realHttp: () => ({ status: 200, headers: {}, body: "real" }) });
    expect(r.status).toBe("passed");
  });

  it("reports engine exceptions, assertions before any step and element errors", () => {
    expect(run(`<test-case><q>throw</q></test-case>`).r.failure!.message).toBe("the engine failed: boom");
    expect(run(`<test-case>\n<a>x</a></test-case>`).r.failure).toMatchObject({ line: 2, message: "<a>x</a> comes before any request step" });
    expect(run(`<test-case>\n<request>[1]</request></test-case>`).r.failure).toMatchObject({ line: 2, message: "<request> must be a JSON object" });
  });
});
