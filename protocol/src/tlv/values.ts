/**
 * Encoders and strict decoders for the fundamental types used inside TLV values (BOLT 1 "Fundamental
 * Types"): truncated integers, fixed-size integers, points. Decoders throw `TlvValueError`.
 */
import { TlvValueError } from "../errors.ts";
import { hasCompressedPointShape } from "../crypto/scalars.ts";
import { decodeUint, encodeUint } from "../utils/bytes.ts";

/** Truncated unsigned integer of at most `maxBytes` bytes: big-endian, no leading zero byte. */
export function encodeTruncatedUint(value: bigint, maxBytes: number): Uint8Array {
  const full = encodeUint(value, maxBytes, `tu${maxBytes * 8}`);
  let start = 0;
  while (start < full.length && full[start] === 0) start++;
  return full.subarray(start);
}

export function decodeTruncatedUint(value: Uint8Array, maxBytes: number, type: bigint): bigint {
  if (value.length > maxBytes) throw new TlvValueError({ type, reason: `tu${maxBytes * 8} longer than ${maxBytes} bytes` });
  if (value.length > 0 && value[0] === 0) throw new TlvValueError({ type, reason: `tu${maxBytes * 8} not minimally encoded` });
  return decodeUint(value);
}

export const encodeTu16 = (v: bigint): Uint8Array => encodeTruncatedUint(v, 2);
export const encodeTu32 = (v: bigint): Uint8Array => encodeTruncatedUint(v, 4);
export const encodeTu64 = (v: bigint): Uint8Array => encodeTruncatedUint(v, 8);
export const encodeTu128 = (v: bigint): Uint8Array => encodeTruncatedUint(v, 16);
export const decodeTu16 = (v: Uint8Array, type: bigint): bigint => decodeTruncatedUint(v, 2, type);
export const decodeTu32 = (v: Uint8Array, type: bigint): bigint => decodeTruncatedUint(v, 4, type);
export const decodeTu64 = (v: Uint8Array, type: bigint): bigint => decodeTruncatedUint(v, 8, type);
export const decodeTu128 = (v: Uint8Array, type: bigint): bigint => decodeTruncatedUint(v, 16, type);

/** A value that must be exactly `size` bytes; returns a copy. */
export function decodeFixed(value: Uint8Array, size: number, type: bigint, what = "value"): Uint8Array {
  if (value.length !== size) throw new TlvValueError({ type, reason: `${what} must be ${size} bytes, got ${value.length}` });
  return value.slice();
}

/**
 * A 33-byte compressed point. Checks the encoding (prefix 02/03, x < p) only: whether x is on the curve
 * is checked by the crypto back-end when the point is used, so that decoding stays free of public-key work.
 */
export function decodePoint(value: Uint8Array, type: bigint, what = "point"): Uint8Array {
  if (value.length !== 33) throw new TlvValueError({ type, reason: `${what} must be 33 bytes, got ${value.length}` });
  if (!hasCompressedPointShape(value)) throw new TlvValueError({ type, reason: `${what} is not a valid compressed point` });
  return value.slice();
}
