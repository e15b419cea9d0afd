import { Worker } from "node:worker_threads";
import { WORKER_YOUNG_GENERATION_MIB } from "../runtime/heapFlags.ts";

export interface CheckpointStats {
  /** How long the checkpoint took (on the worker thread). */
  ms: number;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
  /** Whether the WAL was also rewound to its start (the relay's writes paused meanwhile). */
  rewound: boolean;
}

/** What the worker tells the relay's thread. */
export type CheckpointerMessage =
  | ({ type: "checkpoint" } & CheckpointStats)
  | { type: "error"; error: string }
  /** Pause group commits and answer "paused": the worker is about to rewind the WAL. */
  | { type: "pause" }
  | { type: "resume" };

export interface CheckpointerOptions {
  /** How often to checkpoint. */
  intervalMs?: number;
  /** WAL size (frames of one page) beyond which a checkpoint also rewinds the WAL. */
  restartFrames?: number;
  /** Stops starting write transactions on the relay's connection until `resumeWrites`. */
  pauseWrites: () => void;
  resumeWrites: () => void;
  onCheckpoint?: ((stats: CheckpointStats) => void) | undefined;
  /** Writes were held for a rewind this long (ms), from the pause to the resume on the relay's thread. */
  onWritesHeld?: ((ms: number) => void) | undefined;
  /** Told of the worker thread once started (the relay's metrics report its heap). */
  onThread?: ((name: string, worker: Worker) => void) | undefined;
  /** A checkpoint failed (`workerGone`: the worker itself failed, and no more checkpoints will run). */
  onError: (error: Error, workerGone: boolean) => void;
}

/** Writes resume after this long even if the worker never answers (it would then only make them wait). */
const MAX_PAUSE_MS = 1_000;

/**
 * WAL checkpoints on a worker thread with its own connection to the database.
 *
 * SQLite's automatic checkpoint runs inside whichever COMMIT pushes the WAL past 1,000 pages: it copies them
 * into the database file and fsyncs twice, and with better-sqlite3 that blocks the event loop for 5–10 ms
 * every few hundred packets. Every packet arriving meanwhile waits. Here the copying and syncing happen on
 * another thread while the relay keeps writing to the WAL. Only rewinding the WAL needs the relay's writes
 * to stop: for that short moment the worker asks the relay to hold its group commits (writes queue, the
 * event loop runs on) instead of letting a COMMIT block in SQLite's busy handler.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #options: CheckpointerOptions;
  #stopped = false;
  #pauseTimer: NodeJS.Timeout | undefined;
  #pausedAt = 0;

  constructor(path: string, options: CheckpointerOptions) {
    this.#options = options;
    this.#worker = new Worker(new URL("./checkpointWorker.ts", import.meta.url), {
      workerData: { path, intervalMs: options.intervalMs ?? 200, restartFrames: options.restartFrames ?? 4_000 },
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB.checkpoint },
    });
    options.onThread?.("checkpoint", this.#worker);
    this.#worker.on("message", (message: CheckpointerMessage) => {
      switch (message.type) {
        case "checkpoint": {
          const { type: _type, ...stats } = message;
          options.onCheckpoint?.(stats);
          return;
        }
        case "error":
          options.onError(new Error(`WAL checkpoint failed: ${message.error}`), false);
          return;
        case "pause":
          // Group commits run synchronously on this thread, so none is in progress while this message is handled.
          options.pauseWrites();
          this.#pausedAt = performance.now();
          this.#pauseTimer = setTimeout(() => this.#resume(), MAX_PAUSE_MS);
          this.#pauseTimer.unref();
          this.#worker.postMessage("paused");
          return;
        case "resume":
          this.#resume();
          return;
      }
    });
    this.#worker.on("error", (error) => {
      this.#resume();
      if (!this.#stopped) options.onError(error, true);
    });
    this.#worker.unref();
  }

  #resume(): void {
    if (this.#pauseTimer === undefined) return;
    clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    this.#options.resumeWrites();
    this.#options.onWritesHeld?.(performance.now() - this.#pausedAt);
  }

  /** Stops checkpointing; the worker closes its connection and exits. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#resume();
    this.#worker.postMessage("stop");
  }
}
