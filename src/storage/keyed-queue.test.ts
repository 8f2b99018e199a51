import { describe, expect, it } from "vitest";
import { KeyedQueue, KeyQueueFullError } from "./keyed-queue.js";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("KeyedQueue", () => {
  it("runs the tasks of one key one after another in arrival order", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      queue.run("k", async () => {
        log.push(`start ${i}`);
        await tick();
        log.push(`end ${i}`);
        return i;
      }),
    );
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect(log).toEqual(["start 0", "end 0", "start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });

  it("runs different keys concurrently", async () => {
    const queue = new KeyedQueue();
    let releaseA!: () => void;
    const a = queue.run("a", () => new Promise<string>((resolve) => (releaseA = () => resolve("a"))));
    expect(await queue.run("b", async () => "b")).toBe("b"); // would hang if b waited for a
    releaseA();
    expect(await a).toBe("a");
  });

  it("passes a task's error to its caller only and goes on with the next task", async () => {
    const queue = new KeyedQueue();
    const failing = queue.run("k", async () => {
      throw new Error("nope");
    });
    const throwingSync = queue.run("k", () => {
      throw new Error("sync nope");
    });
    const next = queue.run("k", async () => "ok");
    await expect(failing).rejects.toThrow("nope");
    await expect(throwingSync).rejects.toThrow("sync nope");
    expect(await next).toBe("ok");
  });

  it("forgets idle keys and drains including work queued while draining", async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    void queue.run("a", async () => {
      await tick();
      log.push("a");
      void queue.run("b", async () => {
        await tick();
        log.push("b");
      });
    });
    expect(queue.activeKeys).toBe(1);
    await queue.drain();
    expect(log).toEqual(["a", "b"]);
    expect(queue.activeKeys).toBe(0);
  });

  it("refuses a task when its key already has maxPerKey tasks queued or running, runs nothing of it, and takes tasks again once they are done", async () => {
    const queue = new KeyedQueue({ maxPerKey: 2 });
    let release!: () => void;
    const ran: number[] = [];
    const first = queue.run("k", () => new Promise<void>((resolve) => (release = resolve)).then(() => void ran.push(1)));
    const second = queue.run("k", async () => void ran.push(2));
    const third = queue.run("k", async () => void ran.push(3));
    await expect(third).rejects.toBeInstanceOf(KeyQueueFullError);
    await expect(third).rejects.toThrow("2 tasks of this key are already waiting or running");
    expect(await queue.run("other", async () => "other")).toBe("other"); // other keys are not affected
    release();
    await Promise.all([first, second]);
    expect(ran).toEqual([1, 2]);
    await queue.run("k", async () => void ran.push(4));
    expect(ran).toEqual([1, 2, 4]);
  });

  it("never refuses a mustRun task, queues it behind the key's others in order, and counts it", async () => {
    const queue = new KeyedQueue({ maxPerKey: 2 });
    let release!: () => void;
    const ran: string[] = [];
    const first = queue.run("k", () => new Promise<void>((resolve) => (release = resolve)).then(() => void ran.push("turn 1")));
    const second = queue.run("k", async () => void ran.push("turn 2"));
    const removal = queue.run("k", async () => void ran.push("delete"), { mustRun: true });
    await expect(queue.run("k", async () => void ran.push("refused"))).rejects.toBeInstanceOf(KeyQueueFullError);
    release();
    await Promise.all([first, second, removal]);
    expect(ran).toEqual(["turn 1", "turn 2", "delete"]);
    expect(queue.activeKeys).toBe(0);
  });
});
