import { chacha20, chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import {
  DecryptionFailedError,
  InvalidLengthError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  InvalidSignatureError,
} from "../errors.ts";
import { decodeUint, encodeUint } from "../utils/bytes.ts";
import type { CryptoBackend } from "./backend.ts";
import { CURVE_ORDER, checkCompactSignature, hasCompressedPointShape, isReducedScalar, isValidScalar, parseRecoverableSignature } from "./scalars.ts";

const Point = secp256k1.Point;
type NoblePoint = ReturnType<typeof Point.fromBytes>;

function parsePoint(publicKey: Uint8Array, what = "public key"): NoblePoint {
  if (!hasCompressedPointShape(publicKey)) throw new InvalidPublicKeyError({ what });
  try {
    return Point.fromBytes(publicKey);
  } catch (cause) {
    throw new InvalidPublicKeyError({ what, cause });
  }
}

function scalar(bytes: Uint8Array, what: string): bigint {
  if (!isValidScalar(bytes)) throw new InvalidPrivateKeyError({ what });
  return decodeUint(bytes);
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new InvalidLengthError({ what, expected: length, actual: bytes?.length ?? 0 });
  }
}

/**
 * Pure-JS back-end on @noble/curves, @noble/hashes and @noble/ciphers: no Node-only import, so it runs
 * in browser bundles. About 30× slower than the native back-end for public-key operations.
 */
export const portableBackend: CryptoBackend = {
  name: "portable",
  nativePublicKeyOps: false,

  ecdh(publicKey, privateKey) {
    const k = scalar(privateKey, "private key");
    const shared = parsePoint(publicKey).multiply(k);
    return sha256(shared.toBytes(true));
  },

  publicKeyMul(publicKey, tweak) {
    const t = scalar(tweak, "tweak");
    return parsePoint(publicKey).multiply(t).toBytes(true);
  },

  publicKeyFromPrivate(privateKey) {
    return Point.BASE.multiply(scalar(privateKey, "private key")).toBytes(true);
  },

  uncompressPublicKey(publicKey) {
    return parsePoint(publicKey).toBytes(false);
  },

  privateKeyMul(privateKey, tweak) {
    const product = (scalar(privateKey, "private key") * scalar(tweak, "tweak")) % CURVE_ORDER;
    // n is prime and both factors are in [1, n-1], so the product is never 0.
    return encodeUint(product, 32);
  },

  privateKeyAdd(privateKey, tweak) {
    const a = scalar(privateKey, "private key");
    if (!isReducedScalar(tweak)) throw new InvalidPrivateKeyError({ what: "tweak" });
    const sum = (a + decodeUint(tweak)) % CURVE_ORDER;
    if (sum === 0n) throw new InvalidPrivateKeyError({ what: "sum" });
    return encodeUint(sum, 32);
  },

  isValidPublicKey(publicKey) {
    if (!hasCompressedPointShape(publicKey)) return false;
    try {
      Point.fromBytes(publicKey);
      return true;
    } catch {
      return false;
    }
  },

  isValidPrivateKey: isValidScalar,

  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),

  chacha20(key, nonce, data, out) {
    checkLength(key, 32, "ChaCha20 key");
    checkLength(nonce, 12, "ChaCha20 nonce");
    if (out !== undefined) checkLength(out, data.length, "ChaCha20 output");
    return chacha20(key, nonce, data, out);
  },

  chacha20Poly1305Seal(key, nonce, plaintext, aad) {
    checkLength(key, 32, "ChaCha20-Poly1305 key");
    checkLength(nonce, 12, "ChaCha20-Poly1305 nonce");
    return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  },

  chacha20Poly1305Open(key, nonce, sealed, aad) {
    checkLength(key, 32, "ChaCha20-Poly1305 key");
    checkLength(nonce, 12, "ChaCha20-Poly1305 nonce");
    if (sealed.length < 16) throw new DecryptionFailedError({ what: "ChaCha20-Poly1305 ciphertext" });
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      throw new DecryptionFailedError({ what: "ChaCha20-Poly1305 ciphertext" });
    }
  },

  ecdsaSign(digest, privateKey) {
    checkLength(digest, 32, "digest");
    scalar(privateKey, "private key");
    const rec = secp256k1.sign(digest, privateKey, { prehash: false, lowS: true, format: "recovered" });
    // noble "recovered" layout: recovery (1) ‖ r (32) ‖ s (32).
    const out = new Uint8Array(65);
    out.set(rec.subarray(1, 65), 0);
    out[64] = 27 + rec[0]!;
    return out;
  },

  ecdsaRecover(digest, signature) {
    checkLength(digest, 32, "digest");
    const { compact, recovery } = parseRecoverableSignature(signature);
    const noble = new Uint8Array(65);
    noble[0] = recovery;
    noble.set(compact, 1);
    try {
      const compressed = secp256k1.recoverPublicKey(noble, digest, { prehash: false });
      return Point.fromBytes(compressed).toBytes(false);
    } catch (cause) {
      throw new InvalidSignatureError({ reason: "public key not recoverable", cause });
    }
  },

  ecdsaVerify(digest, signature, publicKey) {
    checkLength(digest, 32, "digest");
    if (!(signature instanceof Uint8Array) || (signature.length !== 64 && signature.length !== 65)) return false;
    const compact = signature.subarray(0, 64);
    try {
      checkCompactSignature(compact);
      return secp256k1.verify(compact, digest, publicKey, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },

  keccak256: (data) => keccak_256(data),
};
