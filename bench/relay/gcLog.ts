/**
 * Preloaded into R by bench:relay when BENCH_GC_LOG=1 (`--import`, which also runs in R's worker threads):
 * records every garbage collection of each thread, with its start on the benchmark's clock (CLOCK_MONOTONIC
 * µs, as wire.ts's `nowUs`), its duration and its kind, to $SOTTO_GC_LOG_DIR/<pid>.<threadId>.json. The file is
 * rewritten every 500 ms and at exit; the benchmark lines the events up with its slow packets.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { threadId } from "node:worker_threads";
import { gcKind } from "../../relay/src/runtime/gcKind.ts";

/** [start µs, duration µs, kind (perf_hooks constants: 1 minor, 2 major, 4 incremental, 8 weak callbacks)] */
export type GcEvent = [number, number, number];

const dir = process.env.SOTTO_GC_LOG_DIR;
if (dir) {
  const events: GcEvent[] = [];
  const monotonicUs = (msSinceOrigin: number) => Number(process.hrtime.bigint() / 1000n) - (performance.now() - msSinceOrigin) * 1000;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      events.push([Math.round(monotonicUs(entry.startTime)), Math.round(entry.duration * 1000), gcKind(entry)]);
    }
  }).observe({ entryTypes: ["gc"] });
  const file = join(dir, `${process.pid}.${threadId}.json`);
  const dump = () => writeFileSync(file, JSON.stringify(events));
  setInterval(dump, 500).unref();
  process.on("exit", dump);
}
