import {
  ACK_FRAME_SIZE,
  ACK_SECRET_SIZE,
  ECDSA_SIGNATURE_SIZE,
  FRAME_TYPE_ACK,
  FRAME_TYPE_DRAINED,
  FRAME_TYPE_NACK,
  FRAME_TYPE_PACKET,
  FRAME_TYPE_RECEIPT,
  FRAME_TYPE_REVEAL,
  FRAME_TYPE_SUBSCRIBE,
  FRAME_TYPE_VOUCHER,
  FRAME_VERSION,
  HASH_SIZE,
  MAX_BATCH_FRAMES,
  MAX_BATCH_SIZE,
  NACK_FRAME_SIZE,
  ONION_PACKET_SIZE,
  PACKET_FRAME_SIZE,
  PUBLIC_KEY_SIZE,
  RECEIPT_FRAME_SIZE,
  REVEAL_FRAME_SIZE,
  DRAINED_FRAME_SIZE,
  SUBSCRIBE_FRAME_SIZE,
  TICKET_WIRE_SIZE,
  VOUCHER_FRAME_SIZE,
} from "../constants.ts";
import {
  InvalidLengthError,
  InvalidParameterError,
  InvalidPublicKeyError,
  TicketMismatchError,
  UnknownFrameTypeError,
  UnsupportedVersionError,
  asProtocolError,
} from "../errors.ts";
import { hasCompressedPointShape } from "../crypto/scalars.ts";
import { checkOnionPacket } from "../onion/peelOnionPacket.ts";
import { type WireTicket, readWireTicket, writeWireTicket } from "../tickets/wireTicket.ts";
import { ByteReader, encodeUint, isAllZero } from "../utils/bytes.ts";
import { parseRecoverableSignature } from "../crypto/scalars.ts";

/** A packet and the ticket paying its receiver (protocol.md §PACKET). */
export type PacketFrame = {
  type: "packet";
  /** Route-blinding path key for the receiver, undefined when absent (all zero on the wire). */
  pathKey: Uint8Array | undefined;
  onion: Uint8Array;
  /** Undefined (all zero on the wire) only toward the recipient, who is not paid. */
  ticket: WireTicket | undefined;
};
/** hop i+1 → hop i: "I accepted your packet"; carries hop i+1's ack secret. */
export type AckFrame = { type: "ack"; ackSecret: Uint8Array };
/** hop i → hop i-1: the response for the ticket hop i-1 gave hop i (lets the payer confirm the amount). */
export type RevealFrame = { type: "reveal"; response: Uint8Array };
/** Backward delivery receipt: the sending hop's ack secret (circuit lookup) and the recipient's ack secret. */
export type ReceiptFrame = { type: "receipt"; ackSecret: Uint8Array; recipientAckSecret: Uint8Array };
/** An unconditional ticket (challenge 0) outside any packet, e.g. when traffic pauses. */
export type VoucherFrame = { type: "voucher"; ticket: WireTicket };
/** hop i+1 → hop i: the packet whose ticket carried `challenge` was refused. */
export type NackFrame = { type: "nack"; challenge: Uint8Array; reason: number };
/**
 * recipient → its home relay: "deliver packets for `recipientNodeId` to me", signed with that node id's key
 * (protocol.md §Recipients). The relay pushes its mailbox backlog, then DRAINED, then live packets.
 */
export type SubscribeFrame = { type: "subscribe"; recipientNodeId: Uint8Array; timestamp: bigint; signature: Uint8Array };
/** home relay → recipient: the stored backlog has been sent (`delivered` packets). */
export type DrainedFrame = { type: "drained"; delivered: number };

export type Frame = PacketFrame | AckFrame | RevealFrame | ReceiptFrame | VoucherFrame | NackFrame | SubscribeFrame | DrainedFrame;

/**
 * The payee's answer to a VOUCHER (protocol.md §9), on the link it came in on: a REVEAL of the zero response
 * when it stored the voucher, a NACK of the zero challenge (the voucher's own) when it refused it. Reveals the
 * payee sends before it (those it owed the payer) arrive first, so a payer that waits for the answer has them.
 */
