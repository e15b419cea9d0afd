import {
  HASH_SIZE,
  TLV_ENCRYPTED_RECIPIENT_DATA,
  TLV_REPLY_PATH,
  TLV_SOTTO_AMOUNT_IN,
  TLV_SOTTO_AMOUNT_OUT,
  TLV_SOTTO_FRAGMENT,
  TLV_SOTTO_INCOMING_CHALLENGE,
  TLV_SOTTO_NEXT_NODE_ID,
  TLV_SOTTO_NEXT_PATH_KEY,
  TLV_SOTTO_OUTGOING_CHALLENGE,
  TLV_SOTTO_REPLY_FEES,
} from "../constants.ts";
import { TlvValueError, asProtocolError } from "../errors.ts";
import type { BlindedPath } from "../blinding/createBlindedPath.ts";
import { decodeBlindedPath, encodeBlindedPath } from "../blinding/blindedPathCodec.ts";
import { type TlvRecord, decodeTlvStream, encodeTlvStream } from "../tlv/tlvStream.ts";
import { decodeFixed, decodePoint, decodeTu128, encodeTu128 } from "../tlv/values.ts";
import { decodeAmountList, encodeAmountList } from "./amounts.ts";
import { type Fragment, decodeFragment, encodeFragment } from "./fragment.ts";

/** A blinded path with the fee each hop but the last charges (what a `sotto1…` address carries). */
export type PaidBlindedPath = {
  path: BlindedPath;
  /** `fees[i]` is paid to `path.hops[i]`; one entry per hop except the last (the recipient). */
  fees: bigint[];
};

/** Every TLV a Sotto hop payload may hold (protocol.md §Hop payload). Which are required depends on the role. */
export type SottoHopPayload = {
  /** 65537: plain hops — the next relay's onion key. */
  nextNodeId?: Uint8Array | undefined;
  /** 65539: plain hop before a blinded path — the path key to put in the next frame. */
  nextPathKey?: Uint8Array | undefined;
  /** 65541: the challenge the incoming ticket must carry. */
  incomingChallenge?: Uint8Array | undefined;
  /** 65543: the challenge to put on the outgoing ticket. */
  outgoingChallenge?: Uint8Array | undefined;
  /** 65545: the amount the incoming ticket must add (tu128). */
  amountIn?: bigint | undefined;
  /** 65547: the amount to add on the outgoing ticket (tu128). */
  amountOut?: bigint | undefined;
  /** 4: blinded hops — BOLT 4 `encrypted_recipient_data`. */
  encryptedRecipientData?: Uint8Array | undefined;
  /** 65549: recipient — the message fragment. */
  fragment?: Fragment | undefined;
  /** 2 + 65551: recipient — BOLT 4 `reply_path` and its per-hop fees. */
  replyPath?: PaidBlindedPath | undefined;
  /** Unknown odd records (ignored by readers). */
  unknown?: readonly TlvRecord[] | undefined;
};

const KNOWN = new Set<bigint>([
  TLV_REPLY_PATH,
  TLV_ENCRYPTED_RECIPIENT_DATA,
  TLV_SOTTO_NEXT_NODE_ID,
  TLV_SOTTO_NEXT_PATH_KEY,
  TLV_SOTTO_INCOMING_CHALLENGE,
  TLV_SOTTO_OUTGOING_CHALLENGE,
  TLV_SOTTO_AMOUNT_IN,
  TLV_SOTTO_AMOUNT_OUT,
  TLV_SOTTO_FRAGMENT,
  TLV_SOTTO_REPLY_FEES,
]);

