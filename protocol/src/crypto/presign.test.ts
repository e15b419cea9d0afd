import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { portableBackend as portable } from "../index.ts";
import { getNativeBackend } from "../native.ts";
import { decodeUint, encodeUint } from "../utils/bytes.ts";
import { createPresignatures, signWithPresignature } from "./presign.ts";

const createPresignature = (backend: Parameters<typeof createPresignatures>[0], rnd: (n: number) => Uint8Array) => createPresignatures(backend, 1, rnd)[0]!;
import { CURVE_ORDER, HALF_CURVE_ORDER, parseRecoverableSignature } from "./scalars.ts";

const native = getNativeBackend();
const arbScalar = fc.bigInt({ min: 1n, max: CURVE_ORDER - 1n }).map((v) => encodeUint(v, 32));
const arb32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const random = (n: number) => new Uint8Array(randomBytes(n));

describe("presignatures: ECDSA with the nonce prepared ahead", () => {
  for (const [name, backend] of [["native", native], ["portable", portable]] as const) {
    it(`property (${name}): every signature verifies, recovers the signer, and is low-s with v ∈ {27, 28}`, () => {
      fc.assert(
        fc.property(arbScalar, arb32, (privateKey, digest) => {
          const publicKey = backend.publicKeyFromPrivate(privateKey);
          const signature = signWithPresignature(backend, digest, privateKey, createPresignature(backend, random));
          const { compact } = parseRecoverableSignature(signature); // throws on high s or a bad v
          expect(decodeUint(compact.subarray(32))).toBeLessThanOrEqual(HALF_CURVE_ORDER);
          // Both back-ends accept it, as they accept RFC 6979 signatures.
          for (const verifier of [native, portable]) {
            expect(verifier.ecdsaVerify(digest, signature, publicKey)).toBe(true);
            expect(verifier.ecdsaRecover(digest, signature)).toEqual(verifier.uncompressPublicKey(publicKey));
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it("property: a presignature made by one back-end finishes the same signature on the other", () => {
    fc.assert(
      fc.property(arbScalar, arb32, (privateKey, digest) => {
        const presignature = createPresignature(native, random);
        expect(signWithPresignature(portable, digest, privateKey, presignature)).toEqual(signWithPresignature(native, digest, privateKey, presignature));
      }),
      { numRuns: 40 },
    );
  });

  it("draws a fresh nonce every time, uniform by rejection: out-of-range draws are skipped", () => {
    const draws = [new Uint8Array(32), encodeUint(CURVE_ORDER, 32), encodeUint(CURVE_ORDER + 5n, 32), encodeUint(7n, 32)];
    const presignature = createPresignature(native, () => draws.shift()!);
    expect(draws).toHaveLength(0); // zero, n and n + 5 were drawn and refused; k = 7 was used
    const r = native.publicKeyFromPrivate(encodeUint(7n, 32)).subarray(1);
    expect(presignature.r).toEqual(r);
    expect((decodeUint(presignature.kInverse) * 7n) % CURVE_ORDER).toBe(1n);
    const rs = new Set(Array.from({ length: 50 }, () => Buffer.from(createPresignature(native, random).r).toString("hex")));
    expect(rs.size).toBe(50);
  });

  it("property: a batch inverts every nonce (Montgomery's trick), each presignature signing on its own", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: CURVE_ORDER - 1n }), { minLength: 1, maxLength: 20 }), arbScalar, arb32, (ks, privateKey, digest) => {
        const draws = ks.map((k) => encodeUint(k, 32));
        const batch = createPresignatures(native, ks.length, () => draws.shift()!);
        expect(batch).toHaveLength(ks.length);
        batch.forEach((p, i) => {
          expect((decodeUint(p.kInverse) * ks[i]!) % CURVE_ORDER).toBe(1n);
          expect(p.r).toEqual(native.publicKeyFromPrivate(encodeUint(ks[i]!, 32)).subarray(1));
        });
        const publicKey = native.publicKeyFromPrivate(privateKey);
        for (const p of batch) expect(native.ecdsaVerify(digest, signWithPresignature(native, digest, privateKey, p), publicKey)).toBe(true);
      }),
      { numRuns: 30 },
    );
    expect(createPresignatures(native, 0, random)).toEqual([]);
  });

  it("signs digests at or above the group order as their value mod n, as ECDSA reduces them", () => {
    const privateKey = encodeUint(12345n, 32);
    const publicKey = native.publicKeyFromPrivate(privateKey);
    for (const value of [CURVE_ORDER, CURVE_ORDER + 1n, (1n << 256n) - 1n]) {
      const digest = encodeUint(value, 32);
      const signature = signWithPresignature(native, digest, privateKey, createPresignature(native, random));
      expect(native.ecdsaVerify(digest, signature, publicKey)).toBe(true);
      expect(portable.ecdsaRecover(digest, signature)).toEqual(native.uncompressPublicKey(publicKey));
    }
  });

  it("rejects a digest that is not 32 bytes", () => {
    expect(() => signWithPresignature(native, new Uint8Array(31), encodeUint(1n, 32), createPresignature(native, random))).toThrow(/digest/);
  });
});
