import { createSubscribe } from "./subscribe.ts";
import { describe, expect, it } from "vitest";
import { key } from "../../../test/protocol/helpers.ts";
import {
  ACK_FRAME_SIZE,
  InvalidLengthError,
  InvalidPublicKeyError,
  NACK_FRAME_SIZE,
  NackReason,
  PACKET_FRAME_SIZE,
  RECEIPT_FRAME_SIZE,
  REVEAL_FRAME_SIZE,
  TicketMismatchError,
  TruncatedInputError,
  UnknownFrameTypeError,
  UnsupportedVersionError,
  VOUCHER_FRAME_SIZE,
  createOnionPacket,
  decodeBatch,
  decodeFrame,
  encodeBatch,
  encodeFrame,
  packBatches,
  portableBackend,
  signTicket,
  type Frame,
} from "../index.ts";

const backend = portableBackend;
const onion = createOnionPacket(backend, { sessionKey: key(1), hops: [{ publicKey: backend.publicKeyFromPrivate(key(2)), payload: new Uint8Array([1, 0]) }] }).packet;
const domain = { chainId: 1n, verifyingContract: new Uint8Array(20) };
const ticket = signTicket(backend, { domain, privateKey: key(3), payee: new Uint8Array(20).fill(9), epoch: 1n, cumulative: 5n, index: 0n, challenge: key(4) });
const voucher = signTicket(backend, { domain, privateKey: key(3), payee: new Uint8Array(20).fill(9), epoch: 1n, cumulative: 5n, index: 1n, challenge: new Uint8Array(32) });

export const sampleFrames: Frame[] = [
  { type: "packet", pathKey: undefined, onion, ticket },
  { type: "packet", pathKey: backend.publicKeyFromPrivate(key(5)), onion, ticket: undefined },
  { type: "ack", ackSecret: key(6) },
  { type: "reveal", response: key(7) },
  { type: "receipt", ackSecret: key(8), recipientAckSecret: key(9) },
  { type: "voucher", ticket: voucher },
  { type: "nack", challenge: key(10), reason: NackReason.replay },
  createSubscribe(backend, { privateKey: key(11), relayNodeId: backend.publicKeyFromPrivate(key(12)), timestamp: 1_800_000_000n }),
  { type: "drained", delivered: 4_000_000_000 },
];

describe("link frames", () => {
  it("have the documented fixed sizes", () => {
    expect(PACKET_FRAME_SIZE).toBe(1550);
    expect([ACK_FRAME_SIZE, REVEAL_FRAME_SIZE, RECEIPT_FRAME_SIZE, VOUCHER_FRAME_SIZE, NACK_FRAME_SIZE]).toEqual([34, 34, 66, 151, 35]);
    expect(sampleFrames.map((f) => encodeFrame(f).length)).toEqual([1550, 1550, 34, 34, 66, 151, 35, 108, 6]);
  });

  it("round-trip, alone and batched", () => {
    for (const frame of sampleFrames) expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
    const batch = encodeBatch(sampleFrames);
    expect(batch.length).toBe(2 + 1550 * 2 + 34 * 2 + 66 + 151 + 35 + 108 + 6);
    expect(decodeBatch(batch)).toEqual(sampleFrames);
    expect(decodeBatch(encodeBatch([]))).toEqual([]);
  });

  it("pack into batches within the size limit", () => {
    const many = Array.from({ length: 400 }, () => sampleFrames[0]!);
    const batches = packBatches(many);
    expect(batches.length).toBe(3);
    expect(batches.flatMap((b) => decodeBatch(b)).length).toBe(400);
    for (const b of batches) expect(b.length).toBeLessThanOrEqual(256 * 1024);
  });

  it("refuse wrong versions, unknown types, truncation, trailing bytes and bad fields", () => {
    const packet = encodeFrame(sampleFrames[0]!);
    const v2 = packet.slice();
    v2[0] = 2;
    expect(() => decodeFrame(v2)).toThrow(UnsupportedVersionError);
    const t = packet.slice();
    t[1] = 0x7f;
    expect(() => decodeFrame(t)).toThrow(UnknownFrameTypeError);
    expect(() => decodeFrame(packet.subarray(0, 1549))).toThrow(TruncatedInputError);
    expect(() => decodeFrame(new Uint8Array([...packet, 0]))).toThrow(InvalidLengthError);
    const badPathKey = packet.slice();
    badPathKey[2] = 0x05;
    expect(() => decodeFrame(badPathKey)).toThrow(InvalidPublicKeyError);
    const badOnionVersion = packet.slice();
    badOnionVersion[2 + 33] = 1;
    expect(() => decodeFrame(badOnionVersion)).toThrow(UnsupportedVersionError);
    const conditionalVoucher = encodeFrame(sampleFrames[5]!);
    conditionalVoucher[2 + 20 + 8 + 16 + 8] = 1;
    expect(() => decodeFrame(conditionalVoucher)).toThrow(TicketMismatchError);
    const countTooHigh = encodeBatch(sampleFrames);
    countTooHigh[1] = countTooHigh[1]! + 1;
    expect(() => decodeBatch(countTooHigh)).toThrow(TruncatedInputError);
    expect(() => decodeBatch(new Uint8Array([0xff, 0xff]))).toThrow(InvalidLengthError);
  });
});
