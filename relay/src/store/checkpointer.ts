import { Worker } from "node:worker_threads";

export interface CheckpointStats {
  /** How long the checkpoint took (on the worker thread). */
  ms: number;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

export interface CheckpointerOptions {
  /** How often to checkpoint. */
  intervalMs?: number;
  /** WAL size (frames of one page) beyond which a checkpoint also rewinds the WAL. */
  restartFrames?: number;
  onCheckpoint?: ((stats: CheckpointStats) => void) | undefined;
  /** A checkpoint failed (`workerGone`: the worker itself failed, and no more checkpoints will run). */
  onError: (error: Error, workerGone: boolean) => void;
}

/**
 * WAL checkpoints on a worker thread with its own connection to the database.
 *
 * SQLite's automatic checkpoint runs inside whichever COMMIT pushes the WAL past 1,000 pages: it copies them
 * into the database file and fsyncs twice, and with better-sqlite3 that blocks the event loop for 5–10 ms
 * every few hundred packets. Every packet arriving meanwhile waits. Here the copying and syncing happen on
 * another thread while the relay keeps writing to the WAL.
 */
export class Checkpointer {
  readonly #worker: Worker;
  #stopped = false;

  constructor(path: string, options: CheckpointerOptions) {
    this.#worker = new Worker(new URL("./checkpointWorker.ts", import.meta.url), {
      workerData: { path, intervalMs: options.intervalMs ?? 200, restartFrames: options.restartFrames ?? 4_000 },
    });
    this.#worker.on("message", (message: CheckpointStats | { error: string }) => {
      if ("error" in message) options.onError(new Error(`WAL checkpoint failed: ${message.error}`), false);
      else options.onCheckpoint?.(message);
    });
    this.#worker.on("error", (error) => {
      if (!this.#stopped) options.onError(error, true);
    });
    this.#worker.unref();
  }

  /** Stops checkpointing; the worker closes its connection and exits. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.postMessage("stop");
  }
}