export function voucherStored(): RevealFrame {
  return { type: "reveal", response: new Uint8Array(ACK_SECRET_SIZE) };
}

/** See `voucherStored`. */
export function voucherRefused(reason: number): NackFrame {
  return { type: "nack", challenge: new Uint8Array(HASH_SIZE), reason };
}

/** Whether a REVEAL's response or a NACK's challenge is all zero: the answer to a VOUCHER, not to a packet's ticket. */
export function answersVoucher(frame: RevealFrame | NackFrame): boolean {
  return isAllZero(frame.type === "reveal" ? frame.response : frame.challenge);
}

/** NACK reason codes (u8). Unknown codes are accepted and mean "refused". */
export const NackReason = {
  unspecified: 0,
  badTicket: 1,
  challengeMismatch: 2,
  amountShort: 3,
  payerBehind: 4,
  replay: 5,
  badOnion: 6,
  unknownNextHop: 7,
  overloaded: 8,
} as const;
export type NackReason = (typeof NackReason)[keyof typeof NackReason];

const SIZES: Record<number, number> = {
  [FRAME_TYPE_PACKET]: PACKET_FRAME_SIZE,
  [FRAME_TYPE_ACK]: ACK_FRAME_SIZE,
  [FRAME_TYPE_REVEAL]: REVEAL_FRAME_SIZE,
  [FRAME_TYPE_RECEIPT]: RECEIPT_FRAME_SIZE,
  [FRAME_TYPE_VOUCHER]: VOUCHER_FRAME_SIZE,
  [FRAME_TYPE_NACK]: NACK_FRAME_SIZE,
  [FRAME_TYPE_SUBSCRIBE]: SUBSCRIBE_FRAME_SIZE,
  [FRAME_TYPE_DRAINED]: DRAINED_FRAME_SIZE,
};

/** Wire size of a frame of this type byte (undefined for unknown types). */
export function frameSize(type: number): number | undefined {
  return SIZES[type];
}

function fixed(bytes: Uint8Array, size: number, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new InvalidParameterError({ parameter: what, reason: `must be ${size} bytes` });
  return bytes;
}

/** Encoded length of `frame`. */
export function encodedFrameLength(frame: Frame): number {
  return SIZES[typeByte(frame)]!;
}

function typeByte(frame: Frame): number {
  switch (frame.type) {
    case "packet":
      return FRAME_TYPE_PACKET;
    case "ack":
      return FRAME_TYPE_ACK;
    case "reveal":
      return FRAME_TYPE_REVEAL;
    case "receipt":
      return FRAME_TYPE_RECEIPT;
    case "voucher":
      return FRAME_TYPE_VOUCHER;
    case "nack":
      return FRAME_TYPE_NACK;
    case "subscribe":
      return FRAME_TYPE_SUBSCRIBE;
    case "drained":
      return FRAME_TYPE_DRAINED;
    default:
      throw new InvalidParameterError({ parameter: "frame.type", reason: `unknown frame type ${(frame as { type: string }).type}` });
  }
}

