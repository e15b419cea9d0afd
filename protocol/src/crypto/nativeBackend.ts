/**
 * Node-only back-end: libsecp256k1 through the `secp256k1@5` N-API prebuild for every public-key
 * operation, libsodium (`sodium-native@5`) for ChaCha20 and ChaCha20-Poly1305, `node:crypto` for SHA-256 and
 * HMAC, and hash-wasm's WebAssembly Keccak-256 (node:crypto has no Keccak). Imported only by
 * `protocol/src/native.ts`.
 *
 * `secp256k1`'s main entry silently falls back to pure-JS `elliptic` when the binding does not load;
 * this module loads `secp256k1/bindings` directly so that a missing binding is a loud error instead.
 */
import { hash } from "node:crypto";
import { createRequire } from "node:module";
import { createKeccak } from "hash-wasm";
import {
  DecryptionFailedError,
  InvalidLengthError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  InvalidSignatureError,
  NativeBackendUnavailableError,
} from "../errors.ts";
import type { CryptoBackend } from "./backend.ts";
import { checkCompactSignature, hasCompressedPointShape, isReducedScalar, isValidScalar, parseRecoverableSignature } from "./scalars.ts";

interface Secp256k1Binding {
  privateKeyVerify(key: Uint8Array): boolean;
  privateKeyTweakMul(key: Uint8Array, tweak: Uint8Array): Uint8Array;
  privateKeyTweakAdd(key: Uint8Array, tweak: Uint8Array): Uint8Array;
  publicKeyVerify(key: Uint8Array): boolean;
  publicKeyCreate(key: Uint8Array, compressed?: boolean, output?: Uint8Array): Uint8Array;
  publicKeyConvert(key: Uint8Array, compressed?: boolean): Uint8Array;
  publicKeyTweakMul(key: Uint8Array, tweak: Uint8Array, compressed?: boolean, output?: Uint8Array): Uint8Array;
  ecdsaSign(digest: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, key: Uint8Array): boolean;
  ecdsaRecover(signature: Uint8Array, recid: number, digest: Uint8Array, compressed?: boolean, output?: Uint8Array): Uint8Array;
  ecdh(publicKey: Uint8Array, privateKey: Uint8Array, options?: Record<string, never>, output?: Uint8Array): Uint8Array;
}

/** Where the N-API add-on was loaded from (for diagnostics and the "really native" test). */
export interface NativeBindingInfo {
  /** Absolute path of the loaded `.node` file. */
  addonPath: string;
  /** Resolved path of the JS wrapper (`secp256k1/bindings.js`), never `elliptic.js`. */
  wrapperPath: string;
}

/** libsodium's binding, as sodium-native@5 exports it (protocol/src/crypto/sodium-native.d.ts). */
type Sodium = typeof import("sodium-native");

let loaded: { binding: Secp256k1Binding; sodium: Sodium; info: NativeBindingInfo } | undefined;

function load(): { binding: Secp256k1Binding; sodium: Sodium; info: NativeBindingInfo } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  let binding: Secp256k1Binding;
  let wrapperPath: string;
  try {
    wrapperPath = require.resolve("secp256k1/bindings");
    binding = require(wrapperPath) as Secp256k1Binding;
  } catch (cause) {
    throw new NativeBackendUnavailableError({ cause });
  }
  const addonPath = Object.keys(require.cache).find((path) => /secp256k1.*\.node$/.test(path));
  if (!addonPath) throw new NativeBackendUnavailableError({ cause: new Error("no secp256k1 .node add-on in the module cache") });
  let sodium: Sodium;
  try {
    sodium = require("sodium-native") as Sodium;
  } catch (cause) {
    throw new NativeBackendUnavailableError({ addon: "sodium-native@5", cause });
  }
  loaded = { binding, sodium, info: { addonPath, wrapperPath } };
  return loaded;
}

/** Loads the N-API binding (once) and reports where it came from; throws `NativeBackendUnavailableError`. */
export function nativeBindingInfo(): NativeBindingInfo {
  return load().info;
}

/**
 * Keccak-256 in WebAssembly: ~1 µs for a ticket-sized input where noble's pure JS takes ~7 µs, and a relay
 * hashes about ten times per packet (ticket digests, recovered address, ack challenges). Instantiated once,
 * when this module loads; the hasher is reused (JS runs one call at a time per thread).
 */
const keccakHasher = await createKeccak(256);

function keccak256(data: Uint8Array): Uint8Array {
  keccakHasher.init();
  keccakHasher.update(data);
  return keccakHasher.digest("binary");
}

const HMAC_BLOCK = 64;

