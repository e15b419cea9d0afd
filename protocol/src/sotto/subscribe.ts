import type { CryptoBackend } from "../crypto/backend.ts";
import { SUBSCRIBE_LABEL, SUBSCRIBE_MAX_SKEW_SECONDS } from "../constants.ts";
import { asProtocolError } from "../errors.ts";
import { concatBytes, encodeUint, equalBytes } from "../utils/bytes.ts";
import type { SubscribeFrame } from "./frames.ts";

const label = new TextEncoder().encode(SUBSCRIBE_LABEL);

/**
 * SHA256("sotto_subscribe" ‖ relay node id ‖ recipient node id ‖ u64 timestamp): binding the relay's onion
 * key means a subscription cannot be replayed at another relay; the timestamp bounds replays at this one.
 */
export function subscribeDigest(backend: CryptoBackend, p: { relayNodeId: Uint8Array; recipientNodeId: Uint8Array; timestamp: bigint }): Uint8Array {
  return backend.sha256(concatBytes(label, p.relayNodeId, p.recipientNodeId, encodeUint(p.timestamp, 8, "timestamp")));
}

/** The recipient's SUBSCRIBE for `relayNodeId`, signed with the private key of its node id. */
export function createSubscribe(backend: CryptoBackend, p: { privateKey: Uint8Array; relayNodeId: Uint8Array; timestamp: bigint }): SubscribeFrame {
  const recipientNodeId = backend.publicKeyFromPrivate(p.privateKey);
  const signature = backend.ecdsaSign(subscribeDigest(backend, { relayNodeId: p.relayNodeId, recipientNodeId, timestamp: p.timestamp }), p.privateKey);
  return { type: "subscribe", recipientNodeId, timestamp: p.timestamp, signature };
}

export type SubscribeCheck = { ok: true } | { ok: false; reason: "stale" | "bad_signature" };

/** Relay side: is this SUBSCRIBE signed by its node id, for this relay, and fresh (± 300 s)? */
export function verifySubscribe(backend: CryptoBackend, frame: SubscribeFrame, p: { relayNodeId: Uint8Array; nowSeconds: bigint }): SubscribeCheck {
  const skew = frame.timestamp > p.nowSeconds ? frame.timestamp - p.nowSeconds : p.nowSeconds - frame.timestamp;
  if (skew > BigInt(SUBSCRIBE_MAX_SKEW_SECONDS)) return { ok: false, reason: "stale" };
  try {
    const digest = subscribeDigest(backend, { relayNodeId: p.relayNodeId, recipientNodeId: frame.recipientNodeId, timestamp: frame.timestamp });
    const recovered = backend.ecdsaRecover(digest, frame.signature);
    const compressed = new Uint8Array(33);
    compressed[0] = (recovered[64]! & 1) === 0 ? 0x02 : 0x03;
    compressed.set(recovered.subarray(1, 33), 1);
    return equalBytes(compressed, frame.recipientNodeId) ? { ok: true } : { ok: false, reason: "bad_signature" };
  } catch (error) {
    asProtocolError(error, "verifySubscribe");
    return { ok: false, reason: "bad_signature" };
  }
}
