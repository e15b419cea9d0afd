import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { takeBytes } from "./byteSlab.ts";

describe("takeBytes", () => {
  it("never hands out overlapping bytes, for any sequence of sizes (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }), (sizes) => {
        const slices = sizes.map((n, i) => {
          const slice = takeBytes(n);
          expect(slice.byteLength).toBe(n);
          slice.fill(i & 0xff);
          return slice;
        });
        slices.forEach((slice, i) => expect(slice.every((b) => b === (i & 0xff))).toBe(true));
      }),
    );
  });

  it("cuts small sizes from a shared slab and gives large ones a buffer of their own", () => {
    const [a, b] = [takeBytes(1552), takeBytes(1552)];
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset % 8).toBe(0);
    const large = takeBytes(9000);
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(9000);
  });
});
