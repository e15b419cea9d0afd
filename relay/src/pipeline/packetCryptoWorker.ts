// Worker thread of packetCrypto.ts: the relay's per-packet peel and ticket check, off the event loop, and
// presignatures prepared in between.
import { randomFillSync } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { createNativeBackend } from "#protocol/native";
import { createPresignatures, type Presignature } from "#protocol";
import { packBytes } from "./packBytes.ts";
import { inboundSync, type CryptoWorkerReply, type CryptoWorkerRequest, type PacketCryptoKeys } from "./packetCrypto.ts";

/**
 * Public-key work native; the peel's ChaCha20 in JS (@noble/ciphers). node:crypto's is ~3 µs faster per packet,
 * but each call leaves a cipher and a key object whose weak handles this thread's next scavenge must process
 * inside its pause, and a packet waits for the whole pause. bench:relay, alternating: p99 per hop 6.6, 7.7 and
 * 6.2 ms against 7.4 and 7.4 with node:crypto, this thread's GC time lower (bench/results/relay-profile.md).
 */
const backend = createNativeBackend({ ciphers: "noble" });
const keys = workerData as PacketCryptoKeys;
/** Presignature nonces come from the OS CSPRNG. */
const random = (length: number) => randomFillSync(new Uint8Array(length));
/** Presignatures made per turn of this thread's loop (~0.5 ms): packets waiting to be peeled go in between. */
const CHUNK = 16;

const reply = (replies: CryptoWorkerReply[]) => {
  const packed = packBytes(replies);
  parentPort!.postMessage(packed.message, [packed.buffer]);
};

/** Set by "stop": no more presignatures are started, so the thread ends between two native calls. */
let stopping = false;

function presign(id: number, count: number, made: Presignature[] = []): void {
  if (stopping) return;
  try {
    made.push(...createPresignatures(backend, Math.min(CHUNK, count - made.length), random));
  } catch (error) {
    reply([{ id, error: (error as Error).message }]);
    return;
  }
  if (made.length < count) setImmediate(() => presign(id, count, made));
  else reply([{ id, result: made }]);
}

parentPort!.on("message", (batch: CryptoWorkerRequest[] | "stop") => {
  if (batch === "stop") {
    // Ending on its own, with nothing in flight: a terminate() that lands inside the secp256k1 add-on can abort
    // the whole process (node-addon-api cannot throw into a terminating thread).
    stopping = true;
    parentPort!.close();
    return;
  }
  const replies: CryptoWorkerReply[] = [];
  for (const request of batch) {
    if ("presignatures" in request) {
      setImmediate(() => presign(request.id, request.presignatures));
      continue;
    }
    try {
      replies.push({ id: request.id, result: inboundSync(backend, keys, request.request) });
    } catch (error) {
      replies.push({ id: request.id, error: (error as Error).message });
    }
  }
  if (replies.length > 0) reply(replies);
});
