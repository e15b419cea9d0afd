// Worker thread of packetCrypto.ts: the relay's per-packet peel and ticket check, off the event loop.
import { parentPort, workerData } from "node:worker_threads";
import { getNativeBackend } from "#protocol/native";
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
  const buffer = packBytes(replies);
  parentPort!.postMessage(replies, [buffer]);
});

/**
 * Moves every byte array in `root` into one ArrayBuffer (each becomes a view into it), which is then
 * transferred, not copied. Cloned, each of the ~10 byte arrays of a peeled packet would arrive as its own
 * ArrayBuffer: external memory that makes the relay's main thread run full garbage collections far more
 * often (its GC time went from ~100 to ~260 ms per 8 s at 1,000 packets/s).
 */
function packBytes(root: object): ArrayBuffer {
  const fields: { holder: Record<string, unknown>; key: string; bytes: Uint8Array }[] = [];
  let total = 0;
  const walk = (node: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(node)) {
      if (value instanceof Uint8Array) {
        fields.push({ holder: node, key, bytes: value });
        total += value.length;
      } else if (value !== null && typeof value === "object") walk(value as Record<string, unknown>);
    }
  };
  walk(root as Record<string, unknown>);
  const buffer = new ArrayBuffer(total);
  const all = new Uint8Array(buffer);
  let offset = 0;
  for (const { holder, key, bytes } of fields) {
    all.set(bytes, offset);
    holder[key] = new Uint8Array(buffer, offset, bytes.length);
    offset += bytes.length;
  }
  return buffer;
}
