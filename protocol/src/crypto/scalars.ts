import { InvalidLengthError, InvalidSignatureError } from "../errors.ts";

/** secp256k1 group order n. */
export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** secp256k1 field prime p. */
export const FIELD_PRIME = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
export const HALF_CURVE_ORDER = CURVE_ORDER >> 1n;

const ORDER_BYTES = bigEndian(CURVE_ORDER);
const HALF_ORDER_BYTES = bigEndian(HALF_CURVE_ORDER);
const PRIME_BYTES = bigEndian(FIELD_PRIME);

function bigEndian(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** `a < b` for equal-length big-endian byte strings (a at `offset`). */
function lessThan(a: Uint8Array, offset: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const x = a[offset + i]!;
    const y = b[i]!;
    if (x !== y) return x < y;
  }
  return false;
}

/** A 32-byte big-endian scalar in [1, n-1]. */
export function isValidScalar(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) return false;
  let any = 0;
  for (let i = 0; i < 32; i++) any |= bytes[i]!;
  return any !== 0 && lessThan(bytes, 0, ORDER_BYTES);
}

/** A 32-byte big-endian integer in [0, n-1] (a scalar that may be zero, e.g. a tweak or a digest mod n). */
export function isReducedScalar(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length === 32 && lessThan(bytes, 0, ORDER_BYTES);
}

/** Cheap structural check of a compressed point (prefix, x < p); the curve check is the back-end's. */
export function hasCompressedPointShape(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33) return false;
  if (bytes[0] !== 2 && bytes[0] !== 3) return false;
  return lessThan(bytes, 1, PRIME_BYTES);
}

/**
 * Splits and checks an Ethereum signature r ‖ s ‖ v: r, s in [1, n-1], s ≤ n/2 (OpenZeppelin ECDSA),
 * v ∈ {27, 28}. Returns the 64-byte compact form and the recovery id.
 */
export function parseRecoverableSignature(signature: Uint8Array): { compact: Uint8Array; recovery: 0 | 1 } {
  if (!(signature instanceof Uint8Array) || signature.length !== 65) {
    throw new InvalidLengthError({ what: "signature", expected: 65, actual: signature?.length ?? 0 });
  }
  const compact = signature.subarray(0, 64);
  checkCompactSignature(compact);
  const v = signature[64]!;
  if (v !== 27 && v !== 28) throw new InvalidSignatureError({ reason: `v must be 27 or 28, got ${v}` });
  return { compact, recovery: v === 27 ? 0 : 1 };
}

/** r, s in [1, n-1] and s ≤ n/2, compared as bytes (every ticket is checked; BigInts would allocate per byte). */
export function checkCompactSignature(compact: Uint8Array): void {
  if (isZero(compact, 0) || !lessThan(compact, 0, ORDER_BYTES)) throw new InvalidSignatureError({ reason: "r out of range" });
  if (isZero(compact, 32) || !lessThan(compact, 32, ORDER_BYTES)) throw new InvalidSignatureError({ reason: "s out of range" });
  if (lessThan(HALF_ORDER_BYTES, 0, compact.subarray(32, 64))) throw new InvalidSignatureError({ reason: "s is not in the lower half of the order" });
}

function isZero(bytes: Uint8Array, offset: number): boolean {
  let any = 0;
  for (let i = offset; i < offset + 32; i++) any |= bytes[i]!;
  return any === 0;
}
