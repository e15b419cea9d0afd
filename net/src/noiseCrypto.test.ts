import { randomBytes } from "node:crypto";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNoiseCrypto, noiseCrypto, noiseCryptoProvider } from "./noiseCrypto.ts";

const bytes = (x: Uint8Array | { subarray(): Uint8Array }) => Buffer.from(x instanceof Uint8Array ? x : x.subarray());
/** A Uint8ArrayList look-alike: several chunks, as yamux hands them to Noise. */
const chunked = (data: Uint8Array, cuts: number[] = [12, 700]) => {
  const at = [0, ...cuts.filter((c) => c < data.byteLength).sort((a, b) => a - b), data.byteLength];
  const parts = at.slice(1).map((end, i) => data.subarray(at[i], end));
  return { byteLength: data.byteLength, subarray: () => data.slice(), [Symbol.iterator]: () => parts[Symbol.iterator]() } as never;
};
/** Noise's own reference: its default crypto (node:crypto from 1,200 bytes, WebAssembly below). */
const reference = (plaintext: Uint8Array, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array) => bytes(defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k));

describe("noiseCrypto", () => {
  it("uses libsodium here, and without the add-on is Noise's own default crypto, which speaks the same bytes", () => {
    expect(noiseCryptoProvider).toEqual({ name: "libsodium" });
    expect(noiseCrypto).not.toBe(defaultCrypto);
    const fallback = createNoiseCrypto(undefined);
    expect(fallback).toBe(defaultCrypto);
    const [k, nonce, ad, plaintext] = [randomBytes(32), randomBytes(12), randomBytes(5), randomBytes(1552)];
    const sealed = bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k));
    expect(bytes(fallback.chaCha20Poly1305Decrypt(sealed, nonce, ad, k))).toEqual(plaintext);
  });

  it("encrypts and decrypts exactly like Noise's default crypto, for contiguous and chunked input, and rejects tampering", () => {
    for (const size of [0, 10, 1199, 1200, 1552, 5000, 9000, 65519]) {
      const [k, nonce, ad, plaintext] = [randomBytes(32), randomBytes(12), randomBytes(5), randomBytes(size)];
      const expected = reference(plaintext, nonce, ad, k);
      expect(bytes(noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k))).toEqual(expected);
      expect(bytes(noiseCrypto.chaCha20Poly1305Encrypt(chunked(plaintext), nonce, ad, k))).toEqual(expected);
      expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(chunked(expected), nonce, ad, k))).toEqual(plaintext);
      expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(expected, nonce, ad, k))).toEqual(plaintext);
      const tampered = Buffer.from(expected);
      tampered[tampered.length - 1]! ^= 1;
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(tampered, nonce, ad, k)).toThrow();
    }
  });

  it("matches the reference for any size, key, nonce, data and chunking; any flipped bit is rejected (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(3000), { maxLength: 4 }),
        fc.nat(),
        (k, nonce, ad, plaintext, cuts, flip) => {
          const expected = reference(plaintext, nonce, ad, k);
          expect(bytes(noiseCrypto.chaCha20Poly1305Encrypt(chunked(plaintext, cuts), nonce, ad, k))).toEqual(expected);
          expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(chunked(expected, cuts), nonce, ad, k))).toEqual(Buffer.from(plaintext));
          const tampered = Buffer.from(expected);
          const bit = flip % (tampered.length * 8);
          tampered[bit >> 3]! ^= 1 << (bit & 7);
          expect(() => noiseCrypto.chaCha20Poly1305Decrypt(tampered, nonce, ad, k)).toThrow();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("deciphers in place into Noise's dst (the ciphertext's first bytes), and never into a dst that starts elsewhere", () => {
    const [k, nonce, ad, plaintext] = [randomBytes(32), randomBytes(12), new Uint8Array(0), randomBytes(1552)];
    const received = Buffer.concat([randomBytes(7), reference(plaintext, nonce, ad, k)]);
    const sealed = received.subarray(7);
    const opened = noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, k, sealed.subarray(0, plaintext.length)) as Uint8Array;
    expect(Buffer.from(opened)).toEqual(plaintext);
    expect(opened.byteOffset).toBe(sealed.byteOffset);
    expect(opened.buffer).toBe(sealed.buffer);

    // A dst one byte into the ciphertext would be overwritten while still being read: a copy is used instead.
    const again = Buffer.concat([randomBytes(7), reference(plaintext, nonce, ad, k)]);
    const shifted = again.subarray(8, 8 + plaintext.length);
    const before = Buffer.from(again);
    expect(Buffer.from(noiseCrypto.chaCha20Poly1305Decrypt(again.subarray(7), nonce, ad, k, shifted) as Uint8Array)).toEqual(plaintext);
    expect(again).toEqual(before);
  });

  it("leaves its input alone when no dst is given: the handshake hashes the ciphertext after deciphering it", () => {
    const [k, nonce, ad, plaintext] = [randomBytes(32), randomBytes(12), randomBytes(32), randomBytes(80)];
    const sealed = reference(plaintext, nonce, ad, k);
    const copy = Buffer.from(sealed);
    expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, k))).toEqual(plaintext);
    expect(bytes(noiseCrypto.chaCha20Poly1305Decrypt(chunked(sealed, [5, 40]), nonce, ad, k))).toEqual(plaintext);
    expect(sealed).toEqual(copy);
  });

  it("gives every encrypted message its own bytes, also when many share a slab", () => {
    const [k, ad] = [randomBytes(32), new Uint8Array(0)];
    const messages = Array.from({ length: 100 }, (_, i) => ({ nonce: randomBytes(12), plaintext: randomBytes(100 + i * 37) }));
    const sealed = messages.map(({ nonce, plaintext }) => noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) as Uint8Array);
    messages.forEach(({ nonce, plaintext }, i) => expect(Buffer.from(sealed[i]!)).toEqual(reference(plaintext, nonce, ad, k)));
  });

  it("rejects a message shorter than its tag with a clear error", () => {
    expect(() => noiseCrypto.chaCha20Poly1305Decrypt(new Uint8Array(15), randomBytes(12), new Uint8Array(0), randomBytes(32))).toThrow(/shorter than its tag/);
  });
});
