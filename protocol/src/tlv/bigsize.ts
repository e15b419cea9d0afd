import { InvalidParameterError, NonCanonicalBigSizeError, TruncatedInputError } from "../errors.ts";
import { MAX_U64 } from "../constants.ts";
import type { ByteReader } from "../utils/bytes.ts";

/** Number of bytes `encodeBigSize(value)` produces: 1, 3, 5 or 9 (BOLT 1 Appendix A). */
export function bigSizeLength(value: bigint | number): number {
  const v = BigInt(value);
  if (v < 0xfdn) return 1;
  if (v <= 0xffffn) return 3;
  if (v <= 0xffffffffn) return 5;
  return 9;
}

/** BOLT 1 BigSize: a big-endian CompactSize; values 0 … 2^64-1. */
export function encodeBigSize(value: bigint | number): Uint8Array {
  const v = BigInt(value);
  if (v < 0n || v > MAX_U64) throw new InvalidParameterError({ parameter: "bigsize", reason: "must be in [0, 2^64)" });
  if (v < 0xfdn) return new Uint8Array([Number(v)]);
  if (v <= 0xffffn) {
    const n = Number(v);
    return new Uint8Array([0xfd, n >>> 8, n & 0xff]);
  }
  if (v <= 0xffffffffn) {
    const n = Number(v);
    return new Uint8Array([0xfe, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  }
  const out = new Uint8Array(9);
  out[0] = 0xff;
  let rest = v;
  for (let i = 8; i >= 1; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Writes a BigSize into `out` at `offset`; returns the new offset. */
export function writeBigSize(out: Uint8Array, offset: number, value: number): number {
  if (value < 0xfd) {
    out[offset] = value;
    return offset + 1;
  }
  if (value <= 0xffff) {
    out[offset] = 0xfd;
    out[offset + 1] = value >>> 8;
    out[offset + 2] = value & 0xff;
    return offset + 3;
  }
  const bytes = encodeBigSize(value);
  out.set(bytes, offset);
  return offset + bytes.length;
}

/**
 * Reads one BigSize from `bytes` at `offset`; returns its value and the offset after it. Throws
 * `TruncatedInputError` (EOF) or `NonCanonicalBigSizeError`.
 */
export function decodeBigSize(bytes: Uint8Array, offset = 0, what = "bigsize"): { value: bigint; offset: number } {
  const available = bytes.length - offset;
  if (available < 1) throw new TruncatedInputError({ what, needed: 1, available: Math.max(available, 0) });
  const first = bytes[offset]!;
  if (first < 0xfd) return { value: BigInt(first), offset: offset + 1 };
  const size = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
  if (available < 1 + size) throw new TruncatedInputError({ what, needed: 1 + size, available });
  let value = 0n;
  if (size <= 4) {
    let n = 0;
    for (let i = 1; i <= size; i++) n = n * 256 + bytes[offset + i]!;
    value = BigInt(n);
  } else {
    for (let i = 1; i <= size; i++) value = (value << 8n) | BigInt(bytes[offset + i]!);
  }
  const minimum = size === 2 ? 0xfdn : size === 4 ? 0x10000n : 0x100000000n;
  if (value < minimum) throw new NonCanonicalBigSizeError({ value });
  return { value, offset: offset + 1 + size };
}

/** Reads a BigSize through a `ByteReader`. */
export function readBigSize(reader: ByteReader): bigint {
  const { value, offset } = decodeBigSize(reader.bytes, reader.offset, reader.what);
  reader.offset = offset;
  return value;
}
