import { InvalidHexError, InvalidLengthError, InvalidParameterError, TruncatedInputError } from "../errors.ts";

/** Bytes as lowercase hex, without a `0x` prefix unless `prefix` is set. */
export function toHex(bytes: Uint8Array, prefix = false): string {
  let out = prefix ? "0x" : "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Hex (optional `0x`, either case) to bytes; `length` checks the byte length. Throws `InvalidHexError`. */
export function fromHex(hex: string, length?: number, what = "hex string"): Uint8Array {
  if (typeof hex !== "string") throw new InvalidHexError({ what });
  const body = hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new InvalidHexError({ what });
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(body.substr(i * 2, 2), 16);
  if (length !== undefined && out.length !== length) throw new InvalidLengthError({ what, expected: length, actual: out.length });
  return out;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  return concatInto(parts, new Uint8Array(size));
}

/** Copies `chunks` one after another into `out` (which holds at least their total length); returns `out`. */
export function concatInto<T extends Uint8Array>(chunks: Iterable<Uint8Array>, out: T): T {
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Comparison whose running time does not depend on where the inputs differ (for MACs). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]!;
  return acc === 0;
}

/** `target[i] ^= source[i]` for i < target.length (source must be at least as long). */
export function xorInPlace(target: Uint8Array, source: Uint8Array): void {
  const n = target.length;
  let i = 0;
  // Word-wise when both views are 4-byte aligned, byte-wise otherwise.
  if ((target.byteOffset & 3) === 0 && (source.byteOffset & 3) === 0) {
    const words = n >>> 2;
    const t32 = new Uint32Array(target.buffer, target.byteOffset, words);
    const s32 = new Uint32Array(source.buffer, source.byteOffset, words);
    for (let w = 0; w < words; w++) t32[w]! ^= s32[w]!;
    i = words << 2;
  }
  for (; i < n; i++) target[i]! ^= source[i]!;
}

export function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new InvalidParameterError({ parameter: what, reason: "expected a Uint8Array" });
  if (bytes.length !== length) throw new InvalidLengthError({ what, expected: length, actual: bytes.length });
}

/** 2^(8·size) − 1 for every size an integer field has (BigSize, u64, u128, uint256 words, …). */
const MAX_BY_SIZE: bigint[] = Array.from({ length: 33 }, (_, size) => (1n << BigInt(size * 8)) - 1n);
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Big-endian unsigned integer of exactly `size` bytes. Values below 2^53 (amounts, indexes, epochs) are
 * written with number arithmetic; a BigInt operation per byte would allocate two BigInts each, and
 * tickets encode several 32-byte words per packet.
 */
export function encodeUint(value: bigint, size: number, what = "integer"): Uint8Array {
  const max = MAX_BY_SIZE[size];
  if (typeof value !== "bigint" || value < 0n || max === undefined || value > max) {
    throw new InvalidParameterError({ parameter: what, reason: `must be an integer in [0, 2^${size * 8})` });
  }
  const out = new Uint8Array(size);
  if (value <= 0x1f_ffff_ffff_ffffn) {
    const n = Number(value);
    let lo = n >>> 0;
    let hi = Math.floor(n / TWO_POW_32);
    for (let i = size - 1; i >= 0 && (lo !== 0 || hi !== 0); i--) {
      out[i] = lo & 0xff;
      lo = (lo >>> 8) | ((hi & 0xff) << 24);
      lo >>>= 0;
      hi >>>= 8;
    }
    return out;
  }
  let v = value;
  for (let i = size; i > 0; i -= 4) {
    const word = Number(v & 0xffff_ffffn);
    v >>= 32n;
    for (let k = 0; k < 4 && i - 1 - k >= 0; k++) out[i - 1 - k] = (word >>> (8 * k)) & 0xff;
  }
  return out;
}

/** The big-endian unsigned integer in `bytes`, leading zero bytes skipped, 32 bits at a time. */
export function decodeUint(bytes: Uint8Array): bigint {
  const n = bytes.length;
  let i = 0;
  while (i < n && bytes[i] === 0) i++;
  if (n - i <= 6) {
    let v = 0;
    for (; i < n; i++) v = v * 256 + bytes[i]!;
    return BigInt(v);
  }
  // The first (possibly short) chunk makes the rest whole 32-bit words.
  let head = 0;
  const first = (n - i) % 4 || 4;
  for (const end = i + first; i < end; i++) head = head * 256 + bytes[i]!;
  let v = BigInt(head);
  for (; i < n; i += 4) {
    const word = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    v = (v << 32n) | BigInt(word);
  }
  return v;
}

export function encodeU16(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new InvalidParameterError({ parameter: "u16", reason: "out of range" });
  return new Uint8Array([value >>> 8, value & 0xff]);
}

/** A cursor over bytes whose reads throw `TruncatedInputError` instead of running off the end. */
export class ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
  readonly what: string;

  constructor(bytes: Uint8Array, what: string, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
    this.what = what;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  need(n: number): void {
    if (this.remaining < n) throw new TruncatedInputError({ what: this.what, needed: n, available: this.remaining });
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const v = (b[this.offset]! << 8) | b[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  uint(size: number): bigint {
    return decodeUint(this.take(size));
  }

  /** A view (no copy) of the next `n` bytes. */
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A copy of the next `n` bytes. */
  copy(n: number): Uint8Array {
    return this.take(n).slice();
  }

  rest(): Uint8Array {
    return this.take(this.remaining);
  }

  /** Throws `InvalidLengthError` if bytes are left over. */
  end(): void {
    if (this.remaining !== 0) {
      throw new InvalidLengthError({ what: this.what, expected: this.offset, actual: this.bytes.length });
    }
  }
}
