// Worker thread of packetCrypto.ts: the relay's per-packet peel and ticket check, off the event loop.
import { parentPort, workerData } from "node:worker_threads";
import { createNativeBackend } from "#protocol/native";
import { packBytes } from "./packBytes.ts";
import { inboundSync, type CryptoWorkerReply, type CryptoWorkerRequest, type PacketCryptoKeys } from "./packetCrypto.ts";

/**
 * Public-key work in libsecp256k1, the peel's ChaCha20 in libsodium: neither leaves native objects whose weak
 * handles this thread's scavenges must process inside their pause, as node:crypto's cipher and key objects did
 * (bench/results/relay-profile.md).
 */
const backend = createNativeBackend();
const keys = workerData as PacketCryptoKeys;

const reply = (replies: CryptoWorkerReply[]) => {
  const packed = packBytes(replies);
  parentPort!.postMessage(packed.message, [packed.buffer]);
};

parentPort!.on("message", (batch: CryptoWorkerRequest[] | "stop") => {
  if (batch === "stop") {
    // Ending on its own, with nothing in flight: a terminate() that lands inside the secp256k1 add-on can abort
    // the whole process (node-addon-api cannot throw into a terminating thread).
    parentPort!.close();
    return;
  }
  const replies: CryptoWorkerReply[] = [];
  for (const request of batch) {
    try {
      replies.push({ id: request.id, result: inboundSync(backend, keys, request.request) });
    } catch (error) {
      replies.push({ id: request.id, error: (error as Error).message });
    }
  }
  if (replies.length > 0) reply(replies);
});
