// A turn waiting on `$http` does not hold a worker while other turns wait for one: it stops at the
// call, the main thread makes the call, and the turn runs again with the answer (worker-pool.ts,
// docs/architecture.md). Each request is made once, a run that is thrown away leaves no log, and a
// turn that made a call with an effect ($yookassa, $payment) is never thrown away.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emptyUserState, type HttpRequest, type TurnResult } from "../engine/types.js";
import { WorkerPool } from "./worker-pool.js";
import type { TurnTape } from "./protocol.js";

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/runtime/http-suspend");
const SLOW_MS = 400;

interface Harness {
  pool: WorkerPool;
  calls: string[];
  logs: string[];
}

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

async function start(httpSuspends = 8, delayMs: (url: string) => number = () => SLOW_MS): Promise<Harness> {
  const calls: string[] = [];
  const logs: string[] = [];
  pool = await WorkerPool.start({
    projectDir: fixture,
    minWorkers: 1,
    maxWorkers: 1,
    httpSuspends,
    log: (_level, message) => logs.push(message),
    hostCall: async (op, args) => {
      if (op === "http") {
        const { url } = args as HttpRequest;
        calls.push(`http ${url}`);
        await new Promise((r) => setTimeout(r, delayMs(url)));
        return { status: 200, headers: {}, body: "{}" };
      }
      calls.push(op);
      return { id: "p1", status: "pending" };
    },
  });
  return { pool, calls, logs };
}

/** Runs a turn and notes the order in which turns finish. */
function turn(h: Harness, text: string, order: string[]): Promise<TurnResult> {
  return h.pool.run({ query: text }, emptyUserState()).then((r) => {
    order.push(text);
    return r;
  });
}

const said = (r: TurnResult) => r.replies.map((x) => x.text).join(" ");