/**
 * SHA-256, its digest in Buffer's shared pool. node:crypto's one-shot `hash` returns a Buffer with an
 * ArrayBuffer of its own ("buffer" output), and every ArrayBuffer is one more for the thread's next scavenge
 * to sweep inside its pause: a relay's crypto worker made ~35 per packet, a third of them here. As a "binary"
 * (latin1) string the digest comes back without one, and `Buffer.from` copies its 32 bytes into the pool.
 */
function sha256(data: Uint8Array): Uint8Array {
  return view(Buffer.from(hash("sha256", data, "binary"), "binary"));
}

/** HMAC-SHA256's padded key blocks are built in these (grown as needed up to a bound) instead of per call. */
const SCRATCH_LIMIT = 64 * 1024;
let innerScratch = new Uint8Array(HMAC_BLOCK + 2048);
const outerScratch = new Uint8Array(HMAC_BLOCK + 32);

/**
 * HMAC-SHA256 (RFC 2104) over node:crypto's one-shot SHA-256. On Node 24 / OpenSSL 3, `createHmac` costs
 * ~13 µs per call whatever the input (EVP fetch), two one-shot hashes ~2.5 µs: the onion derives four or
 * more HMAC keys per hop, so this matters for the per-hop budget. The two blocks are built in scratch arrays
 * (JS runs one call at a time per thread), and their key-dependent bytes are zeroed before returning.
 */
function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > HMAC_BLOCK ? sha256(key) : key;
  const length = HMAC_BLOCK + data.length;
  if (length > innerScratch.length && length <= SCRATCH_LIMIT) innerScratch = new Uint8Array(length);
  const inner = length <= innerScratch.length ? innerScratch.subarray(0, length) : new Uint8Array(length);
  const outer = outerScratch;
  inner.fill(0x36, 0, HMAC_BLOCK);
  outer.fill(0x5c, 0, HMAC_BLOCK);
  for (let i = 0; i < k.length; i++) {
    inner[i]! ^= k[i]!;
    outer[i]! ^= k[i]!;
  }
  inner.set(data, HMAC_BLOCK);
  outer.set(sha256(inner), HMAC_BLOCK);
  const mac = sha256(outer);
  inner.fill(0, 0, HMAC_BLOCK);
  outer.fill(0, 0, HMAC_BLOCK);
  return mac;
}

function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function checkLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new InvalidLengthError({ what, expected: length, actual: bytes?.length ?? 0 });
  }
}

function checkPoint(publicKey: Uint8Array, what = "public key"): void {
  if (!hasCompressedPointShape(publicKey)) throw new InvalidPublicKeyError({ what });
}

function checkScalar(bytes: Uint8Array, what: string): void {
  if (!isValidScalar(bytes)) throw new InvalidPrivateKeyError({ what });
}

/**
 * Arguments and results of the hot libsecp256k1 calls pass through this one off-heap buffer. V8 keeps a small
 * Uint8Array (≤ 64 bytes) inside its object, and N-API's typed-array access gives it an ArrayBuffer of its
 * own; the binding's results are fresh small Uint8Arrays that go the same way. That was 1–3 ArrayBuffers per
 * call for the thread's next scavenge to sweep inside its pause (~4 per packet on a relay's event loop, from
 * finishing its ticket signatures). Copying 32–65 bytes in and out costs far less. The buffer is zeroed after
 * every call: private keys pass through it. JS runs one call at a time per thread, so one buffer serves all.
 */
const secpScratch = new Uint8Array(new ArrayBuffer(3 * 80));

/** `bytes` copied into slot `n` (0–2) of the scratch buffer. */
function scratchIn(n: number, bytes: Uint8Array): Uint8Array {
  const view = secpScratch.subarray(80 * n, 80 * n + bytes.length);
  view.set(bytes);
  return view;
}

/** Slot `n` of the scratch buffer as a `length`-byte output. */
function scratchOut(n: number, length: number): Uint8Array {
  return secpScratch.subarray(80 * n, 80 * n + length);
}

/** Runs `call` on scratch slots and returns a copy of its result (an on-heap array when ≤ 64 bytes); zeroes the scratch. */
function viaScratch(call: () => Uint8Array): Uint8Array {
  try {
    return call().slice();
  } finally {
    secpScratch.fill(0);
  }
}

