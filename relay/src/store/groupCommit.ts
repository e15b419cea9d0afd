/**
 * Group commit: writes queued during one turn of the event loop run in a single SQLite transaction, and
 * each caller's promise resolves only after that transaction committed. One fsync (or WAL append) serves
 * hundreds of packets, and nothing is acknowledged before it is on disk.
 *
 * Under load, transactions are spaced at least `windowMs` apart so each carries more writes (a commit
 * costs ~10 page writes whatever it holds); when idle, a write commits on the next turn, without delay.
 *
 * A deferred write is one nothing waits on (a confirmed amount: no message is sent after it): it rides
 * along with the next transaction, or commits on its own after `deferMs`, instead of starting one.
 */
export class GroupCommit {
  #pending: { write: () => void; resolve: () => void; reject: (error: Error) => void }[] = [];
  /** A flush is scheduled for the writes that wait (urgent). */
  #scheduled = false;
  /** A flush is scheduled `deferMs` ahead for deferred writes only. */
  #deferredTimer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #runTransaction: (writes: (() => void)[]) => void;
  readonly #onBatch: ((size: number, ms: number) => void) | undefined;
  readonly #windowMs: number;
  readonly #deferMs: number;
  #lastFlush = 0;

  constructor(
    runTransaction: (writes: (() => void)[]) => void,
    options: { onBatch?: ((size: number, ms: number) => void) | undefined; windowMs?: number; deferMs?: number } = {},
  ) {
    this.#runTransaction = runTransaction;
    this.#onBatch = options.onBatch;
    this.#windowMs = options.windowMs ?? 0;
    this.#deferMs = options.deferMs ?? 0;
  }

  /**
   * Queues `write` for the next transaction; resolves once it is committed. With `deferred`, the write does
   * not start a transaction of its own before `deferMs` has passed.
   */
  submit(write: () => void, options: { deferred?: boolean } = {}): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("store is closed"));
    return new Promise((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      if (options.deferred && this.#deferMs > 0) this.#scheduleDeferred();
      else this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#lastFlush + this.#windowMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  #scheduleDeferred(): void {
    if (this.#scheduled || this.#deferredTimer) return;
    this.#deferredTimer = setTimeout(() => this.flush(), this.#deferMs);
  }

  /** Commits everything queued now (also called on shutdown). */
  flush(): void {
    this.#scheduled = false;
    if (this.#deferredTimer) {
      clearTimeout(this.#deferredTimer);
      this.#deferredTimer = undefined;
    }
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const started = performance.now();
    this.#lastFlush = started;
    try {
      this.#runTransaction(batch.map((entry) => entry.write));
    } catch (error) {
      for (const entry of batch) entry.reject(error as Error);
      return;
    }
    this.#onBatch?.(batch.length, performance.now() - started);
    for (const entry of batch) entry.resolve();
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }
}
