// Worker thread of packetCrypto.ts: the relay's per-packet public-key work, off the event loop.
import { parentPort, workerData } from "node:worker_threads";
import { getNativeBackend } from "#protocol/native";
import { inboundSync, signSync, type InboundRequest, type PacketCryptoKeys, type SignRequest } from "./packetCrypto.ts";

const backend = getNativeBackend();
const keys = workerData as PacketCryptoKeys;

parentPort!.on("message", (message: { id: number; op: "inbound" | "sign"; request: InboundRequest | SignRequest }) => {
  try {
    const result = message.op === "inbound" ? inboundSync(backend, keys, message.request as InboundRequest) : signSync(backend, keys, message.request as SignRequest);
    parentPort!.postMessage({ id: message.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
