import { describe, expect, it } from "vitest";
import { readJson } from "../../../test/protocol/helpers.ts";
import { NonCanonicalBigSizeError, TruncatedInputError } from "../errors.ts";
import { fromHex, toHex } from "../utils/bytes.ts";
import { bigSizeLength, decodeBigSize, encodeBigSize } from "./bigsize.ts";

type Case = { name: string; value: string; bytes: string; exp_error?: string };
const vectors = readJson<{ decoding: Case[]; encoding: Case[] }>("test/vectors/bolt01/bigsize.json");

describe("BigSize (BOLT 1 Appendix A)", () => {
  it.each(vectors.decoding)("decodes: $name", ({ value, bytes, exp_error }) => {
    const input = fromHex(bytes);
    if (!exp_error) {
      const decoded = decodeBigSize(input);
      expect(decoded.value).toBe(BigInt(value));
      expect(decoded.offset).toBe(input.length);
      return;
    }
    const expected = exp_error.includes("canonical") ? NonCanonicalBigSizeError : TruncatedInputError;
    expect(() => decodeBigSize(input)).toThrow(expected);
  });

  it.each(vectors.encoding)("encodes: $name", ({ value, bytes }) => {
    expect(toHex(encodeBigSize(BigInt(value)))).toBe(bytes);
    expect(bigSizeLength(BigInt(value))).toBe(bytes.length / 2);
  });
});
