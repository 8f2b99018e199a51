// The pool's hand-off and result paths fail one turn cleanly and keep serving: a turn that cannot be
// cloned to a worker, and a result the main thread cannot receive (docs/security.md).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { emptyUserState } from "../engine/types.js";
import { TurnRefusedError } from "../channels/types.js";
import { TurnCrash, WorkerPool } from "./worker-pool.js";

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/security/limits");

describe("WorkerPool hand-off failures", () => {
  let pool: WorkerPool;
  beforeAll(async () => {
    pool = await WorkerPool.start({ projectDir: fixture, hostCall: async () => undefined, minWorkers: 1, maxWorkers: 1 });
  }, 30_000);
  afterAll(async () => {
    await pool?.close();
  });

  it("rejects a turn that cannot be cloned to a worker with a TurnCrash, and runs the next turn", async () => {
    const state = { ...emptyUserState(), session: { f: () => 1 } as unknown as Record<string, unknown> };
    const failed = await pool.run({ query: "плюс" }, state).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(TurnCrash);
    expect((failed as TurnCrash).message).toMatch(/^the turn could not be handed to a worker: /);
    const ok = await pool.run({ query: "плюс" }, emptyUserState());
    expect(ok.state.session.counter).toBe(1);
    expect(pool.size).toBe(1);
  });

  it("fails at once, not at the hard timeout, when a turn's result cannot be delivered", async () => {
    // A $session nested 3,000 deep: the worker can send it but the main thread cannot deserialise it
    // ("messageerror"). The old pool ignored that event and the turn hung until the 60 s hard timeout.
    const outcome = await pool.run({ event: "deep", data: { eventData: { depth: 3000 } } }, emptyUserState()).then(
      (r) => ({ delivered: r.state.session.deep !== undefined }),
      (e: unknown) => ({ crash: (e as TurnCrash).kind }),
    );
    expect(outcome).toEqual({ crash: "result" });
    const ok = await pool.run({ query: "сколько" }, emptyUserState());
    expect(ok.replies.length).toBeGreaterThan(0);
  }, 30_000);
});

describe("WorkerPool: the main thread's engine", () => {
  it("is built again when the first build fails (a busy machine can time out its platform load)", async () => {
    const { InlineTurns } = await import("./inline.js");
    const { loadProject } = await import("../project/loader.js");
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/runtime/http-suspend");
    const create = vi.spyOn(InlineTurns, "create").mockImplementationOnce(() => {
      throw new Error("Script execution timed out after 50 ms");
    });
    const logs: string[] = [];
    const pool = await WorkerPool.start({ projectDir: dir, hostCall: async () => undefined, minWorkers: 1, maxWorkers: 1, inlineProject: loadProject(dir), log: (_l, m) => logs.push(m) });
    try {
      await vi.waitFor(() => expect(pool.inlineTurns).toBe(true), { timeout: 10_000 });
      expect(create).toHaveBeenCalledTimes(2);
      expect(logs.join("\n")).toMatch(/turns run in workers until the main thread's engine loads: Script execution timed out/);
      expect(logs).toContain("turns without user code run on the main thread again");
    } finally {
      create.mockRestore();
      await pool.close();
    }
  }, 30_000);
});

describe("WorkerPool: closing", () => {
  it("lets a turn blocked on $http finish before its worker exits (terminating a thread with a live isolate can abort the process)", async () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/runtime/http-suspend");
    let asked!: () => void;
    const waiting = new Promise<void>((resolve) => (asked = resolve));
    const pool = await WorkerPool.start({
      projectDir: dir,
      minWorkers: 1,
      maxWorkers: 1,
      hostCall: async (op) => {
        if (op !== "http") return undefined;
        asked();
        await new Promise((r) => setTimeout(r, 300));
        return { status: 200, headers: {}, body: "{}" };
      },
    });
    const turn = pool.run({ query: "погода" }, emptyUserState());
    await waiting; // the worker is blocked in its first $http call
    await pool.close();
    // Terminated at once (as before), the turn would have failed with "worker exited".
    const result = await turn;
    expect(result.replies.map((r) => r.text)).toEqual(["w 200 200 1"]);
  }, 30_000);
});

describe("WorkerPool: the queue's bound", () => {
  it("refuses a turn that would wait behind maxQueuedTurns others at once (503), runs the waiting ones, and takes turns again after", async () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/runtime/http-suspend");
    let calls = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const pool = await WorkerPool.start({
      projectDir: dir,
      minWorkers: 1,
      maxWorkers: 1,
      maxQueuedTurns: 2,
      hostCall: async (op) => {
        if (op !== "http") return undefined;
        calls++;
        await gate;
        return { status: 200, headers: {}, body: "{}" };
      },
    });
    try {
      const first = pool.run({ query: "погода" }, emptyUserState());
      await vi.waitFor(() => expect(calls).toBe(1)); // the only worker is blocked in $http
      const waiting = [pool.run({ query: "погода" }, emptyUserState()), pool.run({ query: "погода" }, emptyUserState())];
      const refused = await pool.run({ query: "погода" }, emptyUserState()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(TurnRefusedError);
      expect(refused).toMatchObject({ status: 503, message: "2 turns are already waiting for a worker; try again" });
      open();
      const done = await Promise.all([first, ...waiting]);
      expect(done.map((r) => r.replies[0]?.text)).toEqual(["w 200 200 1", "w 200 200 1", "w 200 200 1"]);
      expect((await pool.run({ query: "погода" }, emptyUserState())).replies[0]?.text).toBe("w 200 200 1");
    } finally {
      open();
      await pool.close();
    }
  }, 30_000);
});
