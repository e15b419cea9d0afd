import {
  TLV_ENC_ALLOWED_FEATURES,
  TLV_ENC_NEXT_NODE_ID,
  TLV_ENC_NEXT_PATH_KEY_OVERRIDE,
  TLV_ENC_PADDING,
  TLV_ENC_PATH_ID,
  TLV_ENC_PAYMENT_CONSTRAINTS,
  TLV_ENC_PAYMENT_RELAY,
  TLV_ENC_SHORT_CHANNEL_ID,
} from "../constants.ts";
import { TlvValueError, asProtocolError } from "../errors.ts";
import { type TlvRecord, decodeTlvStream, encodeTlvStream } from "../tlv/tlvStream.ts";
import { decodeFixed, decodePoint, decodeTu32, decodeTu64, encodeTu32, encodeTu64 } from "../tlv/values.ts";
import { ByteReader, concatBytes, encodeUint } from "../utils/bytes.ts";

/** BOLT 4 `payment_relay` (payments only; Sotto does not use it, decoded for completeness). */
export type PaymentRelay = { cltvExpiryDelta: number; feeProportionalMillionths: number; feeBaseMsat: bigint };
/** BOLT 4 `payment_constraints`. */
export type PaymentConstraints = { maxCltvExpiry: number; htlcMinimumMsat: bigint };

/** BOLT 4 `encrypted_data_tlv`: what a blinded hop finds in its `encrypted_recipient_data`. */
export type EncryptedDataTlv = {
  padding?: Uint8Array | undefined;
  shortChannelId?: Uint8Array | undefined;
  nextNodeId?: Uint8Array | undefined;
  pathId?: Uint8Array | undefined;
  nextPathKeyOverride?: Uint8Array | undefined;
  paymentRelay?: PaymentRelay | undefined;
  paymentConstraints?: PaymentConstraints | undefined;
  allowedFeatures?: Uint8Array | undefined;
  /** Unknown odd records, kept so that re-encoding reproduces the input. */
  unknown?: readonly TlvRecord[] | undefined;
};

const KNOWN = new Set<bigint>([
  TLV_ENC_PADDING,
  TLV_ENC_SHORT_CHANNEL_ID,
  TLV_ENC_NEXT_NODE_ID,
  TLV_ENC_PATH_ID,
  TLV_ENC_NEXT_PATH_KEY_OVERRIDE,
  TLV_ENC_PAYMENT_RELAY,
  TLV_ENC_PAYMENT_CONSTRAINTS,
  TLV_ENC_ALLOWED_FEATURES,
]);

/** Decodes an `encrypted_data_tlv` stream; unknown even types and malformed known values throw. */
export function decodeEncryptedDataTlv(bytes: Uint8Array): EncryptedDataTlv {
  try {
    const out: EncryptedDataTlv = {};
    const unknown: TlvRecord[] = [];
    for (const { type, value } of decodeTlvStream(bytes, { known: KNOWN, stream: "encrypted_data_tlv" })) {
      switch (type) {
        case TLV_ENC_PADDING:
          out.padding = value.slice();
          break;
        case TLV_ENC_SHORT_CHANNEL_ID:
          out.shortChannelId = decodeFixed(value, 8, type, "short_channel_id");
          break;
        case TLV_ENC_NEXT_NODE_ID:
          out.nextNodeId = decodePoint(value, type, "next_node_id");
          break;
        case TLV_ENC_PATH_ID:
          out.pathId = value.slice();
          break;
        case TLV_ENC_NEXT_PATH_KEY_OVERRIDE:
          out.nextPathKeyOverride = decodePoint(value, type, "next_path_key_override");
          break;
        case TLV_ENC_PAYMENT_RELAY: {
          if (value.length < 6 || value.length > 10) throw new TlvValueError({ type, reason: "payment_relay must be 6 to 10 bytes" });
          const r = new ByteReader(value, "payment_relay");
          const cltvExpiryDelta = r.u16();
          const feeProportionalMillionths = Number(r.uint(4));
          out.paymentRelay = { cltvExpiryDelta, feeProportionalMillionths, feeBaseMsat: decodeTu32(r.rest(), type) };
          break;
        }
        case TLV_ENC_PAYMENT_CONSTRAINTS: {
          if (value.length < 4 || value.length > 12) throw new TlvValueError({ type, reason: "payment_constraints must be 4 to 12 bytes" });
          const r = new ByteReader(value, "payment_constraints");
          const maxCltvExpiry = Number(r.uint(4));
          out.paymentConstraints = { maxCltvExpiry, htlcMinimumMsat: decodeTu64(r.rest(), type) };
          break;
        }
        case TLV_ENC_ALLOWED_FEATURES:
          out.allowedFeatures = value.slice();
          break;
        default:
          unknown.push({ type, value: value.slice() });
      }
    }
    if (unknown.length > 0) out.unknown = unknown;
    return out;
  } catch (error) {
    throw asProtocolError(error, "decodeEncryptedDataTlv");
  }
}

/** Encodes an `encrypted_data_tlv` (fields in type order, unknown records merged in). */
export function encodeEncryptedDataTlv(data: EncryptedDataTlv): Uint8Array {
  const records: TlvRecord[] = [];
  if (data.padding) records.push({ type: TLV_ENC_PADDING, value: data.padding });
  if (data.shortChannelId) records.push({ type: TLV_ENC_SHORT_CHANNEL_ID, value: data.shortChannelId });
  if (data.nextNodeId) records.push({ type: TLV_ENC_NEXT_NODE_ID, value: data.nextNodeId });
  if (data.pathId) records.push({ type: TLV_ENC_PATH_ID, value: data.pathId });
  if (data.nextPathKeyOverride) records.push({ type: TLV_ENC_NEXT_PATH_KEY_OVERRIDE, value: data.nextPathKeyOverride });
  if (data.paymentRelay) {
    const { cltvExpiryDelta, feeProportionalMillionths, feeBaseMsat } = data.paymentRelay;
    records.push({
      type: TLV_ENC_PAYMENT_RELAY,
      value: concatBytes(encodeUint(BigInt(cltvExpiryDelta), 2), encodeUint(BigInt(feeProportionalMillionths), 4), encodeTu32(feeBaseMsat)),
    });
  }
  if (data.paymentConstraints) {
    const { maxCltvExpiry, htlcMinimumMsat } = data.paymentConstraints;
    records.push({ type: TLV_ENC_PAYMENT_CONSTRAINTS, value: concatBytes(encodeUint(BigInt(maxCltvExpiry), 4), encodeTu64(htlcMinimumMsat)) });
  }
  if (data.allowedFeatures) records.push({ type: TLV_ENC_ALLOWED_FEATURES, value: data.allowedFeatures });
  for (const r of data.unknown ?? []) records.push(r);
  return encodeTlvStream(records);
}
