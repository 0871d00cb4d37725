// Group commit for any durable operation (a log's fdatasync, a directory's fsync): callers
// that arrive while one run is in progress share the next run instead of queueing one each.

/** Coalesces concurrent requests for a durable operation. */
export class GroupSync {
  readonly #run: () => Promise<void>;
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(run: () => Promise<void>) {
    this.#run = run;
  }

  /** Resolves after a run that started after this call. */
  request(): Promise<void> {
    this.#next ??= (this.#running ?? Promise.resolve()).catch(() => undefined).then(() => {
      this.#next = null;
      const r = this.#run().finally(() => {
        if (this.#running === r) this.#running = null;
      });
      this.#running = r;
      return r;
    });
    return this.#next;
  }

  /** Resolves when the run in progress, if any, is over. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }
}
