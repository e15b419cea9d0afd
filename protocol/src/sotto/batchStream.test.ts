import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BaseError } from "../errors.ts";
import { BatchStreamDecoder } from "./batchStream.ts";
import { encodeBatch, encodeFrame, type Frame } from "./frames.ts";

const secret = fc.uint8Array({ minLength: 32, maxLength: 32 });
const smallFrame: fc.Arbitrary<Frame> = fc.oneof(
  secret.map((ackSecret) => ({ type: "ack" as const, ackSecret })),
  secret.map((response) => ({ type: "reveal" as const, response })),
  fc.tuple(secret, secret).map(([ackSecret, recipientAckSecret]) => ({ type: "receipt" as const, ackSecret, recipientAckSecret })),
  fc.tuple(secret, fc.integer({ min: 0, max: 255 })).map(([challenge, reason]) => ({ type: "nack" as const, challenge, reason })),
);

describe("BatchStreamDecoder", () => {
  it("property: any split of a stream of batches yields exactly the frames sent", () => {
    fc.assert(
      fc.property(fc.array(fc.array(smallFrame, { maxLength: 8 }), { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (batches, cuts) => {
        const stream = Buffer.concat(batches.map((b) => encodeBatch(b)));
        const decoder = new BatchStreamDecoder();
        const out: Frame[] = [];
        let offset = 0;
        let i = 0;
        while (offset < stream.length) {
          const size = cuts[i++ % cuts.length]!;
          for (const item of decoder.push(new Uint8Array(stream.subarray(offset, offset + size)))) {
            expect("frame" in item).toBe(true);
            if ("frame" in item) out.push(item.frame);
          }
          offset += size;
        }
        expect(decoder.buffered).toBe(0);
        expect(out.map((f) => Buffer.from(encodeFrame(f)).toString("hex"))).toEqual(batches.flat().map((f) => Buffer.from(encodeFrame(f)).toString("hex")));
      }),
      { numRuns: 500 },
    );
  });

  it("property: random bytes only ever produce frames, skipped-frame errors or a thrown BaseError", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const decoder = new BatchStreamDecoder();
        try {
          for (const chunk of chunks) for (const item of decoder.push(chunk)) if ("error" in item) expect(item.error).toBeInstanceOf(BaseError);
        } catch (error) {
          expect(error).toBeInstanceOf(BaseError);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
