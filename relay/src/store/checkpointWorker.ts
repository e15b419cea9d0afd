// Worker thread of checkpointer.ts: copies the WAL back into the database file, off the event loop.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

const { path, intervalMs, restartFrames } = workerData as { path: string; intervalMs: number; restartFrames: number };
const db = new Database(path);
db.pragma("busy_timeout = 5000");

type CheckpointRow = { busy: number; log: number; checkpointed: number };

const timer = setInterval(() => {
  try {
    const started = performance.now();
    // PASSIVE never blocks the relay's writes. Under continuous writes the WAL is only rewound from its start
    // when a checkpoint has copied every frame, so past `restartFrames` a RESTART (writers wait for it) bounds
    // the file; a second PASSIVE first copies what was written during the first, so little is left for it.
    let [row] = db.pragma("wal_checkpoint(PASSIVE)") as CheckpointRow[];
    if (row && row.log > restartFrames) {
      db.pragma("wal_checkpoint(PASSIVE)");
      [row] = db.pragma("wal_checkpoint(RESTART)") as CheckpointRow[];
    }
    parentPort!.postMessage({ ms: performance.now() - started, log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 });
  } catch (error) {
    parentPort!.postMessage({ error: (error as Error).message });
  }
}, intervalMs);

parentPort!.on("message", (message: "stop") => {
  if (message !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
