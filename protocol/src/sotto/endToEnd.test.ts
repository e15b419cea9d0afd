/**
 * A packet's whole life through the Sotto layer: sender → 2 plain relays → the recipient's blinded path
 * (introduction relay, home relay, recipient), with ticket terms checked at every hop, ACK / REVEAL /
 * RECEIPT secrets matching the challenges, and both crypto back-ends.
 */
import { describe, expect, it } from "vitest";
import { backends, key } from "../../../test/protocol/helpers.ts";
import {
  BaseError,
  InvalidOnionHmacError,
  PayloadTooLargeError,
  UnexpectedFieldError,
  buildPacket,
  computeChallenge,
  createRecipientPath,
  decodeFrame,
  encodeFrame,
  equalBytes,
  fragmentCapacity,
  processPacket,
  toHex,
  type DeliverInstruction,
  type ForwardInstruction,
  type PacketFrame,
} from "../index.ts";

describe.each(backends)("Sotto packet end to end (%s back-end)", (_, backend) => {
  const relayKeys = [0x11, 0x12, 0x13, 0x14, 0x15].map(key);
  const relayIds = relayKeys.map((k) => backend.publicKeyFromPrivate(k));
  const recipientKey = key(0x21);
  const recipientId = backend.publicKeyFromPrivate(recipientKey);
  const pathId = key(0x77);
  // Recipient's blinded path: relay 3 (introduction) → relay 4 (home) → recipient; relay 2 is unused here.
  const address = createRecipientPath(backend, {
    sessionKey: key(0x31),
    relays: [
      { nodeId: relayIds[3]!, fee: 7n },
      { nodeId: relayIds[4]!, fee: 11n },
    ],
    recipientNodeId: recipientId,
    pathId,
  });
  const route = [0, 1].map((i) => ({ nodeId: relayIds[i]!, fee: BigInt(100 + i) }));
  const message = new TextEncoder().encode("hello over sotto");
  const built = buildPacket(backend, {
    sessionKey: key(0x41),
    route,
    recipient: address,
    fragment: { messageId: key(0x55).subarray(0, 16), index: 0, count: 1, data: message },
    replyPath: address,
  });
  const keyOf = new Map(relayIds.map((id, i) => [toHex(id), relayKeys[i]!]));
  keyOf.set(toHex(recipientId), recipientKey);

  it("sizes and first-hop terms", () => {
    expect(built.onion.length).toBe(1366);
    expect(built.hops.length).toBe(5);
    expect(toHex(built.firstNodeId)).toBe(toHex(relayIds[0]!));
    expect(built.pathKey).toBeUndefined();
    expect(built.ticket!.amount).toBe(100n + 101n + 7n + 11n);
    expect(toHex(built.ticket!.challenge)).toBe(toHex(built.hops[1]!.ackChallenge));
    expect(built.hops.map((h) => h.blinded)).toEqual([false, false, true, true, true]);
    expect(fragmentCapacity({ route, recipient: address, replyPath: address })).toBeGreaterThanOrEqual(message.length);
  });

  it("forwards through every hop and delivers, with consistent tickets, acks and receipts", () => {
    let frame: PacketFrame = { type: "packet", pathKey: built.pathKey, onion: built.onion, ticket: undefined };
    let nodeId = built.firstNodeId;
    const forwards: ForwardInstruction[] = [];
    let delivered: DeliverInstruction | undefined;
    for (let hop = 0; hop < 5; hop++) {
      const wire = decodeFrame(encodeFrame(frame)) as PacketFrame;
      const result = processPacket(backend, { onion: wire.onion, pathKey: wire.pathKey, privateKey: keyOf.get(toHex(nodeId))! });
      // The sender knows every hop's secrets, blinded hops included.
      expect(toHex(result.ackSecret)).toBe(toHex(built.hops[hop]!.ackSecret));
      expect(toHex(result.replayTag)).toBe(toHex(built.hops[hop]!.replayTag));
      expect(result.replayTag.length).toBe(16);
      if (result.type === "deliver") {
        delivered = result;
        break;
      }
      forwards.push(result);
      expect(result.amountIn).toBe(built.hops[hop]!.amountIn);
      expect(toHex(result.incomingChallenge)).toBe(toHex(built.hops[hop]!.ticketChallenge!));
      frame = { type: "packet", pathKey: result.nextPathKey, onion: result.nextOnion, ticket: undefined };
      nodeId = result.nextNodeId;
    }
    expect(forwards.length).toBe(4);
    expect(delivered).toBeDefined();
    expect(new TextDecoder().decode(delivered!.fragment.data)).toBe("hello over sotto");
    expect(toHex(delivered!.pathId!)).toBe(toHex(pathId));
    expect(delivered!.replyPath!.fees).toEqual([7n, 11n]);
    expect(toHex(nodeId)).toBe(toHex(recipientId));

    // Next-hop routing: plain → plain → introduction (with the path key) → home → recipient.
    expect(forwards.map((f) => f.blinded)).toEqual([false, false, true, true]);
    expect(toHex(forwards[1]!.nextNodeId)).toBe(toHex(relayIds[3]!));
    expect(toHex(forwards[1]!.nextPathKey!)).toBe(toHex(address.path.pathKey));
    expect(forwards[0]!.nextPathKey).toBeUndefined();
    expect(toHex(forwards[2]!.nextNodeId)).toBe(toHex(relayIds[4]!));

    // Amounts: each hop keeps its fee and passes the rest on; the exit relay has no outgoing ticket.
    const fees = [100n, 101n, 7n, 11n];
    forwards.forEach((f, i) => {
      expect(f.amountIn - (f.outgoing?.amount ?? 0n)).toBe(fees[i]);
      // The outgoing challenge of hop i is the incoming challenge of hop i+1 …
      if (i < 3) expect(toHex(f.outgoing!.challenge)).toBe(toHex(forwards[i + 1]!.incomingChallenge));
      // … and the ACK of hop i+1 (its ack secret) answers hop i's incoming challenge.
      const nextAck = built.hops[i + 1]!.ackSecret;
      expect(equalBytes(computeChallenge(backend, nextAck), f.incomingChallenge)).toBe(true);
    });
    expect(forwards[3]!.outgoing).toBeUndefined();
    // The recipient's ack secret is the delivery receipt.
    expect(toHex(computeChallenge(backend, delivered!.ackSecret))).toBe(toHex(built.receiptChallenge));
  });

  it("rejects a packet peeled by the wrong node or with a missing path key", () => {
    expect(() => processPacket(backend, { onion: built.onion, privateKey: relayKeys[1]! })).toThrow(InvalidOnionHmacError);
    const first = processPacket(backend, { onion: built.onion, privateKey: relayKeys[0]! }) as ForwardInstruction;
    const third = processPacket(backend, { onion: first.nextOnion, privateKey: relayKeys[1]! }) as ForwardInstruction;
    // The introduction node without the path key cannot find its layer.
    expect(() => processPacket(backend, { onion: third.nextOnion, privateKey: relayKeys[3]! })).toThrow(InvalidOnionHmacError);
    expect(() => processPacket(backend, { onion: third.nextOnion, pathKey: relayIds[0], privateKey: relayKeys[3]! })).toThrow(InvalidOnionHmacError);
  });

  it("detects a flipped bit at every one of the 1366 onion bytes (every 37th with the slow portable back-end)", () => {
    const step = backend.nativePublicKeyOps ? 1 : 37;
    for (let position = 0; position < built.onion.length; position += step) {
      const onion = built.onion.slice();
      onion[position]! ^= 1 << (position % 8);
      let error: unknown;
      try {
        processPacket(backend, { onion, privateKey: relayKeys[0]! });
      } catch (e) {
        error = e;
      }
      expect(error, `byte ${position}`).toBeInstanceOf(BaseError);
      // The version byte and the ephemeral key may fail earlier; everything after them fails the HMAC.
      if (position >= 34) expect(error, `byte ${position}`).toBeInstanceOf(InvalidOnionHmacError);
    }
  });

  it("fits three plain relays and a two-hop blinded path, and refuses routes that do not fit", () => {
    const home = createRecipientPath(backend, { sessionKey: key(0x32), relays: [{ nodeId: relayIds[4]!, fee: 5n }], recipientNodeId: recipientId, pathId });
    const longRoute = [0, 1, 2].map((i) => ({ nodeId: relayIds[i]!, fee: 1n }));
    const capacity = fragmentCapacity({ route: longRoute, recipient: home });
    expect(capacity).toBeGreaterThan(500);
    const data = new Uint8Array(capacity).fill(0xab);
    const ok = buildPacket(backend, { sessionKey: key(0x44), route: longRoute, recipient: home, fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data } });
    expect(ok.onion.length).toBe(1366);
    const tooBig = new Uint8Array(capacity + 1);
    expect(() =>
      buildPacket(backend, { sessionKey: key(0x44), route: longRoute, recipient: home, fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data: tooBig } }),
    ).toThrow(PayloadTooLargeError);
  });

  it("supports an empty route (sender talks to the introduction node) and a plain recipient", () => {
    const direct = buildPacket(backend, {
      sessionKey: key(0x42),
      route: [],
      recipient: address,
      fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data: message },
    });
    expect(toHex(direct.pathKey!)).toBe(toHex(address.path.pathKey));
    expect(toHex(direct.firstNodeId)).toBe(toHex(relayIds[3]!));
    expect(direct.ticket!.amount).toBe(18n);
    const plain = buildPacket(backend, {
      sessionKey: key(0x43),
      route: route.slice(0, 1),
      recipient: { nodeId: recipientId },
      fragment: { messageId: new Uint8Array(16), index: 0, count: 1, data: message },
    });
    const r1 = processPacket(backend, { onion: plain.onion, privateKey: relayKeys[0]! }) as ForwardInstruction;
    expect(r1.outgoing).toBeUndefined();
    expect(toHex(r1.nextNodeId)).toBe(toHex(recipientId));
    const r2 = processPacket(backend, { onion: r1.nextOnion, privateKey: recipientKey });
    expect(r2.type).toBe("deliver");
    // A path key where none belongs is refused (the plain hop has no encrypted data).
    expect(() => processPacket(backend, { onion: plain.onion, privateKey: relayKeys[0]!, pathKey: relayIds[1] })).toThrow(InvalidOnionHmacError);
    void UnexpectedFieldError;
  });
});
