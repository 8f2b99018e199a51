// Per-key FIFO of async tasks: tasks of one key run one after another in arrival order, tasks of
// different keys run concurrently. Each task is chained on the previous one's promise, so waiting
// costs nothing (no polling) and a failed task never stalls the tasks queued behind it.

const ignore = (): void => undefined;

export class KeyedQueue {
  /** The settled-never-rejecting tail of each key that has queued or running work. */
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(ignore, ignore);
    this.tails.set(key, tail);
    // Forget the key once its last task is done, so idle users cost no memory.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
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
