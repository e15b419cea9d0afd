import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";
import type { ICryptoInterface } from "@chainsafe/libp2p-noise";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";

/** Noise's default crypto sends payloads from this size to node:crypto, smaller ones to its WebAssembly ChaCha20-Poly1305. */
const NODE_MIN_BYTES = 1200;
const TAG_BYTES = 16;

/**
 * One KeyObject per Noise cipher key. A session's CipherState passes the same key array with every message,
 * so the key is imported once per direction and session instead of per message: a KeyObject is a native
 * object whose weak handle every scavenge must process, one per message otherwise. The bytes are compared
 * on every use (32 bytes, ~50 ns), so a key array that is reused for another key cannot pick up the old one.
 */
const keyObjects = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();
function keyObject(k: Uint8Array): KeyObject {
  const cached = keyObjects.get(k);
  if (cached !== undefined && cached.bytes.equals(k)) return cached.key;
  const key = createSecretKey(k);
  keyObjects.set(k, { bytes: Buffer.from(k), key });
  return key;
}

type Chunks = Uint8Array | { byteLength: number; subarray(): Uint8Array; [Symbol.iterator](): Iterator<Uint8Array> };

/**
 * Noise's default crypto with one change: node:crypto's ChaCha20-Poly1305 gets its key as a KeyObject.
 * On Node 24, `createCipheriv` with a raw key spends ~10 µs per call in two failed brand checks
 * (`isKeyObject`, `isCryptoKey`) before it ciphers; making a KeyObject first costs ~1 µs. Same cipher, same
 * bytes on the wire; every message of a Sotto link of ≥ 1200 bytes (a PACKET is 1552) goes through here.
 */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt(plaintext: Chunks, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array) {
    if (plaintext.byteLength < NODE_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext as Uint8Array, nonce, ad, k);
    const cipher = createCipheriv("chacha20-poly1305", keyObject(k), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
    const parts: Buffer[] = [];
    if (plaintext instanceof Uint8Array) parts.push(cipher.update(plaintext));
    else for (const chunk of plaintext) parts.push(cipher.update(chunk));
    parts.push(cipher.final(), cipher.getAuthTag());
    return Buffer.concat(parts);
  },
  chaCha20Poly1305Decrypt(ciphertext: Chunks, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array, dst?: Uint8Array) {
    if (ciphertext.byteLength < NODE_MIN_BYTES) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext as Uint8Array, nonce, ad, k, dst);
    const bytes = ciphertext instanceof Uint8Array ? ciphertext : ciphertext.subarray();
    const text = bytes.subarray(0, bytes.byteLength - TAG_BYTES);
    const decipher = createDecipheriv("chacha20-poly1305", keyObject(k), nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(ad, { plaintextLength: text.byteLength });
    decipher.setAuthTag(bytes.subarray(bytes.byteLength - TAG_BYTES));
    const output = decipher.update(text);
    const final = decipher.final();
    return final.byteLength > 0 ? Buffer.concat([output, final]) : output;
  },
};
