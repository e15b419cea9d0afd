import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FragmentError, MAX_MESSAGE_SIZE, MessageTooLargeError, createReassembler, decodeFragment, encodeFragment, splitMessage } from "../index.ts";

const id = (b: number) => new Uint8Array(16).fill(b);

describe("fragments", () => {
  it("split and reassemble in any order, with duplicates (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 700 }), fc.integer(), (message, capacity, seed) => {
        const fragments = splitMessage({ message, messageId: id(1), capacity });
        expect(fragments.every((f) => f.data.length <= capacity)).toBe(true);
        const shuffled = [...fragments, ...fragments.slice(0, 2)].sort((a, b) => ((a.index * 7919 + seed) % 13) - ((b.index * 7919 + seed) % 13));
        const r = createReassembler();
        let done: Uint8Array | undefined;
        for (const f of shuffled) {
          const out = r.add(decodeFragment(encodeFragment(f)));
          if (out.status === "complete") done = out.message;
        }
        expect(done).toEqual(message);
        expect(r.pendingMessages).toBe(0);
        expect(r.add(fragments[0]!).status).toBe("duplicate");
      }),
      { numRuns: 200 },
    );
  });

  it("reports missing fragments as pending and enforces consistency", () => {
    const fragments = splitMessage({ message: new Uint8Array(1000).fill(3), messageId: id(2), capacity: 300 });
    expect(fragments.length).toBe(4);
    const r = createReassembler();
    expect(r.add(fragments[3]!)).toMatchObject({ status: "pending", received: 1, count: 4 });
    expect(r.add(fragments[3]!)).toMatchObject({ status: "duplicate" });
    expect(r.add(fragments[1]!)).toMatchObject({ status: "pending", received: 2 });
    expect(r.pendingBytes).toBe(400);
    expect(() => r.add({ ...fragments[1]!, data: new Uint8Array(300) })).toThrow(FragmentError);
    expect(r.pendingMessages).toBe(0);
    r.add(fragments[0]!);
    expect(() => r.add({ ...fragments[2]!, count: 5 })).toThrow(FragmentError);
    expect(r.drop(id(2))).toBe(false);
  });

  it("bounds memory by evicting the oldest messages", () => {
    const r = createReassembler({ maxPendingMessages: 2 });
    const first = (b: number) => splitMessage({ message: new Uint8Array(20), messageId: id(b), capacity: 10 })[0]!;
    r.add(first(1));
    r.add(first(2));
    const out = r.add(first(3));
    expect(out.evicted).toEqual([id(1)]);
    expect(r.pendingMessages).toBe(2);
  });

  it("refuses oversize messages and malformed fragment values", () => {
    expect(() => splitMessage({ message: new Uint8Array(MAX_MESSAGE_SIZE + 1), messageId: id(1), capacity: 1000 })).toThrow(MessageTooLargeError);
    expect(() => splitMessage({ message: new Uint8Array(MAX_MESSAGE_SIZE), messageId: id(1), capacity: 10 })).toThrow(MessageTooLargeError);
    expect(splitMessage({ message: new Uint8Array(0), messageId: id(1), capacity: 10 })).toHaveLength(1);
    expect(() => decodeFragment(new Uint8Array(19))).toThrow();
    const bad = encodeFragment({ messageId: id(1), index: 0, count: 1, data: new Uint8Array(0) });
    bad[17] = 1; // index 1 of count 1
    expect(() => decodeFragment(bad)).toThrow(FragmentError);
    const zero = encodeFragment({ messageId: id(1), index: 0, count: 1, data: new Uint8Array(0) });
    zero[19] = 0; // count 0
    expect(() => decodeFragment(zero)).toThrow(FragmentError);
  });
});
