/**
 * Group commit: writes queued during one turn of the event loop run in a single SQLite transaction, and
 * each caller's promise resolves only after that transaction committed. One fsync (or WAL append) serves
 * hundreds of packets, and nothing is acknowledged before it is on disk.
 *
 * Under load, transactions are spaced at least `windowMs` apart so each carries more writes (a commit
 * costs ~10 page writes whatever it holds); when idle, a write commits on the next turn, without delay.
 */
export class GroupCommit {
  #pending: { write: () => void; resolve: () => void; reject: (error: Error) => void }[] = [];
  #scheduled = false;
  #closed = false;
  #paused = false;
  readonly #runTransaction: (writes: (() => void)[]) => void;
  readonly #onBatch: ((size: number, ms: number) => void) | undefined;
  readonly #windowMs: number;
  #lastFlush = 0;

  constructor(runTransaction: (writes: (() => void)[]) => void, onBatch?: (size: number, ms: number) => void, windowMs = 0) {
    this.#runTransaction = runTransaction;
    this.#onBatch = onBatch;
    this.#windowMs = windowMs;
  }

  /** Queues `write` for the next transaction; resolves once it is committed. */
  submit(write: () => void): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("store is closed"));
    return new Promise((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#lastFlush + this.#windowMs - performance.now();
    if (wait > 0) setTimeout(() => this.flush(), wait);
    else setImmediate(() => this.flush());
  }

  /** Holds transactions back (writes keep queueing) until `resume`. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#pending.length > 0) this.#schedule();
  }

  /** Commits everything queued now (also called on shutdown). */
  flush(): void {
    this.#scheduled = false;
    if (this.#paused && !this.#closed) return;
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
    this.#closed = true;
    this.flush();
  }
}
