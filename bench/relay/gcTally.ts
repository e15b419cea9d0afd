/**
 * The generator's and the sink's own garbage collections, reported to bench:relay with their stats: they share
 * R's two cores, and a collection of theirs (a mark-compact's helper threads above all) delays R as much as one
 * of R's own would (bench/results/relay-profile.md, "7 Dec, second session").
 */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { gcKind } from "../../relay/src/runtime/gcKind.ts";

/** Garbage collections of this process's main thread so far. */
export interface GcTally {
  collections: number;
  /** Mark-compacts: V8 marks on helper threads meanwhile, so these take cores from R, not only from the helper. */
  major: number;
  pauseMs: number;
}

/** Starts counting this process's garbage collections (perf_hooks); read the returned object at any time. */
export function countGarbageCollections(): GcTally {
  const tally: GcTally = { collections: 0, major: 0, pauseMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      tally.collections++;
      if (gcKind(entry) === constants.NODE_PERFORMANCE_GC_MAJOR) tally.major++;
      tally.pauseMs += entry.duration;
    }
  }).observe({ entryTypes: ["gc"] });
  return tally;
}
