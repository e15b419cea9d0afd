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
 * The young generation of each of the relay's worker threads (MiB, `resourceLimits.maxYoungGenerationSizeMb`).
 * V8 applies `--min-semi-space-size` to every isolate of the process, but the reason for it above is the event
 * loop's: a worker whose garbage dies young gets a young generation of its own size (bench/results/relay-profile.md).
 * - `crypto`: what it allocates dies within its batch. bench:relay, six alternating runs each: p99 per hop
 *   median 16.7 ms instead of 24.4 with the inherited 32-MiB semi-spaces (within the run-to-run spread), RSS
 *   ~30 MiB and CPU ~2 % lower.
 * - `presign`: ~100 KB per batch of 256 presignatures, and nothing it keeps.
 * - `checkpoint`: it allocates ~1 MiB a minute. With 32-MiB semi-spaces it took over half an hour to reach its
 *   first collection, and until then the native memory of the statements it had run stayed with it: the relay's
 *   RSS rose ~2 MiB/min meanwhile (the "slope" of `npm run soak`).
 */
export const WORKER_YOUNG_GENERATION_MIB = { crypto: 16, presign: 2, checkpoint: 2 } as const;

/**
 * Counts ArrayBuffer memory against the heap's global limit instead of V8's separate 64 MiB "external
 * memory" allowance. Why: every packet allocates a few dozen kilobytes of ArrayBuffers (socket reads, Noise
 * frames, onion layers, worker messages, SQLite blobs), nearly all dead within a millisecond. With the
 * allowance, each 64 MiB of them started a major GC of the main thread: at 2,400 packets/s one every
 * ~0.35 s, 65 in a 16-s phase (`--trace-gc`: "GC in old space requested"), each with 4–11 ms of pause and
 * 10–20 ms of incremental marking steps. With this flag the same phase ran 6, and the scavenges that
 * remain free those buffers anyway (bench/results/relay-profile.md).
 */
export const EXTERNAL_MEMORY_FLAG = "--external-memory-accounted-in-global-limit";

/**
 * How far the heap may grow past what a major GC left live before V8 starts the next one: (1 + p/100)×,
 * for the old generation and for the global limit, which (with the flag above) counts ArrayBuffers too.
 *
 * Why: V8 picks that factor itself, from its collector's speed against the program's, and after its memory
 * reducer shrank the heap in a quiet spell (which a relay between bursts of traffic has) it picks little. In
 * bench:relay the global limit then stood at ~130 MB with ~45 MB of heap live after a major GC, while a relay
 * allocates tens of kilobytes of ArrayBuffers per packet that only the next scavenge frees, every ~0.5 s:
 * at 2,350 packets/s they reached the limit between two scavenges, and a major GC (5–12 ms pause plus
 * 10–20 ms of marking steps) came every 0.5–2 s, holding the packets behind it for 10–30 ms each time. With
 * 4× the limits were ~210 MB (heap) and ~245 MB (global) and no major GC came in the 10-s latency phase
 * (bench/results/relay-profile.md). The price is memory: up to ~4× the live heap between major GCs.
 */
export const OLD_GENERATION_GROWING_PERCENT = 300;
export const HEAP_GROWING_FLAG = `--heap-growing-percent=${OLD_GENERATION_GROWING_PERCENT}`;

/**
 * The Node flags a relay process is started with. V8 sizes its heap when the process starts and Node does
 * not accept these in NODE_OPTIONS, so they go on the command line: `bin/sotto` and the devnet's relay
 * processes pass them (test/cli checks that bin/sotto does).
 */
export const RELAY_NODE_FLAGS: readonly string[] = [`--min-semi-space-size=${YOUNG_GENERATION_MIB}`, EXTERNAL_MEMORY_FLAG, HEAP_GROWING_FLAG];

/** This process's new-space capacity in MiB (what `--min-semi-space-size` set, or V8's current size). */
export function youngGenerationMiB(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  return space === undefined ? 0 : space.space_size / 2 ** 20;
}

/** Undefined if the process has the heap settings it should, else what to tell the operator. */
export function heapFlagsWarning(): string | undefined {
  const mib = youngGenerationMiB();
  const missing = [EXTERNAL_MEMORY_FLAG, HEAP_GROWING_FLAG].filter((flag) => !process.execArgv.includes(flag));
  if (mib >= YOUNG_GENERATION_MIB && missing.length === 0) return undefined;
  const problem = mib < YOUNG_GENERATION_MIB ? `the V8 young generation is ${mib} MiB` : `V8 runs without ${missing.join(" ")}`;
  return `${problem}; start the relay with \`node ${RELAY_NODE_FLAGS.join(" ")} …\` (bin/sotto does) or packets are delayed by a major GC every second or so under load`;
}
