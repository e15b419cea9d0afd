import { getHeapSpaceStatistics } from "node:v8";

/**
 * The young generation (V8's new space) the relay wants, in MiB per semi-space.
 *
 * Why: at a couple of thousand packets/s, V8's own sizing keeps the new space at 1–2 MiB, so it scavenges
 * ~10 times a second. Each scavenge catches a few thousand packets mid-flight (waiting for a commit, an
 * ACK, a crypto reply) and promotes their state to the old generation, which then needs a major GC every
 * ~2 s: each one delayed the next 50–110 packets by up to ~25 ms, which was the whole of bench:relay's p99
 * tail (bench/results/relay-profile.md). With 32 MiB a scavenge runs every ~0.5 s, in-flight state is
 * already garbage by then, and major GCs become rare. Pages are committed as used: an idle process's RSS
 * grows by ~1 MiB.
 */
export const YOUNG_GENERATION_MIB = 32;

/**
 * The Node flags a relay process is started with. V8 sizes its heap when the process starts and Node does
 * not accept these in NODE_OPTIONS, so they go on the command line: `bin/sotto` and the devnet's relay
 * processes pass them (test/cli checks that bin/sotto does).
 */
export const RELAY_NODE_FLAGS: readonly string[] = [`--min-semi-space-size=${YOUNG_GENERATION_MIB}`];

/** This process's new-space capacity in MiB (what `--min-semi-space-size` set, or V8's current size). */
export function youngGenerationMiB(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  return space === undefined ? 0 : space.space_size / 2 ** 20;
}

/** Undefined if the process has the young generation it should, else what to tell the operator. */
export function youngGenerationWarning(): string | undefined {
  const mib = youngGenerationMiB();
  if (mib >= YOUNG_GENERATION_MIB) return undefined;
  return `the V8 young generation is ${mib} MiB; start the relay with \`node ${RELAY_NODE_FLAGS.join(" ")} …\` (bin/sotto does) or packets are delayed by a major GC every few seconds under load`;
}
