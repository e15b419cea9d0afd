import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_FRAGMENTS, MAX_MESSAGE_SIZE, MessageTooLargeError } from "#protocol";
import { splitForRoute } from "./splitForRoute.ts";

const id = new Uint8Array(16).fill(9);

describe("splitForRoute", () => {
  it("cuts in order, the first fragment at most `first` bytes and the others at most `rest`; concatenation gives the message back", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 700 }), (message, a, b) => {
        const [first, rest] = a <= b ? [a, b] : [b, a];
        const fragments = splitForRoute({ message, messageId: id, first, rest });
        expect(fragments[0]!.data.length).toBeLessThanOrEqual(first);
        for (const f of fragments.slice(1)) expect(f.data.length).toBeLessThanOrEqual(rest);
        fragments.forEach((f, i) => {
          expect(f.index).toBe(i);
          expect(f.count).toBe(fragments.length);
          expect(f.messageId).toEqual(id);
        });
        expect(Buffer.concat(fragments.map((f) => f.data)).equals(Buffer.from(message))).toBe(true);
        // No fragment is wasted: all but the last are full.
        fragments.slice(0, -1).forEach((f, i) => expect(f.data.length).toBe(i === 0 && first < rest ? first : rest));
      }),
      { numRuns: 300, seed: 0x5e1 },
    );
  });

  it("sends an empty message as one empty fragment", () => {
    expect(splitForRoute({ message: new Uint8Array(0), messageId: id, first: 10, rest: 20 })).toEqual([{ messageId: id, index: 0, count: 1, data: new Uint8Array(0) }]);
  });

  it("refuses messages over 65,536 bytes or 1,024 fragments", () => {
    expect(() => splitForRoute({ message: new Uint8Array(MAX_MESSAGE_SIZE + 1), messageId: id, first: 100, rest: 1000 })).toThrow(MessageTooLargeError);
    expect(() => splitForRoute({ message: new Uint8Array(MAX_FRAGMENTS * 10 + 1), messageId: id, first: 5, rest: 10 })).toThrow(MessageTooLargeError);
    expect(splitForRoute({ message: new Uint8Array(5 + (MAX_FRAGMENTS - 1) * 10), messageId: id, first: 5, rest: 10 })).toHaveLength(MAX_FRAGMENTS);
  });

  it("refuses a route with no room for data", () => {
    expect(() => splitForRoute({ message: new Uint8Array(1), messageId: id, first: 0, rest: 10 })).toThrow(/no room/);
    expect(() => splitForRoute({ message: new Uint8Array(1), messageId: id, first: 5, rest: 0 })).toThrow(/no room/);
  });
});
