// Worker thread of checkpointer.ts: copies the WAL back into the database file, off the event loop.
import Database from "better-sqlite3";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { CheckpointerMessage } from "./checkpointer.ts";

const { path, intervalMs, restartFrames } = workerData as { path: string; intervalMs: number; restartFrames: number };
const db = new Database(path);
db.pragma("busy_timeout = 5000");
/** The database file, to write its pages out before a rewind (fsync is per file, whichever descriptor asks). */
const dbFile = openSync(path, "r");

type CheckpointRow = { busy: number; log: number; checkpointed: number };
// Prepared once: `db.pragma()` prepares a statement per call, whose native memory lasts until its wrapper is
// collected, five times a second.
const passive = db.prepare<[], CheckpointRow>("PRAGMA wal_checkpoint(PASSIVE)");
const full = db.prepare<[], CheckpointRow>("PRAGMA wal_checkpoint(FULL)");
const post = (message: CheckpointerMessage) => parentPort!.postMessage(message);

/** Set while the relay's writes are paused for a rewind of the WAL (or being paused). */
let rewinding = false;
let started = 0;

const timer = setInterval(() => {
  if (rewinding) return;
  try {
    started = performance.now();
    // PASSIVE never blocks the relay's writes. Under continuous writes the WAL is only rewound from its start
    // when a checkpoint has copied every frame, so past `restartFrames` the rest is copied with the relay's
    // writes held (a second PASSIVE first copies what was written during the first, so little is left). The
    // relay holds them in its group commit, on request: a writer that finds the WAL locked would sleep in
    // SQLite's busy handler in steps of 1, 2, 5 ms…, which turned a 2–3 ms RESTART into an 8–9 ms stall of
    // the event loop every few hundred milliseconds under load.
    let row = passive.get();
    if (row && row.log > restartFrames) {
      // A checkpoint that copies the whole WAL ends with an fsync of the database file, and a PASSIVE one that
      // does not get to the end never syncs it: the rewind's would write out every page copied since the last
      // rewind (tens of megabytes, 5–15 ms) with the relay's writes held. Written out here, it finds little.
      fsyncSync(dbFile);
      row = passive.get();
      rewinding = true;
      post({ type: "pause" });
      return;
    }
    post({ type: "checkpoint", ms: performance.now() - started, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0, rewound: false });
  } catch (error) {
    post({ type: "error", error: (error as Error).message });
  }
}, intervalMs);

parentPort!.on("message", (message: "paused" | "stop") => {
  if (message === "paused") {
    try {
      // With the relay's writes held, FULL copies the rest of the WAL without waiting, and the relay's next
      // write transaction starts the WAL over from its beginning (a RESTART would also wait here for every
      // read to end, and the relay keeps reading meanwhile).
      const row = full.get();
      post({ type: "checkpoint", ms: performance.now() - started, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0, rewound: true });
    } catch (error) {
      post({ type: "error", error: (error as Error).message });
    } finally {
      rewinding = false;
      post({ type: "resume" });
    }
    return;
  }
  clearInterval(timer);
  db.close();
  closeSync(dbFile);
  parentPort!.close();
});
