/**
 * Runs async tasks one after another per key, different keys in parallel. Signaling uses it so
 * that one participant's presence writes reach the database in the order the socket events
 * happened (connected → dropped → left), although each event is handled without waiting.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Queues `task` behind the earlier tasks of `key`.
   * @returns a promise settled like `task` (callers usually handle errors inside `task`).
   */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task) : task();
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far, and those they queued, has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
