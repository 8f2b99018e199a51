// Per-key FIFO of async tasks: tasks of one key run one after another in arrival order, tasks of
// different keys run concurrently. Each task is chained on the previous one's promise, so waiting
// costs nothing (no polling) and a failed task never stalls the tasks queued behind it.

const resolved = Promise.resolve();

export class KeyedQueue {
  /** The settled-never-rejecting tail of each key that has queued or running work. */
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // Always after a hop, even for an idle key: a task never starts inside its caller's stack.
    const result = (this.tails.get(key) ?? resolved).then(task);
    // Settles after the task, never rejects, and forgets the key if nothing was queued behind it,
    // so idle users cost no memory (one promise per task for all of it).
    const done = (): void => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    const tail: Promise<void> = result.then(done, done);
    this.tails.set(key, tail);
    return result;
  }

  /** How many keys have queued or running work. */
  get activeKeys(): number {
    return this.tails.size;
  }

  /** Resolves when no key has queued or running work (including work queued while waiting). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
