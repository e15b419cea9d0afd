/**
 * Lines up R's garbage collections (recorded by gcLog.ts, preloaded into R with BENCH_GC_LOG=1) with the slow
 * packets of a bench:relay phase.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { GcEvent } from "./gcLog.ts";

/** Process `pid`'s collections by thread id (0 is the event loop), from the files gcLog.ts writes in `dir`. */
export function readGcLog(dir: string, pid: number): Map<number, GcEvent[]> {
  const byThread = new Map<number, GcEvent[]>();
  for (const file of readdirSync(dir)) {
    const [filePid, thread] = file.split(".");
    if (Number(filePid) === pid) byThread.set(Number(thread), JSON.parse(readFileSync(join(dir, file), "utf8")) as GcEvent[]);
  }
  return byThread;
}

/** One thread's collections in a window, and how many of the window's slow packets overlapped one of them. */
export interface GcAttribution {
  thread: number;
  collections: number;
  majors: number;
  totalMs: number;
  longestMs: number;
  /** Slow packets that were in flight (from 2 ms before sending to arrival) while one of this thread's collections ran. */
  slowPacketsOverlapping: number;
}

/**
 * R's collections during [fromUs, toUs] per thread, from `readGcLog`, lined up with the packets slower than
 * `thresholdMs` (send and arrival times in µs on the same clock). Collections under 0.5 ms are not counted
 * against a packet. Also returns how many slow packets overlapped none.
 */
export function attributeSlowPackets(
  events: Map<number, GcEvent[]>,
  packets: { sentUs: ArrayLike<number>; arrivedUs: ArrayLike<number> },
  window: { fromUs: number; toUs: number },
  thresholdMs: number,
): { slowPackets: number; overlappingNone: number; threads: GcAttribution[] } {
  const slow: [number, number][] = [];
  for (let i = 0; i < packets.sentUs.length; i++) {
    const [s, a] = [packets.sentUs[i]!, packets.arrivedUs[i]!];
    if (s > 0 && a > 0 && (a - s) / 1000 > thresholdMs) slow.push([s, a]);
  }
  const overlapsAny = new Uint8Array(slow.length);
  const threads = [...events].sort(([a], [b]) => a - b).map(([thread, all]) => {
    const inWindow = all.filter(([start]) => start >= window.fromUs && start <= window.toUs);
    const long = inWindow.filter(([, duration]) => duration >= 500);
    let overlapping = 0;
    slow.forEach(([sent, arrived], i) => {
      if (long.some(([start, duration]) => start <= arrived && start + duration >= sent - 2_000)) {
        overlapping++;
        overlapsAny[i] = 1;
      }
    });
    return {
      thread,
      collections: inWindow.length,
      majors: inWindow.filter(([, , kind]) => kind === 2).length,
      totalMs: inWindow.reduce((sum, [, duration]) => sum + duration, 0) / 1000,
      longestMs: Math.max(0, ...inWindow.map(([, duration]) => duration)) / 1000,
      slowPacketsOverlapping: overlapping,
    };
  });
  return { slowPackets: slow.length, overlappingNone: slow.length - overlapsAny.reduce((n, x) => n + x, 0), threads };
}
