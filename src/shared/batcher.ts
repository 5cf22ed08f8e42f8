/**
 * Natural batching of one kind of database call (issue 14, admission): calls made while a batch
 * is in flight wait and go together in the next one, so that a thousand learners joining at a
 * slot start cost a few dozen queries instead of a thousand, and a lone call waits for nothing
 * but the current batch. No timer: nothing is delayed when the database is idle.
 *
 * Each call is answered from a batch that started after the call was made, so it reads what was
 * committed before it, as a query of its own would. Two calls with the same key never share a
 * batch (the later one goes in the next), so a batched write applies them in call order.
 */
export class Batcher<I, O> {
  private queue: { item: I; key: string; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;

  /**
   * @param run answers a batch: one result per item, in the items' order. A throw fails every
   *   call of the batch.
   * @param keyOf identity of an item (calls with the same key go in separate batches).
   * @param opts `maxBatch` items per batch (bounds a statement's parameters); `maxInFlight`
   *   batches at once (1 for a single-connection database; more lets a pool work in parallel).
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly keyOf: (item: I) => string,
    private readonly opts: { maxBatch: number; maxInFlight: number },
  ) {}

  /** Queues `item` for the next batch. @returns its result, or the batch's error. */
  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, key: this.keyOf(item), resolve, reject });
      // In a microtask: calls made in the same synchronous stretch share the first batch.
      if (this.queue.length === 1) queueMicrotask(() => this.next());
    });
  }

  private next(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch: typeof this.queue = [];
      const rest: typeof this.queue = [];
      const keys = new Set<string>();
      for (const entry of this.queue) {
        if (batch.length < this.opts.maxBatch && !keys.has(entry.key)) {
          keys.add(entry.key);
          batch.push(entry);
        } else rest.push(entry);
      }
      this.queue = rest;
      this.inFlight++;
      void this.settle(batch);
    }
  }

  private async settle(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.run(batch.map((e) => e.item));
      batch.forEach((e, i) => e.resolve(results[i] as O));
    } catch (err) {
      for (const e of batch) e.reject(err);
    } finally {
      this.inFlight--;
      this.next();
    }
  }
}
