import { describe, expect, it } from "vitest";
import { normaliseSignature } from "./plan.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const word = (v: bigint) => Uint8Array.from(Buffer.from(v.toString(16).padStart(64, "0"), "hex"));
const sig = (r: bigint, s: bigint, v: number) => new Uint8Array([...word(r), ...word(s), v]);

describe("normaliseSignature", () => {
  it("keeps a canonical signature", () => {
    const s = sig(5n, 7n, 27);
    expect(normaliseSignature(s)).toEqual(s);
  });
  it("maps v ∈ {0, 1} to {27, 28}", () => {
    expect(normaliseSignature(sig(5n, 7n, 1))[64]).toBe(28);
  });
  it("flips a high s to n − s and the parity with it", () => {
    expect(normaliseSignature(sig(5n, N - 7n, 27))).toEqual(sig(5n, 7n, 28));
  });
});
