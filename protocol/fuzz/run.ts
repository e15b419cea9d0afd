/**
 * `npm run fuzz:protocol [-- --factor N --seed S]`: runs every fuzz target of the vitest suite with N×
 * its case count (default 10, ≈ 1M cases) and a random seed, printing the seed so a failure can be
 * replayed. Exit code 1 on the first counterexample.
 */
import fc from "fast-check";
import { parseArgs } from "node:util";
import { fuzzTargets } from "../../test/protocol/fuzzTargets.ts";

const { values } = parseArgs({ options: { factor: { type: "string", default: "10" }, seed: { type: "string" } } });
const factor = Number(values.factor);
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isFinite(factor) || factor <= 0 || !Number.isInteger(seed)) {
  console.error("usage: npm run fuzz:protocol -- [--factor N] [--seed S]");
  process.exit(2);
}
console.log(`fuzz:protocol seed=${seed} factor=${factor}`);
let total = 0;
const started = performance.now();
for (const target of fuzzTargets()) {
  const runs = Math.ceil(target.runs * factor);
  const t0 = performance.now();
  const result = fc.check(target.property(), { numRuns: runs, seed });
  const ms = performance.now() - t0;
  total += runs;
  if (result.failed) {
    console.error(`FAIL ${target.name} after ${result.numRuns} runs (seed ${seed}, path ${result.counterexamplePath})`);
    console.error(result.errorInstance);
    console.error("counterexample:", result.counterexample);
    process.exit(1);
  }
  console.log(`ok   ${target.name.padEnd(58)} ${String(runs).padStart(9)} cases ${(ms / 1000).toFixed(1).padStart(6)} s`);
}
console.log(`all ${total} cases passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
