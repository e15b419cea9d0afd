import type { ICryptoInterface } from "@chainsafe/libp2p-noise";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { createRequire } from "node:module";
import { concatInto } from "#protocol";
import { takeBytes } from "./byteSlab.ts";

const TAG_BYTES = 16;

type Sodium = typeof import("sodium-native");

type Chunks = Uint8Array | { byteLength: number; subarray(): Uint8Array; [Symbol.iterator](): Iterator<Uint8Array> };

function sameStart(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteOffset === b.byteOffset && a.buffer === b.buffer;
}

/**
 * Noise's default crypto with its ChaCha20-Poly1305 done by libsodium (sodium-native), in place; Noise's own
 * default crypto, unchanged, without the add-on (`sodium` undefined).
 *
 * Why: every link message of a relay goes through here, ~4 per packet. node:crypto makes a cipher object
 * and three new ArrayBuffers per message (`update`, `final`, `getAuthTag`) plus a copy to join them, and
 * Noise's WebAssembly path (messages under 1,200 bytes) one more; each ArrayBuffer is swept by the next
 * scavenge, inside its pause when the sweeping thread has no core (bench/results/relay-profile.md).
 * libsodium writes the ciphertext straight into a slice of a shared slab and decrypts into the received
 * bytes themselves (Noise passes that `dst`, as it does to its WebAssembly cipher), and one call takes
 * 1.3 µs where node:crypto's sequence takes 5.9 µs for a 1,552-byte PACKET. Same cipher, same bytes on the wire.
 */
export function createNoiseCrypto(sodium: Sodium | undefined): ICryptoInterface {
  if (!sodium) return defaultCrypto;
  return {
    ...defaultCrypto,
    chaCha20Poly1305Encrypt(plaintext: Chunks, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array) {
      const out = takeBytes(plaintext.byteLength + TAG_BYTES);
      let message: Uint8Array;
      if (plaintext instanceof Uint8Array) message = plaintext;
      else {
        // Yamux's frames of one tick come as a list: gathered into the output and sealed in place.
        message = out.subarray(0, plaintext.byteLength);
        concatInto(plaintext, message);
      }
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, message, ad, null, nonce, k);
      return out;
    },
    chaCha20Poly1305Decrypt(ciphertext: Chunks, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array, dst?: Uint8Array) {
      if (ciphertext.byteLength < TAG_BYTES) throw new Error(`Noise message of ${ciphertext.byteLength} bytes is shorter than its tag`);
      const textBytes = ciphertext.byteLength - TAG_BYTES;
      let sealed: Uint8Array;
      let plaintext: Uint8Array;
      if (!(ciphertext instanceof Uint8Array)) {
        // A private copy: deciphered in place.
        sealed = takeBytes(ciphertext.byteLength);
        concatInto(ciphertext, sealed);
        plaintext = sealed.subarray(0, textBytes);
      } else {
        sealed = ciphertext;
        // Noise's `dst` is the received ciphertext's own first bytes: libsodium checks the tag first, then
        // deciphers in place. Any other `dst` could overlap the ciphertext shifted, so it is not used.
        plaintext = dst !== undefined && sameStart(dst, sealed) && dst.byteLength >= textBytes ? dst.subarray(0, textBytes) : takeBytes(textBytes);
      }
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(plaintext, null, sealed, ad, nonce, k);
      return plaintext;
    },
  };
}

/** Loads the add-on; a host where its prebuild does not load still connects, with Noise's own (slower) cipher. */
function loadSodium(): { sodium: Sodium } | { reason: string } {
  try {
    return { sodium: createRequire(import.meta.url)("sodium-native") as Sodium };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

const loaded = loadSodium();

/**
 * Which ChaCha20-Poly1305 this process's links use, and, for Noise's own, why the add-on did not load. Only
 * speed differs: the bytes on the wire are the same. (A relay needs the add-on anyway, for its packet crypto, and
 * refuses to start without it, naming it: #protocol/native.)
 */
export const noiseCryptoProvider: { name: "libsodium" } | { name: "noise-default"; reason: string } =
  "sodium" in loaded ? { name: "libsodium" } : { name: "noise-default", reason: loaded.reason };

export const noiseCrypto: ICryptoInterface = createNoiseCrypto("sodium" in loaded ? loaded.sodium : undefined);
