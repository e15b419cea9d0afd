import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { portableBackend } from "../crypto/portableBackend.ts";
import { getNativeBackend } from "../native.ts";
import { createSubscribe, verifySubscribe } from "./subscribe.ts";

const key = (n: number) => new Uint8Array(32).fill(n);
const relayNodeId = portableBackend.publicKeyFromPrivate(key(1));
const otherRelay = portableBackend.publicKeyFromPrivate(key(2));

describe("SUBSCRIBE", () => {
  for (const backend of [getNativeBackend(), portableBackend]) {
    it(`verifies for the relay it was made for, within the time window (${backend.name})`, () => {
      const frame = createSubscribe(backend, { privateKey: key(7), relayNodeId, timestamp: 1_000n });
      expect(frame.recipientNodeId).toEqual(backend.publicKeyFromPrivate(key(7)));
      expect(verifySubscribe(backend, frame, { relayNodeId, nowSeconds: 1_100n })).toEqual({ ok: true });
      expect(verifySubscribe(backend, frame, { relayNodeId: otherRelay, nowSeconds: 1_100n })).toEqual({ ok: false, reason: "bad_signature" });
      expect(verifySubscribe(backend, frame, { relayNodeId, nowSeconds: 1_301n })).toEqual({ ok: false, reason: "stale" });
      expect(verifySubscribe(backend, { ...frame, recipientNodeId: backend.publicKeyFromPrivate(key(8)) }, { relayNodeId, nowSeconds: 1_000n })).toEqual({ ok: false, reason: "bad_signature" });
    });
  }

  it("property: a tampered signature or timestamp never verifies, and never throws", () => {
    const backend = getNativeBackend();
    const frame = createSubscribe(backend, { privateKey: key(9), relayNodeId, timestamp: 5_000n });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 255 }), fc.bigInt({ min: -200n, max: 200n }), (byte, flip, dt) => {
        const signature = frame.signature.slice();
        signature[byte]! ^= flip;
        const tampered = { ...frame, signature, timestamp: frame.timestamp + dt };
        const result = verifySubscribe(backend, tampered, { relayNodeId, nowSeconds: 5_000n });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });
});
