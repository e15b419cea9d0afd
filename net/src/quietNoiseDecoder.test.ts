import { LengthPrefixedDecoder } from "@libp2p/utils";
import fc from "fast-check";
import type { Uint8ArrayList } from "uint8arraylist";
import { describe, expect, it } from "vitest";
import { quietLengthDecoder } from "./quietNoiseDecoder.ts";

/** Noise's decoder of incoming messages, configured as @chainsafe/libp2p-noise configures it. */
function noiseDecoder(): LengthPrefixedDecoder {
  return new LengthPrefixedDecoder({
    lengthDecoder: (data) => {
      if (data.byteLength < 2) throw new RangeError("Could not decode int16BE");
      return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : data.getUint16(0);
    },
    maxBufferSize: 16 * 1024 * 1024,
    encodingLength: () => 2,
  });
}

function frame(messages: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(messages.reduce((n, m) => n + 2 + m.length, 0));
  let at = 0;
  for (const m of messages) {
    out[at] = m.length >> 8;
    out[at + 1] = m.length & 0xff;
    out.set(m, at + 2);
    at += 2 + m.length;
  }
  return out;
}

describe("quietNoiseDecoder", () => {
  it("decodes any chunking of any messages exactly as Noise's own length decoder does (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }),
        (messages, cuts) => {
          const bytes = frame(messages);
          const original = noiseDecoder();
          const quiet = noiseDecoder();
          quietLengthDecoder(quiet as never);
          const out = { original: [] as number[][], quiet: [] as number[][] };
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const chunk = bytes.subarray(at, at + cuts[i % cuts.length]!);
            at += chunk.length;
            for (const m of original.decode(chunk)) out.original.push([...m.subarray()]);
            for (const m of quiet.decode(chunk)) out.quiet.push([...m.subarray()]);
          }
          expect(out.quiet).toEqual(out.original);
          expect(out.quiet).toEqual(messages.map((m) => [...m]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("no longer throws to find the end of a chunk", () => {
    const decoder = noiseDecoder();
    quietLengthDecoder(decoder as never);
    let thrown = 0;
    const view = decoder as unknown as { lengthDecoder: (data: Uint8ArrayList) => number };
    const lengthDecoder = view.lengthDecoder.bind(decoder);
    view.lengthDecoder = (data) => {
      try {
        return lengthDecoder(data);
      } catch (error) {
        thrown++;
        throw error;
      }
    };
    const messages = Array.from({ length: 50 }, (_, i) => new Uint8Array(100 + i).fill(i));
    const bytes = frame(messages);
    let decoded = 0;
    for (let at = 0; at < bytes.length; at += 333) for (const _ of decoder.decode(bytes.subarray(at, at + 333))) decoded++;
    expect(decoded).toBe(50);
    expect(thrown).toBe(0);
  });

  it("leaves a decoder of another shape alone", () => {
    expect(() => quietLengthDecoder(undefined)).not.toThrow();
    const other = { lengthDecoder: "not a function" };
    quietLengthDecoder(other as never);
    expect(other.lengthDecoder).toBe("not a function");
  });
});
