import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findRelayChain, type ChainCandidate } from "./findRelayChain.ts";

type R = ChainCandidate & { i: number };

/** A random directory: up to 9 relays, shared operators, some inactive or unstaked; a random channel graph. */
const arbWorld = fc
  .record({
    n: fc.integer({ min: 1, max: 9 }),
    seed: fc.integer(),
  })
  .chain(({ n }) =>
    fc.record({
      relays: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({ operator: fc.integer({ min: 0, max: 5 }), stake: fc.constantFrom(0n, 1n, 5n, 100n), active: fc.constantFrom(true, true, true, false) }).map(
            (r): R => ({ i, node: `0x${(i + 1).toString(16).padStart(40, "0")}`, operator: `0xop${r.operator}`, stake: r.stake, active: r.active }),
          ),
        ),
      ),
      edges: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: n * n }),
      entries: fc.subarray(Array.from({ length: n }, (_, i) => i)),
      avoid: fc.subarray(Array.from({ length: n }, (_, i) => i)),
      length: fc.integer({ min: 1, max: 3 }),
      tail: fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: undefined }),
      random: fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 64, maxLength: 64 }),
    }),
  );

function valid(chain: readonly R[], world: { relays: R[]; edges: [number, number][]; entries: number[]; length: number; tail: number | undefined }): boolean {
  const has = (a: R, b: R) => world.edges.some(([x, y]) => x === a.i && y === b.i);
  const tail = world.tail === undefined ? undefined : world.relays[world.tail]!;
  if (chain.length !== world.length) return false;
  if (!world.entries.includes(chain[0]!.i)) return false;
  const operators = new Set(chain.map((r) => r.operator));
  if (operators.size !== chain.length) return false;
  if (tail && (operators.has(tail.operator) || chain.some((r) => r.i === tail.i))) return false;
  if (chain.some((r) => !r.active || r.stake === 0n)) return false;
  for (let k = 1; k < chain.length; k++) if (!has(chain[k - 1]!, chain[k]!)) return false;
  if (tail && !has(chain.at(-1)!, tail)) return false;
  return true;
}

/** Every valid chain, by brute force (small directories only). */
function allValid(world: Parameters<typeof valid>[1]): R[][] {
  const out: R[][] = [];
  const walk = (prefix: R[]) => {
    if (prefix.length === world.length) {
      if (valid(prefix, world)) out.push([...prefix]);
      return;
    }
    for (const r of world.relays) if (!prefix.includes(r)) walk([...prefix, r]);
  };
  walk([]);
  return out;
}

const rng = (values: number[]) => {
  let k = 0;
  return () => values[k++ % values.length]!;
};

describe("findRelayChain", () => {
  it("returns only chains that follow every rule, and finds one whenever one exists (brute force)", async () => {
    await fc.assert(
      fc.asyncProperty(arbWorld, async (world) => {
        const relays = world.relays as R[];
        const tail = world.tail === undefined ? undefined : relays[world.tail];
        const chain = await findRelayChain({
          relays,
          length: world.length,
          firstAllowed: (r) => world.entries.includes(r.i),
          tail,
          hasChannel: (a, b) => world.edges.some(([x, y]) => relays[x]!.node === a && relays[y]!.node === b),
          random: rng(world.random),
          maxChecks: 10_000,
        });
        const w = { ...world, relays, edges: world.edges as [number, number][] };
        const exists = allValid(w).length > 0;
        if (chain) expect(valid(chain, w)).toBe(true);
        expect(chain !== undefined).toBe(exists);
      }),
      { numRuns: 300, seed: 0x50770 },
    );
  });

  it("leaves out avoided relays whenever a chain without them exists", async () => {
    await fc.assert(
      fc.asyncProperty(arbWorld, async (world) => {
        const relays = world.relays as R[];
        const tail = world.tail === undefined ? undefined : relays[world.tail];
        const avoid = new Set(world.avoid.map((i) => relays[i]!.node));
        const chain = await findRelayChain({
          relays,
          length: world.length,
          firstAllowed: (r) => world.entries.includes(r.i),
          tail,
          hasChannel: (a, b) => world.edges.some(([x, y]) => relays[x]!.node === a && relays[y]!.node === b),
          avoid,
          random: rng(world.random),
          maxChecks: 10_000,
        });
        const w = { ...world, relays, edges: world.edges as [number, number][] };
        const clean = allValid(w).filter((c) => c.every((r) => !avoid.has(r.node)));
        if (clean.length > 0) expect(chain!.some((r) => avoid.has(r.node))).toBe(false);
        else expect(chain !== undefined).toBe(allValid(w).length > 0);
      }),
      { numRuns: 200, seed: 0x50771 },
    );
  });

  it("draws relays in proportion to stake", async () => {
    const relays: R[] = [
      { i: 0, node: "0xa", operator: "0x1", stake: 1n, active: true },
      { i: 1, node: "0xb", operator: "0x2", stake: 3n, active: true },
    ];
    const counts = [0, 0];
    for (let k = 0; k < 4000; k++) {
      const chain = await findRelayChain({ relays, length: 1, hasChannel: () => true, random: Math.random });
      counts[chain![0]!.i]!++;
    }
    // P(stake 3 first) = 3/4: 3000 expected; ±5 σ (σ ≈ 27).
    expect(counts[1]).toBeGreaterThan(2860);
    expect(counts[1]).toBeLessThan(3140);
  });

  it("bounds the channel look-ups", async () => {
    const relays: R[] = Array.from({ length: 30 }, (_, i) => ({ i, node: `0x${i}`, operator: `0xo${i}`, stake: 1n, active: true }));
    let checks = 0;
    const chain = await findRelayChain({ relays, length: 3, hasChannel: () => (checks++, false), random: Math.random, maxChecks: 20 });
    expect(chain).toBeUndefined();
    expect(checks).toBeLessThanOrEqual(20);
  });
});
