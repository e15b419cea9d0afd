import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./hex.ts";

describe("relay hex keys", () => {
  it("are Node's lower-case hex with 0x, for whole arrays and for views into larger buffers, and fromHex undoes them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const view = bytes.subarray(start, start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1)));
        for (const value of [bytes, view]) {
          const hex = toHex(value);
          expect(hex).toBe(`0x${Buffer.from(value).toString("hex")}`);
          expect(new Uint8Array(fromHex(hex))).toEqual(new Uint8Array(value));
        }
      }),
      { numRuns: 500 },
    );
  });
});
