import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCompactSignature, CURVE_ORDER, HALF_CURVE_ORDER } from "../crypto/scalars.ts";
import { concatBytes, concatInto, decodeUint, encodeUint } from "./bytes.ts";

// The plain definitions, one byte at a time: the fast paths must agree with them everywhere.
function referenceEncode(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = value;
  for (let i = size - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
function referenceDecode(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

const sizes = fc.integer({ min: 1, max: 32 });
// Values of every magnitude: small ones take the number path, large ones the BigInt path.
const valueOfSize = (size: number) =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << BigInt(size * 8)) - 1n }),
    fc.integer({ min: 0, max: Math.min(2 ** 53 - 1, 2 ** (size * 8) - 1) }).map(BigInt),
    fc.constantFrom(0n, (1n << BigInt(size * 8)) - 1n, ...(size >= 7 ? [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n] : [])),
  );

describe("integer codecs", () => {
  it("property: encodeUint and decodeUint agree with the byte-by-byte definitions, and round-trip", () => {
    fc.assert(
      fc.property(
        sizes.chain((size) => fc.tuple(fc.constant(size), valueOfSize(size))),
        ([size, value]) => {
          const encoded = encodeUint(value, size);
          expect(encoded).toEqual(referenceEncode(value, size));
          expect(decodeUint(encoded)).toBe(value);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it("property: decodeUint reads any bytes as the reference does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        expect(decodeUint(bytes)).toBe(referenceDecode(bytes));
      }),
      { numRuns: 5_000 },
    );
  });

  it("rejects values that do not fit, negative values and sizes no field has", () => {
    expect(() => encodeUint(256n, 1)).toThrow(/\[0, 2\^8\)/);
    expect(() => encodeUint(1n << 64n, 8)).toThrow(/\[0, 2\^64\)/);
    expect(() => encodeUint(-1n, 8)).toThrow();
    expect(() => encodeUint(1n, 33)).toThrow();
    expect(() => encodeUint(1 as unknown as bigint, 8)).toThrow();
    expect(encodeUint((1n << 64n) - 1n, 8)).toEqual(new Uint8Array(8).fill(0xff));
  });
});

describe("checkCompactSignature", () => {
  const word = (v: bigint) => referenceEncode(v, 32);
  const compact = (r: bigint, s: bigint) => new Uint8Array([...word(r), ...word(s)]);
  const scalar = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
  // Near the bounds, where a byte comparison could be off by one.
  const edge = fc.constantFrom(0n, 1n, HALF_CURVE_ORDER - 1n, HALF_CURVE_ORDER, HALF_CURVE_ORDER + 1n, CURVE_ORDER - 1n, CURVE_ORDER, CURVE_ORDER + 1n, (1n << 256n) - 1n);

  it("property: accepts exactly r, s in [1, n-1] with s ≤ n/2, as the BigInt definition says", () => {
    fc.assert(
      fc.property(fc.oneof(scalar, edge), fc.oneof(scalar, edge), (r, s) => {
        const valid = r > 0n && r < CURVE_ORDER && s > 0n && s < CURVE_ORDER && s <= HALF_CURVE_ORDER;
        if (valid) expect(() => checkCompactSignature(compact(r, s))).not.toThrow();
        else expect(() => checkCompactSignature(compact(r, s))).toThrow();
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("concatInto", () => {
  it("copies the chunks one after another, from a list or any iterable, and leaves the rest of out alone", () => {
    const out = concatInto([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)], new Uint8Array(4).fill(9));
    expect([...out]).toEqual([1, 2, 3, 9]);
    const parts = new Set([Uint8Array.of(4), Uint8Array.of(5, 6)]);
    expect([...concatInto(parts, new Uint8Array(3))]).toEqual([4, 5, 6]);
    expect(concatBytes(Uint8Array.of(7), Uint8Array.of(8))).toEqual(Uint8Array.of(7, 8));
  });
});
