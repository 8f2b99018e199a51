// Per-key FIFO of async tasks: tasks of one key run one after another in arrival order, tasks of
// different keys run concurrently. Each task is chained on the previous one's promise, so waiting
// costs nothing (no polling) and a failed task never stalls the tasks queued behind it.

const resolved = Promise.resolve();

/** A key already had `maxPerKey` tasks waiting or running; the new task was not queued. */
export class KeyQueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`${limit} tasks of this key are already waiting or running`);
    this.name = "KeyQueueFullError";
  }
}

export interface KeyedQueueOptions {
  /** Most tasks one key may have waiting or running; the next is refused (KeyQueueFullError). Default: no limit. */
  maxPerKey?: number;
  /** The error a refused task's caller gets; default KeyQueueFullError. */
  refuse?: (key: string, limit: number) => Error;
}

export class KeyedQueue {
  /** The settled-never-rejecting tail of each key that has queued or running work, and how many tasks it holds. */
  private readonly tails = new Map<string, { tail: Promise<void>; count: number }>();
  private readonly maxPerKey: number;
  private readonly refuse: (key: string, limit: number) => Error;

  constructor(opts: KeyedQueueOptions = {}) {
    this.maxPerKey = opts.maxPerKey ?? Infinity;
    this.refuse = opts.refuse ?? ((_key, limit) => new KeyQueueFullError(limit));
  }

  /**
   * Queues `task` behind the key's others. `mustRun` tasks are counted but never refused: a flood of
   * one key's ordinary tasks cannot keep out work that its owner, not the flooder, asked for.
   */
  run<T>(key: string, task: () => Promise<T>, opts?: { mustRun?: boolean }): Promise<T> {
    const entry = this.tails.get(key);
    if (entry && entry.count >= this.maxPerKey && opts?.mustRun !== true) return Promise.reject(this.refuse(key, this.maxPerKey));
    // Always after a hop, even for an idle key: a task never starts inside its caller's stack.
    const result = (entry?.tail ?? resolved).then(task);
    const next = { tail: resolved, count: (entry?.count ?? 0) + 1 };
    // Settles after the task, never rejects, counts it out, and forgets the key if nothing was queued
    // behind it, so idle users cost no memory (one promise per task for all of it).
    const done = (): void => {
      const now = this.tails.get(key);
      if (now === undefined) return;
      now.count--;
      if (now === next) this.tails.delete(key);
    };
    next.tail = result.then(done, done);
    this.tails.set(key, next);
    return result;
  }

  /** How many keys have queued or running work. */
  get activeKeys(): number {
    return this.tails.size;
  }

  /** Resolves when no key has queued or running work (including work queued while waiting). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()].map((e) => e.tail));
  }
}