describe("WorkerPool: turns waiting on $http", () => {
  it("frees the worker for a waiting turn, makes each request once and keeps one run's log", async () => {
    const h = await start();
    const order: string[] = [];
    // One worker: "быстро" waits in the queue while "погода" runs.
    const [weather, fast] = await Promise.all([turn(h, "погода", order), turn(h, "быстро", order)]);
    expect(order).toEqual(["быстро", "погода"]);
    expect(said(fast)).toBe("fast 1");
    expect(said(weather)).toBe("w 200 200 1");
    expect(h.calls).toEqual(["http http://api.test/weather", "http http://api.test/time"]);
    expect(h.logs.filter((l) => l.includes("asking for the weather"))).toHaveLength(1);
    expect(typeof weather.state.session.at).toBe("number");
  }, 30_000);

  it("blocks the worker instead when no other turn waits for it (a re-run costs a fresh context)", async () => {
    const h = await start();
    const weather = await turn(h, "погода", []);
    expect(said(weather)).toBe("w 200 200 1");
    expect(h.calls).toEqual(["http http://api.test/weather", "http http://api.test/time"]);
  }, 30_000);

  it("never throws away a run that made a call with an effect: it waits on $http in the worker", async () => {
    const h = await start();
    const order: string[] = [];
    const [pay, fast] = await Promise.all([turn(h, "оплата", order), turn(h, "быстро", order)]);
    expect(order).toEqual(["оплата", "быстро"]);
    expect(pay.error).toBeUndefined();
    expect(said(pay)).toBe("pay 200");
    expect(said(fast)).toBe("fast 1");
    expect(h.calls).toEqual(["yookassa.getPayment", "http http://api.test/after-pay"]);
  }, 30_000);

  // Fifth red-team round: a run was thrown away at a POST, and its re-run built the request again
  // with a new Math.random() id, so the tape did not match and the POST (a charge) was made twice.
  it("never throws away a run at a request that is not safe (POST): it is made once, however the script builds it", async () => {
    const h = await start();
    const order: string[] = [];
    const [charge, fast] = await Promise.all([turn(h, "списать", order), turn(h, "быстро", order)]);
    expect(said(charge)).toBe("charged 200 200");
    expect(said(fast)).toBe("fast 1");
    expect(h.calls).toEqual(["http http://api.test/charge", "http http://api.test/time"]);
  }, 30_000);

  // Fifth red-team round: a call made while no turn waited (blocking) was not on the tape, so a run
  // that suspended at a later call asked for it again on its re-run, and then for the later one too.
  it("a run that blocked on one call and suspends at the next makes each request once", async () => {
    const h = await start();
    const order: string[] = [];
    const twice = turn(h, "дважды", order);
    await vi.waitFor(() => expect(h.calls).toEqual(["http http://api.test/first"])); // blocking: nothing waits yet
    const fast = turn(h, "быстро", order); // now a turn waits: the next call suspends
    expect(said(await twice)).toBe("two 200 200");
    expect(said(await fast)).toBe("fast 1");
    expect(order).toEqual(["быстро", "дважды"]);
    expect(h.calls).toEqual(["http http://api.test/first", "http http://api.test/second"]);
  }, 30_000);

  // The realm's Math.random was V8's own, not on the tape: a URL with the turn's random number was
  // a new URL on the re-run, so the request was made twice.
  it("a re-run draws the first run's Math.random() numbers: a URL built with one is asked for once", async () => {
    const h = await start();
    const order: string[] = [];
    const [random, fast] = await Promise.all([turn(h, "случайно", order), turn(h, "быстро", order)]);
    expect(order).toEqual(["быстро", "случайно"]); // it did suspend
    expect(said(random)).toBe("random 200");
    expect(said(fast)).toBe("fast 1");
    expect(h.calls.filter((c) => c.includes("/random"))).toHaveLength(1);
    const drawn = random.state.session.r as number;
    expect(drawn).toBeGreaterThanOrEqual(0);
    expect(drawn).toBeLessThan(1);
  }, 30_000);

  // $reactions.random and a `random:` block draw from services.random: a re-run must pick what the
  // first run picked, or a URL built with the pick is asked for twice and the answer may change.
  it("a re-run makes the first run's $reactions.random picks: the URL built with one is asked for once", async () => {
    const h = await start();
    const order: string[] = [];
    const [pick, fast] = await Promise.all([turn(h, "выбери", order), turn(h, "быстро", order)]);
    expect(order).toEqual(["быстро", "выбери"]); // it did suspend
    expect(said(fast)).toBe("fast 1");
    const asked = h.calls.filter((c) => c.includes("/pick"));
    expect(asked).toHaveLength(1);
    const k = /k=(\d+)/.exec(asked[0]!)![1];
    expect(pick.replies.map((r) => r.text)).toEqual([`pick 200 ${k}`, expect.stringMatching(/^(one|two|three|four)$/)]);
  }, 30_000);

  // Review: the realm's seed was four draws of the worker's own Math.random (V8's xorshift128+),
  // taped among the random numbers: a user who recovers their seed could predict other turns' seeds.
  it("tapes the realm's seed on its own, apart from the worker's random numbers", async () => {
    const tapes: TurnTape[] = [];
    // The tape a suspended run hands back to the pool (WorkerPool.suspend is private: reached by name).
    type Suspend = { suspend: (...args: unknown[]) => void };
    const proto = WorkerPool.prototype as unknown as Suspend;
    const original = proto.suspend;
    const spy = vi.spyOn(proto, "suspend").mockImplementation(function (this: unknown, ...args: unknown[]) {
      tapes.push(structuredClone(args[4] as TurnTape));
      return original.apply(this, args);
    });
    try {
      const h = await start();
      const order: string[] = [];
      const [random] = await Promise.all([turn(h, "случайно", order), turn(h, "быстро", order)]);
      expect(said(random)).toBe("random 200");
      expect(tapes).toHaveLength(1);
      const [tape] = tapes;
      expect(tape!.random).toEqual([]);
      expect(tape!.seeds).toHaveLength(1);
      const [seed] = tape!.seeds;
      expect(seed).toHaveLength(4);
      for (const word of seed!) expect(Number.isInteger(word) && word >= 0 && word < 2 ** 32).toBe(true);
    } finally {
      spy.mockRestore();
    }
  }, 30_000);

  // `new Date().constructor` is V8's own Date, and Intl formats "no date" with V8's own clock: both
  // read the real time, so the re-run's URL was a new one.
  it("a re-run reads the first run's clock through every path to it: a URL built with the time is asked for once", async () => {
    const h = await start();
    const order: string[] = [];
    const [clock] = await Promise.all([turn(h, "часы", order), turn(h, "быстро", order)]);
    expect(order).toEqual(["быстро", "часы"]);
    expect(said(clock)).toBe("clock 200");
    expect(h.calls.filter((c) => c.includes("/clock"))).toHaveLength(1);
  }, 30_000);

  // Fifth red-team round: a re-run that asked for another URL than its tape suspended again, so a
  // script building its URL anew on every run made a request and threw away a run per suspension.
  it("a re-run that leaves its tape blocks from there: a request built anew on every run is made at most twice", async () => {
    // The answer comes at once, so each re-run finds the other turns still waiting for the worker.
    const h = await start(8, () => 0);
    const order: string[] = [];
    const turns = [turn(h, "свежее", order), turn(h, "быстро", order), turn(h, "быстро", order), turn(h, "быстро", order)];
    const [news] = await Promise.all(turns);
    expect(said(news!)).toBe("news 200");
    expect(h.calls.filter((c) => c.includes("/news"))).toHaveLength(2);
  }, 30_000);

  it("with httpSuspends 0 every $http call holds the worker", async () => {
    const h = await start(0);
    const order: string[] = [];
    await Promise.all([turn(h, "погода", order), turn(h, "быстро", order)]);
    expect(order).toEqual(["погода", "быстро"]);
    expect(h.calls).toHaveLength(2);
  }, 30_000);
});
