import { describe, expect, it } from "vitest";
import { key } from "../../../test/protocol/helpers.ts";
import { InvalidAddressError, createRecipientPath, decodeAddress, encodeAddress, portableBackend } from "../index.ts";
import { bech32mDecodeWords } from "../utils/bech32m.ts";

describe("bech32m (BIP-350 valid test vectors)", () => {
  it.each([
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
  ])("accepts %s", (text) => {
    expect(() => bech32mDecodeWords(text, 90)).not.toThrow();
  });

  it.each(["a1lqfn3b", "A1lqfn3a", "abc1", "1qzzfhee"])("rejects %s", (text) => {
    expect(() => bech32mDecodeWords(text, 90)).toThrow(InvalidAddressError);
  });
});

describe("sotto1 addresses", () => {
  const backend = portableBackend;
  const relays = [0x11, 0x12].map((b, i) => ({ nodeId: backend.publicKeyFromPrivate(key(b)), fee: BigInt(10 ** (i + 15)) }));
  const paid = createRecipientPath(backend, { sessionKey: key(0x31), relays, recipientNodeId: backend.publicKeyFromPrivate(key(0x21)), pathId: key(0x77) });

  it("round-trip, with and without the optional fields", () => {
    const text = encodeAddress(paid);
    expect(text.startsWith("sotto1")).toBe(true);
    expect(decodeAddress(text)).toEqual({ path: paid.path, fees: paid.fees });
    const full = { ...paid, expiresAt: 1_900_000_000n, chainId: 31337n };
    expect(decodeAddress(encodeAddress(full))).toEqual(full);
    expect(decodeAddress(encodeAddress(full).toUpperCase())).toEqual(full);
  });

  it("detects typos and refuses other prefixes and malformed payloads", () => {
    const text = encodeAddress(paid);
    const typo = text.slice(0, 20) + (text[20] === "q" ? "p" : "q") + text.slice(21);
    expect(() => decodeAddress(typo)).toThrow(InvalidAddressError);
    expect(() => decodeAddress(text.replace(/^sotto/, "sott0"))).toThrow(InvalidAddressError);
    expect(() => decodeAddress("sotto1qqqqqqqqqqqq")).toThrow(InvalidAddressError);
    expect(() => decodeAddress("")).toThrow(InvalidAddressError);
    expect(() => decodeAddress("x".repeat(5000))).toThrow(InvalidAddressError);
  });
});
