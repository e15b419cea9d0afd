// Worker thread of packetCrypto.ts: the relay's per-packet peel and ticket check, off the event loop.
import { parentPort, workerData } from "node:worker_threads";
import { getNativeBackend } from "#protocol/native";
import { packBytes } from "./packBytes.ts";
import { inboundSync, type CryptoWorkerReply, type CryptoWorkerRequest, type PacketCryptoKeys } from "./packetCrypto.ts";

const backend = getNativeBackend();
const keys = workerData as PacketCryptoKeys;

parentPort!.on("message", (batch: CryptoWorkerRequest[]) => {
  const replies: CryptoWorkerReply[] = [];
  for (const { id, request } of batch) {
    try {
      replies.push({ id, result: inboundSync(backend, keys, request) });
    } catch (error) {
      replies.push({ id, error: (error as Error).message });
    }
  }
  const packed = packBytes(replies);
  parentPort!.postMessage(packed.message, [packed.buffer]);
});