/** TLV records of a hop payload (unsorted; `encodeTlvStream` sorts). */
export function hopPayloadRecords(payload: SottoHopPayload): TlvRecord[] {
  const records: TlvRecord[] = [];
  if (payload.replyPath) {
    records.push({ type: TLV_REPLY_PATH, value: encodeBlindedPath(payload.replyPath.path) });
    records.push({ type: TLV_SOTTO_REPLY_FEES, value: encodeAmountList(payload.replyPath.fees) });
  }
  if (payload.encryptedRecipientData) records.push({ type: TLV_ENCRYPTED_RECIPIENT_DATA, value: payload.encryptedRecipientData });
  if (payload.nextNodeId) records.push({ type: TLV_SOTTO_NEXT_NODE_ID, value: payload.nextNodeId });
  if (payload.nextPathKey) records.push({ type: TLV_SOTTO_NEXT_PATH_KEY, value: payload.nextPathKey });
  if (payload.incomingChallenge) records.push({ type: TLV_SOTTO_INCOMING_CHALLENGE, value: payload.incomingChallenge });
  if (payload.outgoingChallenge) records.push({ type: TLV_SOTTO_OUTGOING_CHALLENGE, value: payload.outgoingChallenge });
  if (payload.amountIn !== undefined) records.push({ type: TLV_SOTTO_AMOUNT_IN, value: encodeTu128(payload.amountIn) });
  if (payload.amountOut !== undefined) records.push({ type: TLV_SOTTO_AMOUNT_OUT, value: encodeTu128(payload.amountOut) });
  if (payload.fragment) records.push({ type: TLV_SOTTO_FRAGMENT, value: encodeFragment(payload.fragment) });
  for (const r of payload.unknown ?? []) records.push(r);
  return records;
}

export function encodeHopPayload(payload: SottoHopPayload): Uint8Array {
  return encodeTlvStream(hopPayloadRecords(payload));
}

/**
 * Decodes a Sotto hop payload: BOLT 1 stream rules (unknown even types rejected), each known value
 * checked. Role rules (which fields a forwarding or final hop needs) are applied by `processPacket`.
 */
export function decodeHopPayload(bytes: Uint8Array): SottoHopPayload {
  try {
    const out: SottoHopPayload = {};
    const unknown: TlvRecord[] = [];
    let replyPath: BlindedPath | undefined;
    let replyFees: bigint[] | undefined;
    for (const { type, value } of decodeTlvStream(bytes, { known: KNOWN, stream: "hop payload" })) {
      switch (type) {
        case TLV_REPLY_PATH:
          replyPath = decodeBlindedPath(value);
          break;
        case TLV_ENCRYPTED_RECIPIENT_DATA:
          out.encryptedRecipientData = value.slice();
          break;
        case TLV_SOTTO_NEXT_NODE_ID:
          out.nextNodeId = decodePoint(value, type, "next_node_id");
          break;
        case TLV_SOTTO_NEXT_PATH_KEY:
          out.nextPathKey = decodePoint(value, type, "next_path_key");
          break;
        case TLV_SOTTO_INCOMING_CHALLENGE:
          out.incomingChallenge = decodeFixed(value, HASH_SIZE, type, "incoming challenge");
          break;
        case TLV_SOTTO_OUTGOING_CHALLENGE:
          out.outgoingChallenge = decodeFixed(value, HASH_SIZE, type, "outgoing challenge");
          break;
        case TLV_SOTTO_AMOUNT_IN:
          out.amountIn = decodeTu128(value, type);
          break;
        case TLV_SOTTO_AMOUNT_OUT:
          out.amountOut = decodeTu128(value, type);
          break;
        case TLV_SOTTO_FRAGMENT:
          try {
            out.fragment = decodeFragment(value);
          } catch (cause) {
            throw new TlvValueError({ type, reason: `bad fragment (${(cause as Error).message})` });
          }
          break;
        case TLV_SOTTO_REPLY_FEES:
          try {
            replyFees = decodeAmountList(value, "reply fees");
          } catch (cause) {
            throw new TlvValueError({ type, reason: `bad fee list (${(cause as Error).message})` });
          }
          break;
        default:
          unknown.push({ type, value: value.slice() });
      }
    }
    if (replyPath || replyFees) {
      if (!replyPath || !replyFees) throw new TlvValueError({ type: TLV_SOTTO_REPLY_FEES, reason: "reply_path and reply fees must come together" });
      if (replyFees.length !== replyPath.hops.length - 1) {
        throw new TlvValueError({ type: TLV_SOTTO_REPLY_FEES, reason: `${replyFees.length} fees for ${replyPath.hops.length} hops (expected one per hop but the last)` });
      }
      out.replyPath = { path: replyPath, fees: replyFees };
    }
    if (unknown.length > 0) out.unknown = unknown;
    return out;
  } catch (error) {
    throw asProtocolError(error, "decodeHopPayload");
  }
}
