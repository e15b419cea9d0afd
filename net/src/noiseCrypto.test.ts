import { randomBytes } from "node:crypto";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { describe, expect, it } from "vitest";
import { noiseCrypto } from "./noiseCrypto.ts";

const bytes = (x: Uint8Array | { subarray(): Uint8Array }) => Buffer.from(x instanceof Uint8Array ? x : x.subarray());
/** A Uint8ArrayList look-alike: several chunks, as yamux hands them to Noise. */
const chunked = (data: Uint8Array) => {
  const parts = [data.subarray(0, 12), data.subarray(12, 700), data.subarray(700)];
  return { byteLength: data.byteLength, subarray: () => data.slice(), [Symbol.iterator]: () => parts[Symbol.iterator]() };
};

describe("noiseCrypto", () => {
  it("encrypts and decrypts exactly like Noise's default crypto, for contiguous and chunked input, and rejects tampering", () => {
    for (const size of [0, 10, 1199, 1200, 1552, 5000, 65519]) {
      const [k, nonce, ad, plaintext] = [randomBytes(32), randomBytes(12), randomBytes(5), randomBytes(size)];
      const expected = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k));
      expect(bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))).toEqual(expected);
      if (size >= 1200) {
        expect(bytes(noiseCrypto.chaCha20Poly1305Encrypt(chunked(plaintext) as never, nonce, ad, k))).toEqual(expected);
        expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(chunked(expected) as never, nonce, ad, k))).toEqual(plaintext);
      }
      expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(expected, nonce, ad, k))).toEqual(plaintext);
      const tampered = Buffer.from(expected);
      tampered[tampered.length - 1]! ^= 1;
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(tampered, nonce, ad, k)).toThrow();
    }
  });

  it("uses the key's current bytes when a key array is reused for another key", () => {
    const [k, nonce, ad, plaintext] = [randomBytes(32), randomBytes(12), randomBytes(5), randomBytes(1552)];
    noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k);
    k.set(randomBytes(32));
    const expected = bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k));
    expect(bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))).toEqual(expected);
    expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(expected, nonce, ad, k))).toEqual(plaintext);
  });
});
