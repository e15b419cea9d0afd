import {
  MAX_ONION_PACKET_SIZE,
  PUBLIC_KEY_SIZE,
  TLV_ENCRYPTED_RECIPIENT_DATA,
  TLV_REPLY_PATH,
} from "../constants.ts";
import { InvalidLengthError, InvalidPublicKeyError, UnknownFrameTypeError, asProtocolError } from "../errors.ts";
import { hasCompressedPointShape } from "../crypto/scalars.ts";
import { type TlvRecord, decodeTlvStream, encodeTlvStream } from "../tlv/tlvStream.ts";
import { ByteReader, concatBytes, encodeU16 } from "../utils/bytes.ts";
import type { BlindedPath } from "../blinding/createBlindedPath.ts";
import { decodeBlindedPath, encodeBlindedPath } from "../blinding/blindedPathCodec.ts";
import { checkOnionPacket } from "../onion/peelOnionPacket.ts";

/** BOLT 4 lightning message type of `onion_message`. */
export const ONION_MESSAGE_TYPE = 513;

/** BOLT 4 `onion_message` (type 513): the path key for the receiving node and the onion. */
export type OnionMessage = { pathKey: Uint8Array; packet: Uint8Array };

/** `u16 513 ‖ path_key ‖ u16 len ‖ onion_message_packet`. */
export function encodeOnionMessage({ pathKey, packet }: OnionMessage): Uint8Array {
  if (packet.length > MAX_ONION_PACKET_SIZE) throw new InvalidLengthError({ what: "onion_message_packet", expected: `≤ ${MAX_ONION_PACKET_SIZE}`, actual: packet.length });
  return concatBytes(encodeU16(ONION_MESSAGE_TYPE), pathKey, encodeU16(packet.length), packet);
}

/** Decodes a type-513 message: type, path key encoding, length, onion version and key encoding. */
export function decodeOnionMessage(bytes: Uint8Array): OnionMessage {
  try {
    const reader = new ByteReader(bytes, "onion_message");
    const type = reader.u16();
    if (type !== ONION_MESSAGE_TYPE) throw new UnknownFrameTypeError({ type });
    const pathKey = reader.copy(PUBLIC_KEY_SIZE);
    if (!hasCompressedPointShape(pathKey)) throw new InvalidPublicKeyError({ what: "onion_message path_key" });
    const length = reader.u16();
    const packet = reader.copy(length);
    reader.end();
    checkOnionPacket(packet);
    return { pathKey, packet };
  } catch (error) {
    throw asProtocolError(error, "decodeOnionMessage");
  }
}

/** BOLT 4 `onionmsg_tlv` as far as the generic layer goes; other records are kept raw. */
export type OnionMessagePayload = {
  replyPath?: BlindedPath | undefined;
  encryptedRecipientData?: Uint8Array | undefined;
  /** Every other record (known BOLT 12 payloads 64/66/68, custom odd types), in type order. */
  others: TlvRecord[];
};

/** Even types a generic onion-message reader knows: reply_path, encrypted_recipient_data, BOLT 12 payloads. */
export const ONION_MESSAGE_KNOWN_TYPES: ReadonlySet<bigint> = new Set([TLV_REPLY_PATH, TLV_ENCRYPTED_RECIPIENT_DATA, 64n, 66n, 68n]);

export function decodeOnionMessagePayload(bytes: Uint8Array, known: ReadonlySet<bigint> = ONION_MESSAGE_KNOWN_TYPES): OnionMessagePayload {
  try {
    const out: OnionMessagePayload = { others: [] };
    for (const record of decodeTlvStream(bytes, { known, stream: "onionmsg_tlv" })) {
      if (record.type === TLV_REPLY_PATH) out.replyPath = decodeBlindedPath(record.value, { requireNodeId: false, maxHops: 255 });
      else if (record.type === TLV_ENCRYPTED_RECIPIENT_DATA) out.encryptedRecipientData = record.value.slice();
      else out.others.push({ type: record.type, value: record.value.slice() });
    }
    return out;
  } catch (error) {
    throw asProtocolError(error, "decodeOnionMessagePayload");
  }
}

export function encodeOnionMessagePayload(payload: OnionMessagePayload): Uint8Array {
  const records: TlvRecord[] = [...payload.others];
  if (payload.replyPath) records.push({ type: TLV_REPLY_PATH, value: encodeBlindedPath(payload.replyPath) });
  if (payload.encryptedRecipientData) records.push({ type: TLV_ENCRYPTED_RECIPIENT_DATA, value: payload.encryptedRecipientData });
  return encodeTlvStream(records);
}
