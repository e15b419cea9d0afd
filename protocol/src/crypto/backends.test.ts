/**
 * The two crypto back-ends are interchangeable: identical bytes for every operation (property tests on
 * random inputs), the same typed errors on bad input, and the native one really runs libsecp256k1
 * through the N-API add-on (never the silent pure-JS `elliptic` fallback of `require("secp256k1")`).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { key } from "../../../test/protocol/helpers.ts";
import { BaseError, DecryptionFailedError, InvalidPrivateKeyError, InvalidPublicKeyError, InvalidSignatureError, NativeBackendUnavailableError } from "../errors.ts";
import { portableBackend as portable } from "../index.ts";
import { getNativeBackend, nativeBindingInfo } from "../native.ts";
import { CURVE_ORDER } from "./scalars.ts";
import { decodeUint, encodeUint } from "../utils/bytes.ts";

const native = getNativeBackend();

const arbScalar = fc.bigInt({ min: 1n, max: CURVE_ORDER - 1n }).map((v) => encodeUint(v, 32));
const arbBytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
const arb32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const arb12 = fc.uint8Array({ minLength: 12, maxLength: 12 });
const PK_RUNS = 40;

function same<T>(f: (b: typeof native) => T): T {
  const a = f(portable);
  expect(f(native)).toEqual(a);
  return a;
}

/** Both back-ends throw, with the same error class. */
function sameError(f: (b: typeof native) => unknown): void {
  let a: unknown;
  let b: unknown;
  try {
    f(portable);
  } catch (error) {
    a = error;
  }
  try {
    f(native);
  } catch (error) {
    b = error;
  }
  expect(a).toBeInstanceOf(BaseError);
  expect(b).toBeInstanceOf(BaseError);
  expect((b as Error).name).toBe((a as Error).name);
}

describe("native back-end", () => {
  it("loaded the secp256k1 N-API add-on, not the JS fallback", () => {
    const info = nativeBindingInfo();
    expect(info.addonPath).toMatch(/secp256k1.*\.node$/);
    expect(existsSync(info.addonPath)).toBe(true);
    expect(info.wrapperPath).toMatch(/secp256k1[\\/]bindings\.js$/);
    const require = createRequire(import.meta.url);
    expect(require.cache[info.addonPath]).toBeDefined();
    expect(native.name).toBe("native");
    expect(native.nativePublicKeyOps).toBe(true);
    expect(portable.nativePublicKeyOps).toBe(false);
  });
});

