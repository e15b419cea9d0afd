import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packBytes } from "./packBytes.ts";

const bytes = fc.uint8Array({ maxLength: 64 });
const message = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, bytes, fc.bigInt(), fc.integer(), fc.string(), fc.constant(undefined), tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie("value"), { maxKeys: 4 }),
})).object;

describe("packBytes", () => {
  it("copies a message with every byte array in one buffer, leaving the input as it was", () => {
    fc.assert(
      fc.property(message, (input) => {
        const before = structuredClone(input);
        const { message: packed, buffer } = packBytes(input);
        expect(packed).toEqual(input);
        expect(input).toEqual(before);
        let total = 0;
        const check = (value: unknown): void => {
          if (value instanceof Uint8Array) {
            expect(value.buffer).toBe(buffer);
            total += value.length;
          } else if (value !== null && typeof value === "object") Object.values(value).forEach(check);
        };
        check(packed);
        expect(buffer.byteLength).toBe(total);
      }),
    );
  });

  it("takes only a view's bytes, not the buffer behind it", () => {
    const big = new Uint8Array(65_536).fill(7);
    const { message, buffer } = packBytes({ onion: big.subarray(100, 1_466) });
    expect(buffer.byteLength).toBe(1_366);
    expect(message.onion).toEqual(big.subarray(100, 1_466));
  });
});