/** Writes `frame` into `out` at `offset`; returns the offset after it. */
export function writeFrame(out: Uint8Array, offset: number, frame: Frame): number {
  const type = typeByte(frame);
  out[offset] = FRAME_VERSION;
  out[offset + 1] = type;
  let o = offset + 2;
  switch (frame.type) {
    case "packet":
      if (frame.pathKey) out.set(fixed(frame.pathKey, PUBLIC_KEY_SIZE, "pathKey"), o);
      o += PUBLIC_KEY_SIZE;
      out.set(fixed(frame.onion, ONION_PACKET_SIZE, "onion"), o);
      o += ONION_PACKET_SIZE;
      if (frame.ticket) writeWireTicket(out, o, frame.ticket);
      o += TICKET_WIRE_SIZE;
      break;
    case "ack":
      out.set(fixed(frame.ackSecret, ACK_SECRET_SIZE, "ackSecret"), o);
      o += ACK_SECRET_SIZE;
      break;
    case "reveal":
      out.set(fixed(frame.response, ACK_SECRET_SIZE, "response"), o);
      o += ACK_SECRET_SIZE;
      break;
    case "receipt":
      out.set(fixed(frame.ackSecret, ACK_SECRET_SIZE, "ackSecret"), o);
      o += ACK_SECRET_SIZE;
      out.set(fixed(frame.recipientAckSecret, ACK_SECRET_SIZE, "recipientAckSecret"), o);
      o += ACK_SECRET_SIZE;
      break;
    case "voucher":
      if (!isAllZero(frame.ticket.challenge)) throw new InvalidParameterError({ parameter: "ticket.challenge", reason: "a voucher's challenge is zero" });
      o = writeWireTicket(out, o, frame.ticket);
      break;
    case "nack":
      out.set(fixed(frame.challenge, HASH_SIZE, "challenge"), o);
      o += HASH_SIZE;
      if (!Number.isInteger(frame.reason) || frame.reason < 0 || frame.reason > 255) throw new InvalidParameterError({ parameter: "reason", reason: "u8" });
      out[o++] = frame.reason;
      break;
    case "subscribe":
      out.set(fixed(frame.recipientNodeId, PUBLIC_KEY_SIZE, "recipientNodeId"), o);
      o += PUBLIC_KEY_SIZE;
      out.set(encodeUint(frame.timestamp, 8, "timestamp"), o);
      o += 8;
      out.set(fixed(frame.signature, ECDSA_SIGNATURE_SIZE, "signature"), o);
      o += ECDSA_SIGNATURE_SIZE;
      break;
    case "drained":
      if (!Number.isInteger(frame.delivered) || frame.delivered < 0 || frame.delivered > 0xffffffff) throw new InvalidParameterError({ parameter: "delivered", reason: "u32" });
      out.set(encodeUint(BigInt(frame.delivered), 4, "delivered"), o);
      o += 4;
      break;
  }
  return o;
}

/** One frame as bytes (fixed size per type: protocol.md §Link frames). */
export function encodeFrame(frame: Frame): Uint8Array {
  const out = new Uint8Array(encodedFrameLength(frame));
  writeFrame(out, 0, frame);
  return out;
}

/** Reads one frame at the reader's position (views are copied). */
export function readFrame(reader: ByteReader): Frame {
  reader.need(2);
  const version = reader.bytes[reader.offset]!;
  const type = reader.bytes[reader.offset + 1]!;
  if (version !== FRAME_VERSION) throw new UnsupportedVersionError({ what: "frame", version, supported: [FRAME_VERSION] });
  const size = SIZES[type];
  if (size === undefined) throw new UnknownFrameTypeError({ type });
  reader.need(size);
  reader.offset += 2;
  switch (type) {
    case FRAME_TYPE_PACKET: {
      // One copy for path key and onion (views into it): a packet's bytes are copied once, not per field.
      const body = reader.copy(PUBLIC_KEY_SIZE + ONION_PACKET_SIZE);
      const rawPathKey = body.subarray(0, PUBLIC_KEY_SIZE);
      let pathKey: Uint8Array | undefined;
      if (!isAllZero(rawPathKey)) {
        if (!hasCompressedPointShape(rawPathKey)) throw new InvalidPublicKeyError({ what: "frame path_key" });
        pathKey = rawPathKey;
      }
      const onion = body.subarray(PUBLIC_KEY_SIZE);
      checkOnionPacket(onion);
      const rawTicket = reader.take(TICKET_WIRE_SIZE);
      const ticket = isAllZero(rawTicket) ? undefined : readWireTicket(new ByteReader(rawTicket, "frame ticket"));
      return { type: "packet", pathKey, onion, ticket };
    }
    case FRAME_TYPE_ACK:
      return { type: "ack", ackSecret: reader.copy(ACK_SECRET_SIZE) };
    case FRAME_TYPE_REVEAL:
      return { type: "reveal", response: reader.copy(ACK_SECRET_SIZE) };
    case FRAME_TYPE_RECEIPT:
      return { type: "receipt", ackSecret: reader.copy(ACK_SECRET_SIZE), recipientAckSecret: reader.copy(ACK_SECRET_SIZE) };
    case FRAME_TYPE_VOUCHER: {
      const ticket = readWireTicket(reader);
      if (!isAllZero(ticket.challenge)) throw new TicketMismatchError({ reason: "a voucher's challenge must be zero" });
      return { type: "voucher", ticket };
    }
    case FRAME_TYPE_NACK: {
      const challenge = reader.copy(HASH_SIZE);
      return { type: "nack", challenge, reason: reader.u8() };
    }
    case FRAME_TYPE_SUBSCRIBE: {
      const recipientNodeId = reader.copy(PUBLIC_KEY_SIZE);
      if (!hasCompressedPointShape(recipientNodeId)) throw new InvalidPublicKeyError({ what: "subscribe recipient node id" });
      const timestamp = reader.uint(8);
      const signature = reader.copy(ECDSA_SIGNATURE_SIZE);
      parseRecoverableSignature(signature);
      return { type: "subscribe", recipientNodeId, timestamp, signature };
    }
    default:
      return { type: "drained", delivered: Number(reader.uint(4)) };
  }
}