describe("portable and native back-ends agree", () => {
  it("on public-key operations", () => {
    fc.assert(
      fc.property(arbScalar, arbScalar, (a, b) => {
        const A = same((be) => be.publicKeyFromPrivate(a));
        same((be) => be.ecdh(A, b));
        same((be) => be.publicKeyMul(A, b));
        same((be) => be.privateKeyMul(a, b));
        // a + b ≡ 0 (mod n) is no private key: both refuse it the same way (fast-check's edge values find it).
        if ((decodeUint(a) + decodeUint(b)) % CURVE_ORDER === 0n) sameError((be) => be.privateKeyAdd(a, b));
        else same((be) => be.privateKeyAdd(a, b));
        same((be) => be.uncompressPublicKey(A));
        expect(native.isValidPublicKey(A)).toBe(true);
        // ECDH is symmetric: SHA256(b·A) = SHA256(a·B).
        expect(native.ecdh(A, b)).toEqual(portable.ecdh(portable.publicKeyFromPrivate(b), a));
      }),
      { numRuns: PK_RUNS },
    );
  });

  it("on ECDSA (deterministic signatures, recovery, verification)", () => {
    fc.assert(
      fc.property(arbScalar, arb32, (priv, digest) => {
        const sig = same((be) => be.ecdsaSign(digest, priv));
        expect(sig.length).toBe(65);
        expect([27, 28]).toContain(sig[64]);
        const pub = same((be) => be.ecdsaRecover(digest, sig));
        expect(pub).toEqual(portable.uncompressPublicKey(portable.publicKeyFromPrivate(priv)));
        expect(same((be) => be.ecdsaVerify(digest, sig, pub))).toBe(true);
        const other = digest.slice();
        other[0]! ^= 1;
        expect(same((be) => be.ecdsaVerify(other, sig, pub))).toBe(false);
      }),
      { numRuns: PK_RUNS },
    );
  });

  // The native HMAC builds its blocks in scratch arrays and returns digests in Buffer's shared pool: keys longer
  // than a block, inputs beyond the scratch bound, and digests kept while later calls run must all still agree.
  it("on HMAC with long keys and large inputs, and digests that later calls leave alone", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(arbBytes(200), fc.oneof(arbBytes(100), fc.integer({ min: 60_000, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff))))), (calls) => {
        const kept = calls.map(([key, data]) => ({ expected: portable.hmacSha256(key, data), mac: native.hmacSha256(key, data), hash: native.sha256(data) }));
        calls.forEach(([, data], i) => {
          expect(kept[i]!.mac).toEqual(kept[i]!.expected);
          expect(kept[i]!.hash).toEqual(portable.sha256(data));
        });
      }),
      { numRuns: 60 },
    );
  });

  it("on hashes, HMAC, ChaCha20 and ChaCha20-Poly1305", () => {
    fc.assert(
      fc.property(arb32, arb12, arbBytes(3000), arbBytes(64), (k, nonce, data, aad) => {
        same((be) => be.sha256(data));
        same((be) => be.keccak256(data));
        same((be) => be.hmacSha256(aad, data));
        const stream = same((be) => be.chacha20(k, nonce, data));
        // Into a caller's array, and in place.
        for (const be of [portable, native]) {
          const out = new Uint8Array(data.length);
          expect(be.chacha20(k, nonce, data, out)).toBe(out);
          expect(out).toEqual(stream);
          const inPlace = data.slice();
          expect(be.chacha20(k, nonce, inPlace, inPlace)).toEqual(stream);
        }
        const sealed = same((be) => be.chacha20Poly1305Seal(k, nonce, data, aad));
        expect(same((be) => be.chacha20Poly1305Open(k, nonce, sealed, aad))).toEqual(data);
        const tampered = sealed.slice();
        tampered[tampered.length - 1]! ^= 0x80;
        sameError((be) => be.chacha20Poly1305Open(k, nonce, tampered, aad));
      }),
      { numRuns: 300 },
    );
  });

  it("on rejecting bad keys, scalars and signatures with the same typed errors", () => {
    const notOnCurve = new Uint8Array(33);
    notOnCurve[0] = 2;
    notOnCurve[32] = 5; // x = 5 has no y on secp256k1
    const zero = new Uint8Array(32);
    const order = encodeUint(CURVE_ORDER, 32);
    const G = portable.publicKeyFromPrivate(key(1));
    sameError((be) => be.ecdh(notOnCurve, key(1)));
    sameError((be) => be.ecdh(G, zero));
    sameError((be) => be.ecdh(G, order));
    sameError((be) => be.publicKeyMul(notOnCurve, key(1)));
    sameError((be) => be.publicKeyMul(G, order));
    sameError((be) => be.privateKeyMul(key(1), zero));
    sameError((be) => be.privateKeyAdd(key(1), order));
    sameError((be) => be.privateKeyAdd(zero, key(1)));
    // 1 + (n − 1) ≡ 0: no scalar.
    sameError((be) => be.privateKeyAdd(encodeUint(1n, 32), encodeUint(CURVE_ORDER - 1n, 32)));
    expect(native.privateKeyAdd(key(1), zero)).toEqual(key(1));
    sameError((be) => be.publicKeyFromPrivate(order));
    sameError((be) => be.ecdsaRecover(key(7), new Uint8Array(65)));
    expect(() => native.ecdh(notOnCurve, key(1))).toThrow(InvalidPublicKeyError);
    expect(() => native.privateKeyMul(key(1), zero)).toThrow(InvalidPrivateKeyError);
    expect(() => native.ecdsaRecover(key(7), new Uint8Array(65))).toThrow(InvalidSignatureError);
    expect(() => native.chacha20Poly1305Open(key(1), new Uint8Array(12), new Uint8Array(3))).toThrow(DecryptionFailedError);
    sameError((be) => be.chacha20(key(1), new Uint8Array(12), new Uint8Array(10), new Uint8Array(9)));
    sameError((be) => be.chacha20(key(1), new Uint8Array(11), new Uint8Array(10)));
    expect(native.isValidPublicKey(notOnCurve)).toBe(false);
    expect(portable.isValidPublicKey(notOnCurve)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 33, maxLength: 33 }), (bytes) => {
        expect(native.isValidPublicKey(bytes)).toBe(portable.isValidPublicKey(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("does not mutate its inputs", () => {
    const a = key(3);
    const b = key(4);
    native.privateKeyMul(a, b);
    portable.privateKeyMul(a, b);
    expect(a).toEqual(key(3));
    expect(b).toEqual(key(4));
    // A Node Buffer's slice() is a view: the native binding must still not write into the caller's key.
    const buffer = Buffer.from(key(5));
    native.privateKeyMul(buffer, b);
    expect(new Uint8Array(buffer)).toEqual(key(5));
  });
});

describe("NativeBackendUnavailableError", () => {
  it("names the add-on that did not load and what to do", () => {
    expect(new NativeBackendUnavailableError().message).toMatch(/could not load the secp256k1 N-API binding[\s\S]*reinstall secp256k1@5/);
    expect(new NativeBackendUnavailableError({ addon: "sodium-native@5" }).message).toMatch(/could not load the sodium-native N-API binding[\s\S]*reinstall sodium-native@5/);
  });
});

