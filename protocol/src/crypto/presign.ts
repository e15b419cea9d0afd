import { invertCt } from "@noble/curves/abstract/modular.js";
import { InvalidSignatureError } from "../errors.ts";
import { assertLength, decodeUint, encodeUint } from "../utils/bytes.ts";
import type { CryptoBackend } from "./backend.ts";
import { CURVE_ORDER, HALF_CURVE_ORDER } from "./scalars.ts";

/**
 * ECDSA with the nonce prepared ahead of time. An ECDSA signature costs one fixed-base multiplication k·G
 * (~35 µs with libsecp256k1 here) and a few scalar operations; a relay signs a ticket for every packet it
 * forwards, on its event loop. A presignature is that expensive part, done earlier on another thread:
 * `r`, the x-coordinate of k·G, and k⁻¹. Finishing a signature from it takes three scalar operations.
 *
 * Security rests on what any ECDSA nonce needs: k is drawn from the platform's CSPRNG (uniform in
 * [1, n-1], by rejection), each presignature signs exactly one digest (whoever holds them must drop each
 * one it uses), and they never leave the process or reach the disk. The signatures are ordinary ECDSA
 * (r ‖ s ‖ v, low s, v ∈ {27, 28}): verifiers, ecrecover and OpenZeppelin's ECDSA accept them like any other.
 * Unlike `CryptoBackend.ecdsaSign` (RFC 6979) they are not deterministic, which nothing relies on for
 * tickets a relay issues.
 */
export interface Presignature {
  /** k⁻¹ mod n: secret. */
  kInverse: Uint8Array;
  /** The x-coordinate of R = k·G, which is < n (so r = x). */
  r: Uint8Array;
  /** Whether R's y-coordinate is odd: the recovery id. */
  yOdd: boolean;
}

const ORDER_BYTES = encodeUint(CURVE_ORDER, 32);

/**
 * `count` fresh presignatures; `random(n)` must be a CSPRNG (the relay's worker thread uses node:crypto's).
 * The nonces are inverted together (Montgomery's trick: one inversion and three multiplications each), so
 * a presignature costs little more than its k·G.
 */
export function createPresignatures(backend: CryptoBackend, count: number, random: (length: number) => Uint8Array): Presignature[] {
  const nonces: bigint[] = [];
  const points: Uint8Array[] = [];
  while (nonces.length < count) {
    const k = random(32);
    if (!backend.isValidPrivateKey(k)) continue; // k ∉ [1, n-1]: draw again (rejection keeps k uniform)
    const point = backend.publicKeyFromPrivate(k);
    // x ≥ n (probability ~2^-128) would need the overflow bit of the recovery id, which Ethereum's v lacks.
    if (!backend.isValidPrivateKey(point.subarray(1))) continue;
    nonces.push(decodeUint(k));
    points.push(point);
    k.fill(0);
  }
  if (count === 0) return [];
  const prefix: bigint[] = [];
  let product = 1n;
  for (const k of nonces) prefix.push((product = (product * k) % CURVE_ORDER));
  // Fermat inversion: the same operations whatever the nonces are (no nonce-dependent loop, cf. Minerva).
  let inverse = invertCt(product, CURVE_ORDER);
  const out = new Array<Presignature>(count);
  for (let i = count - 1; i >= 0; i--) {
    const kInverse = i === 0 ? inverse : (inverse * prefix[i - 1]!) % CURVE_ORDER;
    inverse = (inverse * nonces[i]!) % CURVE_ORDER;
    out[i] = { kInverse: encodeUint(kInverse, 32), r: points[i]!.slice(1), yOdd: points[i]![0] === 0x03 };
  }
  return out;
}

/**
 * s = k⁻¹ · (z + r·d) mod n over a 32-byte digest, from a presignature that must not be used again.
 * Returns r ‖ s ‖ v with low s (s > n/2 is replaced by n − s, which flips the recovery id).
 */
export function signWithPresignature(backend: CryptoBackend, digest: Uint8Array, privateKey: Uint8Array, presignature: Presignature): Uint8Array {
  assertLength(digest, 32, "digest");
  const z = reduceModOrder(digest);
  // The secret-dependent products and the sum run in the back-end (libsecp256k1's scalar code when native).
  const rd = backend.privateKeyMul(privateKey, presignature.r);
  let sum: Uint8Array;
  try {
    sum = backend.privateKeyAdd(rd, z);
  } catch (cause) {
    // z + r·d ≡ 0 (mod n) would give s = 0: unreachable in practice, and the caller signs afresh.
    throw new InvalidSignatureError({ reason: "presignature gives s = 0 for this digest", cause });
  }
  let s = backend.privateKeyMul(sum, presignature.kInverse);
  let odd = presignature.yOdd;
  const value = decodeUint(s); // s is public: the signature carries it
  if (value > HALF_CURVE_ORDER) {
    s = encodeUint(CURVE_ORDER - value, 32);
    odd = !odd;
  }
  const out = new Uint8Array(65);
  out.set(presignature.r, 0);
  out.set(s, 32);
  out[64] = odd ? 28 : 27;
  return out;
}

/** The digest as an integer mod n, 32 bytes (ECDSA's z for a 256-bit hash and a 256-bit order). */
function reduceModOrder(digest: Uint8Array): Uint8Array {
  for (let i = 0; i < 32; i++) {
    if (digest[i] === ORDER_BYTES[i]) continue;
    return digest[i]! < ORDER_BYTES[i]! ? digest : encodeUint(decodeUint(digest) - CURVE_ORDER, 32);
  }
  return new Uint8Array(32); // digest = n
}
