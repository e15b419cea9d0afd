import { describe, expect, it } from "vitest";
import { readJson } from "../../../test/protocol/helpers.ts";
import { BaseError, TlvOrderError, TlvUnknownEvenTypeError } from "../errors.ts";
import { decodeUint, fromHex, toHex } from "../utils/bytes.ts";
import { type TlvRecord, decodeTlvStream, encodeTlvStream } from "./tlvStream.ts";
import { decodeFixed, decodePoint, decodeTu32, decodeTu64 } from "./values.ts";

type Case = { section: string; namespaces: ("n1" | "n2")[]; valid: boolean; stream: string; note: string };
const { cases } = readJson<{ cases: Case[] }>("test/vectors/bolt01/tlv.json");

/** The two test namespaces of BOLT 1 Appendix B, decoded strictly. */
const namespaces = {
  n1: {
    known: new Set([1n, 2n, 3n, 254n]),
    decode(records: TlvRecord[]): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const { type, value } of records) {
        if (type === 1n) out.tlv1 = decodeTu64(value, type);
        else if (type === 2n) out.tlv2 = toHex(decodeFixed(value, 8, type));
        else if (type === 3n) {
          decodeFixed(value, 49, type);
          out.tlv3 = { nodeId: toHex(decodePoint(value.subarray(0, 33), type)), a1: decodeUint(value.subarray(33, 41)), a2: decodeUint(value.subarray(41)) };
        } else if (type === 254n) out.tlv4 = Number(decodeUint(decodeFixed(value, 2, type)));
      }
      return out;
    },
  },
  n2: {
    known: new Set([0n, 11n]),
    decode(records: TlvRecord[]): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const { type, value } of records) {
        if (type === 0n) out.tlv1 = decodeTu64(value, type);
        else if (type === 11n) out.tlv2 = decodeTu32(value, type);
      }
      return out;
    },
  },
} as const;

function decodeIn(ns: "n1" | "n2", hex: string): Record<string, unknown> {
  const spec = namespaces[ns];
  return spec.decode(decodeTlvStream(fromHex(hex), { known: spec.known, stream: ns }));
}

describe("TLV streams (BOLT 1 Appendix B)", () => {
  for (const c of cases) {
    for (const ns of c.namespaces) {
      it(`${c.valid ? "accepts" : "rejects"} ${ns} 0x${c.stream.slice(0, 24)}${c.stream.length > 24 ? "…" : ""} (${c.note})`, () => {
        if (c.valid) expect(() => decodeIn(ns, c.stream)).not.toThrow();
        else expect(() => decodeIn(ns, c.stream)).toThrow(BaseError);
      });
    }
  }

  it("decodes the documented values", () => {
    expect(decodeIn("n1", "0100").tlv1).toBe(0n);
    expect(decodeIn("n1", "01080100000000000000").tlv1).toBe(72057594037927936n);
    expect(decodeIn("n1", "02080000000000000226").tlv2).toBe("0000000000000226");
    expect(decodeIn("n1", "0331023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb00000000000000010000000000000002").tlv3).toEqual({
      nodeId: "023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb",
      a1: 1n,
      a2: 2n,
    });
    expect(decodeIn("n1", "fd00fe020226").tlv4).toBe(550);
  });

  it("fails when an invalid stream is appended to a valid one, and accepts higher-numbered valid streams appended", () => {
    const valid = cases.filter((c) => c.valid && c.namespaces.includes("n1") && c.stream !== "");
    const invalid = cases.filter((c) => !c.valid && c.section === "TLV Decoding Failures" && c.namespaces.length === 2);
    for (const v of valid) for (const bad of invalid) expect(() => decodeIn("n1", v.stream + bad.stream)).toThrow(BaseError);
    expect(decodeIn("n1", "0100" + "02080000000000000226" + "fd00fe020226")).toMatchObject({ tlv1: 0n, tlv4: 550 });
  });

  it("names ordering and unknown-even failures", () => {
    expect(() => decodeIn("n1", "0208000000000000022601012a")).toThrow(TlvOrderError);
    expect(() => decodeIn("n1", "1200")).toThrow(TlvUnknownEvenTypeError);
  });

  it("encodes sorted and round-trips", () => {
    const records = [
      { type: 254n, value: fromHex("0226") },
      { type: 1n, value: fromHex("01") },
      { type: 0xfffffffffn, value: new Uint8Array(300) },
    ];
    const bytes = encodeTlvStream(records);
    expect(toHex(bytes.subarray(0, 3))).toBe("010101");
    const back = decodeTlvStream(bytes);
    expect(back.map((r) => r.type)).toEqual([1n, 254n, 0xfffffffffn]);
    expect(back[2]!.value.length).toBe(300);
  });
});
