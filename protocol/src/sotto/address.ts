import { ADDRESS_HRP, ADDRESS_VERSION, MAX_ADDRESS_LENGTH } from "../constants.ts";
import { InvalidAddressError, InvalidParameterError, asProtocolError } from "../errors.ts";
import { decodeBlindedPath, encodeBlindedPath } from "../blinding/blindedPathCodec.ts";
import { type TlvRecord, decodeTlvStream, encodeTlvStream, findTlv } from "../tlv/tlvStream.ts";
import { decodeTu64, encodeTu64 } from "../tlv/values.ts";
import { bech32mDecodeBytes, bech32mEncodeBytes } from "../utils/bech32m.ts";
import { concatBytes } from "../utils/bytes.ts";
import { decodeAmountList, encodeAmountList } from "./amounts.ts";
import type { PaidBlindedPath } from "./hopPayload.ts";

/** What a `sotto1…` address holds (protocol.md §Recipient address). */
export type SottoAddress = PaidBlindedPath & {
  /** Unix time (seconds) after which senders should not use the path (advisory). */
  expiresAt?: bigint | undefined;
  /** The chain id of the deployment whose relays the path uses. */
  chainId?: bigint | undefined;
};

const TLV_PATH = 0n;
const TLV_EXPIRES_AT = 1n;
const TLV_FEES = 2n;
const TLV_CHAIN_ID = 3n;
const KNOWN = new Set([TLV_PATH, TLV_EXPIRES_AT, TLV_FEES, TLV_CHAIN_ID]);

/**
 * `sotto1…`: bech32m (BIP-350 checksum, no length limit but 4096 characters) of
 * `version (0x00) ‖ TLV stream { 0: blinded_path, 1: expires_at tu64, 2: fees, 3: chain_id tu64 }`.
 */
export function encodeAddress(address: SottoAddress): string {
  if (address.fees.length !== address.path.hops.length - 1) {
    throw new InvalidParameterError({ parameter: "fees", reason: "one fee per blinded hop except the last" });
  }
  const records: TlvRecord[] = [
    { type: TLV_PATH, value: encodeBlindedPath(address.path) },
    { type: TLV_FEES, value: encodeAmountList(address.fees) },
  ];
  if (address.expiresAt !== undefined) records.push({ type: TLV_EXPIRES_AT, value: encodeTu64(address.expiresAt) });
  if (address.chainId !== undefined) records.push({ type: TLV_CHAIN_ID, value: encodeTu64(address.chainId) });
  const text = bech32mEncodeBytes(ADDRESS_HRP, concatBytes(new Uint8Array([ADDRESS_VERSION]), encodeTlvStream(records)));
  if (text.length > MAX_ADDRESS_LENGTH) throw new InvalidParameterError({ parameter: "address", reason: `encodes to more than ${MAX_ADDRESS_LENGTH} characters` });
  return text;
}

/** Parses and checks a `sotto1…` address (checksum, version, TLVs, fee count). Throws `InvalidAddressError`. */
export function decodeAddress(text: string): SottoAddress {
  try {
    const { hrp, bytes } = bech32mDecodeBytes(text, MAX_ADDRESS_LENGTH);
    if (hrp !== ADDRESS_HRP) throw new InvalidAddressError({ reason: `prefix '${hrp}' is not '${ADDRESS_HRP}'` });
    if (bytes.length < 1) throw new InvalidAddressError({ reason: "empty payload" });
    if (bytes[0] !== ADDRESS_VERSION) throw new InvalidAddressError({ reason: `unsupported version ${bytes[0]}` });
    const records = decodeTlvStream(bytes.subarray(1), { known: KNOWN, stream: "address" });
    const pathBytes = findTlv(records, TLV_PATH);
    const feeBytes = findTlv(records, TLV_FEES);
    if (!pathBytes) throw new InvalidAddressError({ reason: "no blinded path" });
    if (!feeBytes) throw new InvalidAddressError({ reason: "no fee list" });
    const path = decodeBlindedPath(pathBytes);
    const fees = decodeAmountList(feeBytes, "address fees");
    if (fees.length !== path.hops.length - 1) throw new InvalidAddressError({ reason: `${fees.length} fees for ${path.hops.length} hops` });
    const out: SottoAddress = { path, fees };
    const expires = findTlv(records, TLV_EXPIRES_AT);
    if (expires) out.expiresAt = decodeTu64(expires, TLV_EXPIRES_AT);
    const chain = findTlv(records, TLV_CHAIN_ID);
    if (chain) out.chainId = decodeTu64(chain, TLV_CHAIN_ID);
    return out;
  } catch (error) {
    if (error instanceof InvalidAddressError) throw error;
    throw new InvalidAddressError({ reason: "malformed payload", cause: asProtocolError(error, "decodeAddress") });
  }
}