/** Creates the native back-end; throws `NativeBackendUnavailableError` if the N-API binding does not load. */
export function createNativeBackend(): CryptoBackend {
  const { binding: secp, sodium } = load();
  return {
    name: "native",
    nativePublicKeyOps: true,

    ecdh(publicKey, privateKey) {
      checkPoint(publicKey);
      checkScalar(privateKey, "private key");
      try {
        return viaScratch(() => secp.ecdh(scratchIn(0, publicKey), scratchIn(1, privateKey), {}, scratchOut(2, 32)));
      } catch (cause) {
        throw new InvalidPublicKeyError({ cause });
      }
    },

    publicKeyMul(publicKey, tweak) {
      checkPoint(publicKey);
      checkScalar(tweak, "tweak");
      try {
        return viaScratch(() => secp.publicKeyTweakMul(scratchIn(0, publicKey), scratchIn(1, tweak), true, scratchOut(2, 33)));
      } catch (cause) {
        throw new InvalidPublicKeyError({ cause });
      }
    },

    publicKeyFromPrivate(privateKey) {
      checkScalar(privateKey, "private key");
      return viaScratch(() => secp.publicKeyCreate(scratchIn(0, privateKey), true, scratchOut(1, 33)));
    },

    uncompressPublicKey(publicKey) {
      checkPoint(publicKey);
      try {
        return secp.publicKeyConvert(publicKey, false);
      } catch (cause) {
        throw new InvalidPublicKeyError({ cause });
      }
    },

    privateKeyMul(privateKey, tweak) {
      checkScalar(privateKey, "private key");
      checkScalar(tweak, "tweak");
      // The binding multiplies in place: on the scratch copy, never on the caller's array.
      return viaScratch(() => secp.privateKeyTweakMul(scratchIn(0, privateKey), scratchIn(1, tweak)));
    },

    privateKeyAdd(privateKey, tweak) {
      checkScalar(privateKey, "private key");
      if (!isReducedScalar(tweak)) throw new InvalidPrivateKeyError({ what: "tweak" });
      try {
        return viaScratch(() => secp.privateKeyTweakAdd(scratchIn(0, privateKey), scratchIn(1, tweak)));
      } catch (cause) {
        throw new InvalidPrivateKeyError({ what: "sum", cause });
      }
    },

    isValidPublicKey(publicKey) {
      return hasCompressedPointShape(publicKey) && secp.publicKeyVerify(publicKey);
    },

    isValidPrivateKey: isValidScalar,

    sha256,
    hmacSha256,

    // libsodium rather than node:crypto: no cipher and key objects per call, whose weak handles the thread's
    // next scavenge processes inside its pause (~1.4 ms of a crypto worker's), and ~4× faster than
    // @noble/ciphers for an onion's 2.6-KB stream (bench/results/relay-profile.md).
    chacha20(key, nonce, data, out) {
      checkLength(key, 32, "ChaCha20 key");
      checkLength(nonce, 12, "ChaCha20 nonce");
      if (out !== undefined) checkLength(out, data.length, "ChaCha20 output");
      const output = out ?? new Uint8Array(data.length);
      sodium.crypto_stream_chacha20_ietf_xor(output, data, nonce, key);
      return output;
    },

    chacha20Poly1305Seal(key, nonce, plaintext, aad) {
      checkLength(key, 32, "ChaCha20-Poly1305 key");
      checkLength(nonce, 12, "ChaCha20-Poly1305 nonce");
      const out = new Uint8Array(plaintext.length + 16);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, aad ?? null, null, nonce, key);
      return out;
    },

    chacha20Poly1305Open(key, nonce, sealed, aad) {
      checkLength(key, 32, "ChaCha20-Poly1305 key");
      checkLength(nonce, 12, "ChaCha20-Poly1305 nonce");
      if (!(sealed instanceof Uint8Array) || sealed.length < 16) throw new DecryptionFailedError({ what: "ChaCha20-Poly1305 ciphertext" });
      const out = new Uint8Array(sealed.length - 16);
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, aad ?? null, nonce, key);
      } catch {
        throw new DecryptionFailedError({ what: "ChaCha20-Poly1305 ciphertext" });
      }
      return out;
    },

    ecdsaSign(digest, privateKey) {
      checkLength(digest, 32, "digest");
      checkScalar(privateKey, "private key");
      const { signature, recid } = secp.ecdsaSign(digest, privateKey);
      const out = new Uint8Array(65);
      out.set(signature, 0);
      out[64] = 27 + recid;
      return out;
    },

    ecdsaRecover(digest, signature) {
      checkLength(digest, 32, "digest");
      const { compact, recovery } = parseRecoverableSignature(signature);
      try {
        return viaScratch(() => secp.ecdsaRecover(scratchIn(0, compact), recovery, scratchIn(1, digest), false, scratchOut(2, 65)));
      } catch (cause) {
        throw new InvalidSignatureError({ reason: "public key not recoverable", cause });
      }
    },

    ecdsaVerify(digest, signature, publicKey) {
      checkLength(digest, 32, "digest");
      if (!(signature instanceof Uint8Array) || (signature.length !== 64 && signature.length !== 65)) return false;
      if (!(publicKey instanceof Uint8Array) || (publicKey.length !== 33 && publicKey.length !== 65)) return false;
      const compact = signature.slice(0, 64);
      try {
        checkCompactSignature(compact);
        return secp.ecdsaVerify(compact, digest, publicKey);
      } catch {
        return false;
      }
    },

    keccak256,
  };
}