/** Decodes exactly one frame. Throws only `BaseError`s. */
export function decodeFrame(bytes: Uint8Array): Frame {
  try {
    const reader = new ByteReader(bytes, "frame");
    const frame = readFrame(reader);
    reader.end();
    return frame;
  } catch (error) {
    throw asProtocolError(error, "decodeFrame");
  }
}

/**
 * A batch: `u16 count ‖ count frames`, each self-delimiting by its type. One libp2p message (or write)
 * carries one batch (protocol.md §Batches). At most 1024 frames and 256 KiB.
 */
export function encodeBatch(frames: readonly Frame[]): Uint8Array {
  if (frames.length > MAX_BATCH_FRAMES) throw new InvalidParameterError({ parameter: "frames", reason: `at most ${MAX_BATCH_FRAMES} per batch` });
  let size = 2;
  for (const f of frames) size += encodedFrameLength(f);
  if (size > MAX_BATCH_SIZE) throw new InvalidParameterError({ parameter: "frames", reason: `batch of ${size} bytes exceeds ${MAX_BATCH_SIZE}` });
  const out = new Uint8Array(size);
  out[0] = frames.length >>> 8;
  out[1] = frames.length & 0xff;
  let offset = 2;
  for (const f of frames) offset = writeFrame(out, offset, f);
  return out;
}

export function decodeBatch(bytes: Uint8Array): Frame[] {
  try {
    if (bytes.length > MAX_BATCH_SIZE) throw new InvalidLengthError({ what: "batch", expected: `≤ ${MAX_BATCH_SIZE}`, actual: bytes.length });
    const reader = new ByteReader(bytes, "batch");
    const count = reader.u16();
    if (count > MAX_BATCH_FRAMES) throw new InvalidLengthError({ what: "batch frame count", expected: `≤ ${MAX_BATCH_FRAMES}`, actual: count });
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) frames.push(readFrame(reader));
    reader.end();
    return frames;
  } catch (error) {
    throw asProtocolError(error, "decodeBatch");
  }
}

/** Greedy packing of frames into as few batches as the limits allow (order kept). */
export function packBatches(frames: readonly Frame[], maxBatchSize = MAX_BATCH_SIZE): Uint8Array[] {
  if (maxBatchSize < 2 + PACKET_FRAME_SIZE || maxBatchSize > MAX_BATCH_SIZE) {
    throw new InvalidParameterError({ parameter: "maxBatchSize", reason: `must be in [${2 + PACKET_FRAME_SIZE}, ${MAX_BATCH_SIZE}]` });
  }
  const out: Uint8Array[] = [];
  let current: Frame[] = [];
  let size = 2;
  for (const frame of frames) {
    const length = encodedFrameLength(frame);
    if (current.length === MAX_BATCH_FRAMES || size + length > maxBatchSize) {
      out.push(encodeBatch(current));
      current = [];
      size = 2;
    }
    current.push(frame);
    size += length;
  }
  if (current.length > 0) out.push(encodeBatch(current));
  return out;
}

