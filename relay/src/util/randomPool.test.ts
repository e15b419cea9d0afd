import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRandomPool } from "./randomPool.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("createRandomPool", () => {
  it("returns exactly the length asked for, from 0 to beyond the pool, and never the same bytes twice (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 60 }), (lengths) => {
        const random = createRandomPool(64);
        const seen = new Set<string>();
        for (const length of lengths) {
          const bytes = random(length);
          expect(bytes.length).toBe(length);
          // 16 random bytes repeat with probability ~2^-128: a repeat means bytes were handed out twice.
          if (length >= 16) {
            expect(seen.has(hex(bytes.subarray(0, 16)))).toBe(false);
            seen.add(hex(bytes.subarray(0, 16)));
          }
        }
      }),
    );
  });

  it("hands out copies, not views into the pool: later draws do not change earlier results", () => {
    const random = createRandomPool(64);
    const first = random(32);
    const kept = first.slice();
    for (let i = 0; i < 10; i++) random(32);
    expect(first).toEqual(kept);
    expect(first.buffer.byteLength).toBe(32);
  });
});
