import { MAX_U128 } from "../constants.ts";
import { InvalidLengthError, InvalidParameterError, TruncatedInputError } from "../errors.ts";
import { encodeTruncatedUint } from "../tlv/values.ts";
import { ByteReader, concatBytes, decodeUint } from "../utils/bytes.ts";

/**
 * A list of amounts (token base units, < 2^128), each as `u8 len ‖ len bytes big-endian` with no
 * leading zero byte (len 0 encodes 0). Used for per-hop fees in addresses and reply paths.
 */
export function encodeAmountList(amounts: readonly bigint[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const amount of amounts) {
    if (typeof amount !== "bigint" || amount < 0n || amount > MAX_U128) throw new InvalidParameterError({ parameter: "amount", reason: "must be a bigint in [0, 2^128)" });
    const bytes = encodeTruncatedUint(amount, 16);
    parts.push(new Uint8Array([bytes.length]), bytes);
  }
  return concatBytes(...parts);
}

export function decodeAmountList(bytes: Uint8Array, what = "amount list"): bigint[] {
  const reader = new ByteReader(bytes, what);
  const out: bigint[] = [];
  while (reader.remaining > 0) {
    const length = reader.u8();
    if (length > 16) throw new InvalidLengthError({ what: `${what} entry`, expected: "≤ 16", actual: length });
    if (reader.remaining < length) throw new TruncatedInputError({ what, needed: length, available: reader.remaining });
    const value = reader.take(length);
    if (length > 0 && value[0] === 0) throw new InvalidLengthError({ what: `${what} entry (leading zero)`, expected: "minimal encoding", actual: length });
    out.push(decodeUint(value));
  }
  return out;
}
