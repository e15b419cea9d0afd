/**
 * Fuzzing every decoder with random and mutated inputs (≈ 100k cases in total, a few seconds): each one
 * returns a value or throws a typed `BaseError`, and a tampered onion byte is always detected.
 * `npm run fuzz:protocol` runs the same targets with many more cases.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzTargets } from "../../test/protocol/fuzzTargets.ts";

const targets = fuzzTargets();

describe("fuzz: decoders only throw typed errors", () => {
  it("covers at least 100,000 cases", () => {
    expect(targets.reduce((sum, t) => sum + t.runs, 0)).toBeGreaterThanOrEqual(100_000);
  });
  for (const target of targets) {
    it(`${target.name} (${target.runs} cases)`, () => {
      fc.assert(target.property(), { numRuns: target.runs, seed: 0x5077 });
    });
  }
});
