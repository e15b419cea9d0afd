// Worker thread of packetCrypto.ts that prepares presignatures (protocol/src/crypto/presign.ts) for the
// relay's ticket signatures, at the lowest CPU priority: see `PRESIGN_NICE`.
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { createNativeBackend } from "#protocol/native";
import { createPresignatures, type Presignature } from "#protocol";
import { createRandomPool } from "../util/randomPool.ts";
import { packBytes } from "./packBytes.ts";
import type { PresignReply, PresignRequest } from "./packetCrypto.ts";

/**
 * Presignatures are made ahead of need (hundreds in stock), so they can wait for a core nobody else wants.
 * At nice 19 this thread runs when the event loop, the crypto worker and everything else on the machine are
 * idle, and a thread of normal priority that wakes takes the core back at once: before, the crypto worker
 * made them between packets, in chunks of ~0.5 ms that every packet arriving meanwhile waited for, and they
 * were ~13 % of its time. On Linux a nice value is a thread's own; elsewhere it is the whole process's, so the
 * thread keeps normal priority there.
 */
const PRESIGN_NICE = 19;
if (process.platform === "linux") {
  try {
    setPriority(PRESIGN_NICE);
  } catch {
    // Not allowed (some sandboxes): presignatures are then made at normal priority, as before.
  }
}

const backend = createNativeBackend();
/** Presignatures made per turn of this thread's loop, so that a "stop" is seen soon. */
const CHUNK = 64;

/** Nonce randomness: 32 bytes per presignature, drawn 4 KiB at a time. */
const random = createRandomPool(32 * 128);

const reply = (message: PresignReply) => {
  const packed = packBytes(message);
  parentPort!.postMessage(packed.message, [packed.buffer]);
};

/** Set by "stop": no more chunks are started, so the thread ends between two native calls. */
let stopping = false;

function presign(id: number, count: number, made: Presignature[] = []): void {
  if (stopping) return;
  try {
    made.push(...createPresignatures(backend, Math.min(CHUNK, count - made.length), random));
  } catch (error) {
    reply({ id, error: (error as Error).message });
    return;
  }
  if (made.length < count) setImmediate(() => presign(id, count, made));
  else reply({ id, result: made });
}

parentPort!.on("message", (request: PresignRequest | "stop") => {
  if (request === "stop") {
    // Ending on its own, with nothing in flight: a terminate() that lands inside the secp256k1 add-on can abort
    // the whole process (node-addon-api cannot throw into a terminating thread).
    stopping = true;
    parentPort!.close();
    return;
  }
  presign(request.id, request.count);
});
