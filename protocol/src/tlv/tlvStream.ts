import { InvalidParameterError, TlvOrderError, TlvUnknownEvenTypeError, TruncatedInputError } from "../errors.ts";
import { bigSizeLength, decodeBigSize, encodeBigSize } from "./bigsize.ts";

/** One BOLT 1 `tlv_record`. */
export interface TlvRecord {
  readonly type: bigint;
  readonly value: Uint8Array;
}

export type DecodeTlvStreamOptions = {
  /**
   * Types the reader understands. Unknown even types fail the stream (BOLT 1); unknown odd ones are
   * kept in the result (callers ignore them). Omit to accept every type (structure checks only).
   */
  known?: ReadonlySet<bigint> | undefined;
  /** Name of the stream, for error messages. */
  stream?: string | undefined;
};

/**
 * Decodes a TLV stream (BOLT 1 "Type-Length-Value Format"): minimal BigSize types and lengths,
 * strictly increasing types, values inside the input, unknown even types rejected. Values are views
 * into `bytes` (no copy).
 */
export function decodeTlvStream(bytes: Uint8Array, options: DecodeTlvStreamOptions = {}): TlvRecord[] {
  const stream = options.stream ?? "tlv stream";
  const records: TlvRecord[] = [];
  let offset = 0;
  let previous = -1n;
  while (offset < bytes.length) {
    const t = decodeBigSize(bytes, offset, `${stream} type`);
    const l = decodeBigSize(bytes, t.offset, `${stream} length`);
    const type = t.value;
    if (type <= previous) throw new TlvOrderError({ type, previous });
    const available = bytes.length - l.offset;
    if (l.value > BigInt(available)) {
      throw new TruncatedInputError({ what: `${stream} value of type ${type}`, needed: Number(l.value > 0xffffffffn ? 0xffffffffn : l.value), available });
    }
    const length = Number(l.value);
    if (options.known && (type & 1n) === 0n && !options.known.has(type)) {
      throw new TlvUnknownEvenTypeError({ type, stream });
    }
    records.push({ type, value: bytes.subarray(l.offset, l.offset + length) });
    offset = l.offset + length;
    previous = type;
  }
  return records;
}

/** Size of the encoded stream. */
export function tlvStreamLength(records: readonly TlvRecord[]): number {
  let size = 0;
  for (const r of records) size += bigSizeLength(r.type) + bigSizeLength(r.value.length) + r.value.length;
  return size;
}

/**
 * Encodes records as a TLV stream. Records are sorted by type; a duplicate type is an
 * `InvalidParameterError` (a stream can hold each type once).
 */
export function encodeTlvStream(records: readonly TlvRecord[]): Uint8Array {
  const sorted = [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.type === sorted[i - 1]!.type) {
      throw new InvalidParameterError({ parameter: "records", reason: `duplicate TLV type ${sorted[i]!.type}` });
    }
  }
  const out = new Uint8Array(tlvStreamLength(sorted));
  let offset = 0;
  for (const r of sorted) {
    const t = encodeBigSize(r.type);
    out.set(t, offset);
    offset += t.length;
    const l = encodeBigSize(r.value.length);
    out.set(l, offset);
    offset += l.length;
    out.set(r.value, offset);
    offset += r.value.length;
  }
  return out;
}

/** The record of `type`, if present. */
export function findTlv(records: readonly TlvRecord[], type: bigint): Uint8Array | undefined {
  for (const r of records) if (r.type === type) return r.value;
  return undefined;
}
