import type { CryptoBackend } from "../crypto/backend.ts";

const encoder = new TextEncoder();
const labelCache = new Map<string, Uint8Array>();

function labelBytes(label: string): Uint8Array {
  let bytes = labelCache.get(label);
  if (!bytes) {
    bytes = encoder.encode(label);
    labelCache.set(label, bytes);
  }
  return bytes;
}

/**
 * BOLT 4 "Key Generation": HMAC-SHA256 keyed with the ASCII label (no terminator) over the 32-byte
 * secret. Used for rho, mu, um, pad, ammag, blinded_node_id and Sotto's sotto_ack / sotto_replay.
 */
export function deriveKey(backend: CryptoBackend, label: string, secret: Uint8Array): Uint8Array {
  return backend.hmacSha256(labelBytes(label), secret);
}

/** The 96-bit all-zero nonce of BOLT 4 streams and of `encrypted_recipient_data`. */
export const ZERO_NONCE: Uint8Array = new Uint8Array(12);

/** `length` bytes of ChaCha20 keystream under `key` with the zero nonce (BOLT 4 "Pseudo Random Byte Stream"). */
export function generateCipherStream(backend: CryptoBackend, key: Uint8Array, length: number): Uint8Array {
  return backend.chacha20(key, ZERO_NONCE, new Uint8Array(length));
}
