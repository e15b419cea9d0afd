/**
 * `npm run soak [-- --minutes 10] [--max <messages/s> | --rate <messages/s>] [--size <bytes>]
 *   [--warmup-minutes <m>] [--sample-seconds <s>]`: a long run (not in CI) at half of the network's max
 * throughput, looking for leaks, stalls and loss.
 *
 * The network is bench:stream's (bench/stream.ts): the embedded chain, 5 relay processes with production
 * defaults (settlement included) except mixing off and pre-funded relay-to-relay channels, a recipient process
 * (client SDK: address + listen) and a sender process (client SDK: channels to the 3 other relays, 3-relay
 * routes). The max throughput is measured first (closed loop, like bench:stream) unless given with --max;
 * --rate sets the soak rate directly. The sender then starts messages on a fixed schedule at that rate for
 * --minutes, each checked end to end: send() must resolve with a verified receipt per fragment, and the
 * recipient must get it intact (SHA-256 in the message).
 *
 * Every --sample-seconds (default 10) it samples every relay's /metrics (sotto_process_resident_memory_bytes,
 * sotto_nodejs_eventloop_lag_p50/p99/max_seconds — prom-client resets those at each scrape, so each sample
 * covers its interval — the V8 heap, and the heaps of its worker threads: "workers" in the table, MiB at the
 * end), each relay's CPU from /proc, and the sender's and recipient's RSS
 * and event-loop delay, and prints a progress line on stderr. At the end: each process's memory slope (MiB/min,
 * least-squares line over the samples after --warmup-minutes, default 20 % of the run, at least 30 s) of its
 * RSS and of its retained JS heap (what garbage collection cannot free: the relay's heap right after each
 * major GC, sotto_nodejs_heap_after_major_gc_bytes, when there were three after the warm-up; else, and for the
 * sender and recipient, the least heap of each minute), the
 * event-loop lag, the latency over time, and the loss (messages without receipt / not received). Writes
 * bench/results/soak.json (runs of --minutes ≥ 3; shorter ones write to $TMPDIR; --out <file> anywhere) and exits
 * non-zero on any loss or when a relay's retained heap grows faster than HEAP_FLOOR_SLOPE_LIMIT.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { metricSum, procSample, scrape, type Metrics } from "../bench/measure.ts";
import {
  awaitReceived,
  cpuMeter,
  machineInfo,
  makeLogger,
  relayCounters,
  sleep,
  startStreamNetwork,
  summarize,
  toJson,
  waitForQuiet,
  type LoadResult,
  type StreamNetwork,
} from "../bench/stream.ts";

const here = dirname(fileURLToPath(import.meta.url));
const log = makeLogger("soak");

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    max: { type: "string" },
    rate: { type: "string" },
    size: { type: "string" },
    "warmup-minutes": { type: "string" },
    "sample-seconds": { type: "string", default: "10" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (args.help) {
  process.stdout.write(
    "usage: npm run soak -- [--minutes 10] [--max <messages/s> | --rate <messages/s>] [--size <bytes>] [--warmup-minutes <m>] [--sample-seconds 10] [--out <file>]\n" +
      "  --max   the network's max throughput (messages/s); the soak runs at half of it (default: measured first)\n" +
      "  --rate  the soak rate itself (messages/s)\n" +
      "  --size  message size in bytes (default: one full packet)\n" +
      "  --out   where to write the JSON (default: bench/results/soak.json for runs of 3 min or more, else $TMPDIR)\n",
  );
  process.exit(0);
}
const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive number, got ${v}\n`);
    process.exit(2);
  }
  return n;
};
const MINUTES = positive("minutes", args.minutes)!;
const GIVEN_MAX = positive("max", args.max);
const GIVEN_RATE = positive("rate", args.rate);
const SIZE = positive("size", args.size);
const SAMPLE_SECONDS = positive("sample-seconds", args["sample-seconds"])!;
/** A relay's retained JS heap (its per-minute floor) may not grow faster than this to count as flat. */
const HEAP_FLOOR_SLOPE_LIMIT = 1;
const WARMUP_MINUTES = positive("warmup-minutes", args["warmup-minutes"]) ?? Math.max(0.5, MINUTES * 0.2);
if (WARMUP_MINUTES >= MINUTES) {
  process.stderr.write(`--warmup-minutes (${WARMUP_MINUTES}) must be shorter than --minutes (${MINUTES})\n`);
  process.exit(2);
}

type LiveLoad = { launched: number; delivered: number; failed: number; retries: number; inFlight: number; intervalDelivered: number; intervalLatencyMs: { p50: number; p99: number } };

type Sample = {
  /** Minutes since the soak load started. */
  t: number;
  relays: { rssMiB: number; heapUsedMiB: number; workerHeapsMiB: number; heapAfterMajorGcMiB: number; majorGcs: number; lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; cpuCores: number }[];
  sender: { rssMiB: number; heapUsedMiB: number; lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; cpuCores: number };
  recipient: { rssMiB: number; heapUsedMiB: number; lagP50Ms: number; lagP99Ms: number; lagMaxMs: number; cpuCores: number };
  progress: LiveLoad | undefined;
  machineBusyCores: number;
  otherCores: number;
};

/** Least-squares slope (y per x) and R². */
function regression(points: readonly [number, number][]): { slope: number; r2: number; n: number } {
  const n = points.length;
  if (n < 2) return { slope: Number.NaN, r2: Number.NaN, n };
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  return { slope, r2: sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy), n };
}

async function main(): Promise<number> {
  const machine = machineInfo();
  log(`${machine.cores} cores (${machine.cpu}), node ${machine.node}; ${MINUTES} min, samples every ${SAMPLE_SECONDS} s, memory slope after ${WARMUP_MINUTES} min`);
  // V8's own heap growth for the relays, not the 4× of RELAY_NODE_FLAGS (relay/src/runtime/heapFlags.ts): with 4×
  // a relay at this rate runs about one major GC in 10 min, its heap's floor rises with garbage until then,
  // and a leak could not be told from it. With V8's own factor the heap right after each major GC, the
  // retained-heap measure below, comes every minute or so. The relays' RSS is then ~60–100 MB lower than with 4×
  // (339–370 against 407–460 MiB after 10 min at 195 messages/s), and the messages' p99 longer (50 against
  // 32 ms for three hops): the major GCs the production flag avoids.
  const s: StreamNetwork = await startStreamNetwork({ log, relayNodeFlags: ["--heap-growing-percent=0"] });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await s.stop();
  };
  process.once("SIGINT", () => {
    log("interrupted: stopping the network");
    void stop().finally(() => process.exit(130));
  });
  try {
    const size = SIZE ?? s.capacity;
    const relayName = (i: number) => `relay${i + 1} (${s.net.relays[i] === s.intro ? "introduction" : s.net.relays[i] === s.home ? "home" : "entry"})`;

    // The rate: given, half a given max, or half of a measured max.
    let maxThroughput = GIVEN_MAX;
    let maxSource = GIVEN_MAX ? "given (--max)" : undefined;
    let measured: LoadResult | undefined;
    if (!GIVEN_RATE && !maxThroughput) {
      // Closed loop like bench:stream; up to 3 attempts while other processes take > 0.3 cores, the least disturbed kept.
      const window = size <= s.capacity ? 24 : 4;
      let best: { load: LoadResult; others: number; busy: number } | undefined;
      for (let attempt = 0; attempt < 3 && (best === undefined || best.others > 0.3); attempt++) {
        await waitForQuiet(s, 20_000);
        log(`measuring the max throughput: closed loop, ${window} messages of ${size} B in flight, 3 s warm-up + 10 s`);
        const meter = cpuMeter(s);
        const load = await s.sender.request<LoadResult>("load", { params: { label: "max", size, window, warmupSeconds: 3, seconds: 10 } });
        const cpu = meter();
        log(`  ${(load.deliveredInWindow / load.measuredSeconds).toFixed(1)} messages/s (${load.failed} failed); machine ${cpu.machineBusyCores.toFixed(2)} cores busy, other processes ${cpu.otherCores.toFixed(2)}`);
        if (load.failed > 0) log(`  failures while measuring: ${load.failures.slice(0, 3).map((f) => f.error).join("; ")}`);
        if (!best || cpu.otherCores < best.others) best = { load, others: cpu.otherCores, busy: cpu.machineBusyCores };
      }
      measured = best!.load;
      maxThroughput = measured.deliveredInWindow / measured.measuredSeconds;
      maxSource = `measured: closed loop, ${window} in flight, 10 s (machine ${best!.busy.toFixed(2)} cores busy, other processes ${best!.others.toFixed(2)})`;
      log(`max throughput ${maxThroughput.toFixed(1)} messages/s; ${maxSource}`);
    }
    const rate = GIVEN_RATE ?? Math.max(0.5, Math.round((maxThroughput! / 2) * 10) / 10);
    const seconds = MINUTES * 60;
    log(`soak: ${rate} messages/s of ${size} B for ${MINUTES} min (${Math.round(rate * seconds)} messages)`);

    // Sampling.
    const samples: Sample[] = [];
    const m0: Metrics[] = await Promise.all(s.net.relays.map(scrape));
    await Promise.all([s.sender.request("usage"), s.recipient.request("usage")]);
    const loadStart = performance.now();
    let prevCpu = { t: loadStart, relays: s.net.relays.map((r) => procSample(r.child!.pid!).cpuSeconds), sender: procSample(s.sender.pid).cpuSeconds, recipient: procSample(s.recipient.pid).cpuSeconds };
    let meter = cpuMeter(s);
    const takeSample = async (): Promise<Sample> => {
      const now = performance.now();
      const dt = (now - prevCpu.t) / 1000;
      const metrics = await Promise.all(s.net.relays.map((r) => scrape(r).catch(() => new Map() as Metrics)));
      type Usage = { cpuSeconds: number; rssMiB: number; heapUsedMiB: number; eventLoopDelayMs: { p50: number; p99: number; max: number }; load?: LiveLoad };
      const [su, ru] = await Promise.all([s.sender.request<Usage>("usage"), s.recipient.request<Usage>("usage")]);
      const cpuNow = { t: now, relays: s.net.relays.map((r) => procSample(r.child!.pid!).cpuSeconds), sender: procSample(s.sender.pid).cpuSeconds, recipient: procSample(s.recipient.pid).cpuSeconds };
      const machineCpu = meter();
      meter = cpuMeter(s);
      const sample: Sample = {
        t: (now - loadStart) / 60_000,
        relays: metrics.map((m, i) => ({
          rssMiB: metricSum(m, "sotto_process_resident_memory_bytes") / 2 ** 20,
          heapUsedMiB: metricSum(m, "sotto_nodejs_heap_size_used_bytes") / 2 ** 20,
          // The worker threads' heaps (crypto, WAL checkpoints): part of the RSS, not of the heap above.
          workerHeapsMiB: metricSum(m, "sotto_worker_heap_size_total_bytes") / 2 ** 20,
          heapAfterMajorGcMiB: m.has("sotto_nodejs_heap_after_major_gc_bytes") ? metricSum(m, "sotto_nodejs_heap_after_major_gc_bytes") / 2 ** 20 : Number.NaN,
          majorGcs: metricSum(m, "sotto_nodejs_major_gcs_total"),
          lagP50Ms: metricSum(m, "sotto_nodejs_eventloop_lag_p50_seconds") * 1000,
          lagP99Ms: metricSum(m, "sotto_nodejs_eventloop_lag_p99_seconds") * 1000,
          lagMaxMs: metricSum(m, "sotto_nodejs_eventloop_lag_max_seconds") * 1000,
          cpuCores: (cpuNow.relays[i]! - prevCpu.relays[i]!) / dt,
        })),
        sender: { rssMiB: su.rssMiB, heapUsedMiB: su.heapUsedMiB, lagP50Ms: su.eventLoopDelayMs.p50, lagP99Ms: su.eventLoopDelayMs.p99, lagMaxMs: su.eventLoopDelayMs.max, cpuCores: (cpuNow.sender - prevCpu.sender) / dt },
        recipient: { rssMiB: ru.rssMiB, heapUsedMiB: ru.heapUsedMiB, lagP50Ms: ru.eventLoopDelayMs.p50, lagP99Ms: ru.eventLoopDelayMs.p99, lagMaxMs: ru.eventLoopDelayMs.max, cpuCores: (cpuNow.recipient - prevCpu.recipient) / dt },
        progress: su.load,
        machineBusyCores: machineCpu.machineBusyCores,
        otherCores: machineCpu.otherCores,
      };
      prevCpu = cpuNow;
      return sample;
    };
    const fmtList = (xs: number[], d = 0) => xs.map((x) => (Number.isFinite(x) ? x.toFixed(d) : "?")).join(" ");
    let loadDone = false;
    const sampler = (async () => {
      let next = loadStart + SAMPLE_SECONDS * 1000;
      while (!loadDone) {
        await sleep(Math.max(0, next - performance.now()));
        next += SAMPLE_SECONDS * 1000;
        if (loadDone) break;
        const x = await takeSample();
        samples.push(x);
        const p = x.progress;
        const totalSeconds = Math.round(x.t * 60);
        const mm = Math.floor(totalSeconds / 60);
        const ss = totalSeconds % 60;
        log(
          `${mm}:${String(ss).padStart(2, "0")} ` +
            (p ? `sent ${p.launched} delivered ${p.delivered} failed ${p.failed} retries ${p.retries} in flight ${p.inFlight} | p50 ${p.intervalLatencyMs.p50.toFixed(0)} ms p99 ${p.intervalLatencyMs.p99.toFixed(0)} ms | ` : "") +
            `relay RSS MiB ${fmtList(x.relays.map((r) => r.rssMiB))} | lag p99 ms ${fmtList(x.relays.map((r) => r.lagP99Ms))} | sender ${x.sender.rssMiB.toFixed(0)} MiB, lag p99 ${x.sender.lagP99Ms.toFixed(0)} ms | recipient ${x.recipient.rssMiB.toFixed(0)} MiB | busy ${x.machineBusyCores.toFixed(2)} cores (others ${x.otherCores.toFixed(2)})`,
        );
      }
    })();
    const load = await s.sender.request<LoadResult>("load", {
      params: { label: "soak", size, rate, maxInFlight: Math.max(64, Math.ceil(rate * 2)), warmupSeconds: 0, seconds },
    });
    loadDone = true;
    await sampler;
    const received = await awaitReceived(s, load.firstSeq, load.endSeq, load.delivered, 30_000);
    const m1: Metrics[] = await Promise.all(s.net.relays.map(scrape));
    const final = await takeSample();
    samples.push(final);
    const totalMinutes = (performance.now() - loadStart) / 60_000;

    // Results.
    const after = samples.filter((x) => x.t >= WARMUP_MINUTES);
    const slope = (pick: (x: Sample) => number) => regression(after.map((x) => [x.t, pick(x)] as [number, number]).filter(([, y]) => Number.isFinite(y) && y > 0));
    // The JS heap saw-tooths with garbage collection; what is retained shows in its floor: the least heap
    // of each minute after the warm-up, and the slope of those.
    // Only minutes with at least half their samples count: a minute holding one sample (the final one) has
    // no floor, just wherever the saw-tooth happened to be.
    const heapFloorSlope = (pick: (x: Sample) => number) => {
      const minutes = new Map<number, { floor: number; samples: number }>();
      for (const x of after) {
        const y = pick(x);
        if (!Number.isFinite(y) || y <= 0) continue;
        const minute = Math.floor(x.t);
        const m = minutes.get(minute) ?? { floor: Number.POSITIVE_INFINITY, samples: 0 };
        minutes.set(minute, { floor: Math.min(m.floor, y), samples: m.samples + 1 });
      }
      const full = [...minutes].filter(([, m]) => m.samples >= Math.max(2, 30 / SAMPLE_SECONDS));
      return regression(full.map(([minute, m]) => [minute + 0.5, m.floor] as [number, number])).slope;
    };
    // Better than a floor where the relay reports it: the heap right after each major GC, the one moment the
    // heap holds only what is retained. A slope needs three of them after the warm-up.
    const retainedHeapSlope = (i: number) => {
      const points: [number, number][] = [];
      let gcs = after[0]?.relays[i]!.majorGcs ?? Number.NaN;
      for (const x of after) {
        const r = x.relays[i]!;
        if (r.majorGcs > gcs && Number.isFinite(r.heapAfterMajorGcMiB)) points.push([x.t, r.heapAfterMajorGcMiB]);
        gcs = r.majorGcs;
      }
      return points.length >= 3 ? { slope: regression(points).slope, points: points.length } : { slope: Number.NaN, points: points.length };
    };
    const relays = s.net.relays.map((r, i) => {
      const rss = slope((x) => x.relays[i]!.rssMiB);
      const retained = retainedHeapSlope(i);
      const floor = heapFloorSlope((x) => x.relays[i]!.heapUsedMiB);
      const heap = slope((x) => x.relays[i]!.heapUsedMiB);
      const lagP99 = samples.map((x) => x.relays[i]!.lagP99Ms).filter(Number.isFinite);
      return {
        relay: relayName(i),
        rssMiB: { first: samples[0]?.relays[i]!.rssMiB, afterWarmup: after[0]?.relays[i]!.rssMiB, last: final.relays[i]!.rssMiB, max: Math.max(...samples.map((x) => x.relays[i]!.rssMiB)) },
        rssSlopeMiBPerMin: rss.slope,
        rssSlopeR2: rss.r2,
        heapSlopeMiBPerMin: heap.slope,
        heapFloorSlopeMiBPerMin: floor,
        workerHeapsMiB: { afterWarmup: after[0]?.relays[i]!.workerHeapsMiB, last: final.relays[i]!.workerHeapsMiB, slopePerMin: slope((x) => x.relays[i]!.workerHeapsMiB).slope },
        retainedHeapSlopeMiBPerMin: retained.slope,
        majorGcsAfterWarmup: retained.points,
        /** The verdict's measure: the retained heap's slope when there were enough major GCs, else the floor's. */
        heapSlopeMiBPerMinVerdict: Number.isFinite(retained.slope) ? retained.slope : floor,
        heapSlopeMethod: Number.isFinite(retained.slope) ? `after each major GC (${retained.points})` : "least of each minute",
        eventLoopLagMs: { p50Median: summarize(samples.map((x) => x.relays[i]!.lagP50Ms)).p50, p99Median: summarize(lagP99).p50, p99Worst: Math.max(...lagP99), maxWorst: Math.max(...samples.map((x) => x.relays[i]!.lagMaxMs)) },
        cpuCoresMean: summarize(samples.map((x) => x.relays[i]!.cpuCores)).mean,
        counters: relayCounters(m0[i]!, m1[i]!),
        settledValue: metricSum(m1[i]!, "sotto_settled_value_total") - metricSum(m0[i]!, "sotto_settled_value_total"),
        settlements: metricSum(m1[i]!, "sotto_settlements_total") - metricSum(m0[i]!, "sotto_settlements_total"),
      };
    });
    const peerResult = (pick: (x: Sample) => Sample["sender"]) => {
      const rss = slope((x) => pick(x).rssMiB);
      return {
        rssMiB: { first: samples[0] ? pick(samples[0]).rssMiB : Number.NaN, last: pick(final).rssMiB, max: Math.max(...samples.map((x) => pick(x).rssMiB)) },
        rssSlopeMiBPerMin: rss.slope,
        rssSlopeR2: rss.r2,
        heapFloorSlopeMiBPerMin: heapFloorSlope((x) => pick(x).heapUsedMiB),
        eventLoopLagMs: { p99Median: summarize(samples.map((x) => pick(x).lagP99Ms)).p50, p99Worst: Math.max(...samples.map((x) => pick(x).lagP99Ms)), maxWorst: Math.max(...samples.map((x) => pick(x).lagMaxMs)) },
        cpuCoresMean: summarize(samples.map((x) => pick(x).cpuCores)).mean,
      };
    };
    const sender = peerResult((x) => x.sender);
    const recipient = peerResult((x) => x.recipient);
    const noReceipt = load.launched - load.delivered;
    const notReceived = load.launched - received.inRange;
    const lost = Math.max(noReceipt, notReceived) + received.bad;
    const latency = summarize(load.latencyMs);
    // Latency over time: per tenth of the run, to see drift.
    const tenths = Array.from({ length: 10 }, (_, k) => {
      const from = Math.floor((k * load.latencyMs.length) / 10);
      const to = Math.floor(((k + 1) * load.latencyMs.length) / 10);
      const part = summarize(load.latencyMs.slice(from, to));
      return { p50: part.p50, p99: part.p99 };
    });
    // The relay whose memory grew fastest (a negative slope is memory given back, not a leak).
    const worstRelaySlope = relays.reduce((a, r) => (r.rssSlopeMiBPerMin > a.rssSlopeMiBPerMin ? r : a), relays[0]!);
    const worstHeap = relays.reduce((a, r) => (r.heapSlopeMiBPerMinVerdict > a.heapSlopeMiBPerMinVerdict ? r : a), relays[0]!);
    // A floor slope needs two full minutes after the warm-up; a shorter run measures no floor and fails nothing on it.
    const heapMeasured = relays.every((r) => Number.isFinite(r.heapSlopeMiBPerMinVerdict));
    const heapFlat = heapMeasured && relays.every((r) => r.heapSlopeMiBPerMinVerdict <= HEAP_FLOOR_SLOPE_LIMIT);
    const worstLag = relays.reduce((a, r) => (r.eventLoopLagMs.p99Worst > a.eventLoopLagMs.p99Worst ? r : a), relays[0]!);
    const achieved = load.delivered / (load.measuredSeconds + load.drainSeconds);
    const figures = [
      { figure: "soak: messages lost (no receipt or not received intact)", value: lost, unit: "messages", target: "= 0", met: lost === 0, note: `of ${load.launched} sent at ${rate}/s for ${MINUTES} min (${noReceipt} without receipt, ${notReceived} not received, ${received.bad} corrupted)` },
      { figure: "soak: rate held", value: achieved, unit: "messages/s", target: "", met: null, note: `offered ${rate}/s = half of max ${maxThroughput ? maxThroughput.toFixed(1) : "?"}/s (${maxSource ?? "rate given"}); ${load.lateStarts} messages started > 100 ms late (in-flight cap ${Math.max(64, Math.ceil(rate * 2))} reached or sender busy), worst ${load.maxStartDelayMs.toFixed(0)} ms` },
      { figure: "soak: send → receipt p50 / p99", value: latency.p50, unit: "ms", target: "", met: null, note: `p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(0)} ms; p50 first tenth ${tenths[0]!.p50.toFixed(1)} ms, last tenth ${tenths[9]!.p50.toFixed(1)} ms` },
      { figure: "soak: relay memory slope after warm-up (steepest)", value: worstRelaySlope.rssSlopeMiBPerMin, unit: "MiB/min", target: "", met: null, note: `${worstRelaySlope.relay}, RSS ${worstRelaySlope.rssMiB.afterWarmup?.toFixed(0)} → ${worstRelaySlope.rssMiB.last.toFixed(0)} MiB (max ${worstRelaySlope.rssMiB.max.toFixed(0)}), R² ${worstRelaySlope.rssSlopeR2.toFixed(2)}; every relay: ${relays.map((r) => `${r.rssSlopeMiBPerMin.toFixed(1)} (R² ${r.rssSlopeR2.toFixed(2)})`).join(", ")} MiB/min` },
      { figure: "soak: relay retained JS heap slope after warm-up (steepest)", value: worstHeap.heapSlopeMiBPerMinVerdict, unit: "MiB/min", target: `≤ ${HEAP_FLOOR_SLOPE_LIMIT} (flat)`, met: heapMeasured ? heapFlat : null, note: `${worstHeap.relay}, heap ${worstHeap.heapSlopeMethod}; every relay: ${relays.map((r) => `${r.heapSlopeMiBPerMinVerdict.toFixed(2)} (${r.heapSlopeMethod})`).join(", ")} MiB/min; least heap of each minute: ${relays.map((r) => r.heapFloorSlopeMiBPerMin.toFixed(2)).join(", ")}; sender ${sender.heapFloorSlopeMiBPerMin.toFixed(2)}, recipient ${recipient.heapFloorSlopeMiBPerMin.toFixed(2)} (the recipient's benchmark harness keeps every message's sequence number and latency)` },
      { figure: "soak: sender memory slope", value: sender.rssSlopeMiBPerMin, unit: "MiB/min", target: "", met: null, note: `R² ${sender.rssSlopeR2.toFixed(2)}, RSS ${sender.rssMiB.first.toFixed(0)} → ${sender.rssMiB.last.toFixed(0)} MiB; recipient ${recipient.rssSlopeMiBPerMin.toFixed(1)} MiB/min (R² ${recipient.rssSlopeR2.toFixed(2)})` },
      { figure: "soak: relay event-loop lag p99 (worst interval)", value: worstLag.eventLoopLagMs.p99Worst, unit: "ms", target: "", met: null, note: `${worstLag.relay}; median of the intervals' p99 per relay: ${relays.map((r) => r.eventLoopLagMs.p99Median.toFixed(0)).join(", ")} ms` },
    ];

    console.log(`Soak — ${MINUTES} min at ${rate} messages/s (${size} B) through 5 relay processes, one sender → one recipient (client SDK), mixing off\n`);
    console.log(`${"process".padEnd(26)}${"RSS start".padStart(10)}${"after wu".padStart(10)}${"end".padStart(8)}${"max".padStart(8)}${"RSS/min".padStart(9)}${"R²".padStart(6)}${"heap/min".padStart(11)}${"workers".padStart(9)}${"lag p99 med".padStart(12)}${"worst".padStart(8)}${"cores".padStart(7)}`);
    for (const r of relays) {
      console.log(
        `${r.relay.padEnd(26)}${(r.rssMiB.first ?? Number.NaN).toFixed(0).padStart(10)}${(r.rssMiB.afterWarmup ?? Number.NaN).toFixed(0).padStart(10)}${r.rssMiB.last.toFixed(0).padStart(8)}${r.rssMiB.max.toFixed(0).padStart(8)}${r.rssSlopeMiBPerMin.toFixed(2).padStart(9)}${r.rssSlopeR2.toFixed(2).padStart(6)}${r.heapSlopeMiBPerMinVerdict.toFixed(2).padStart(11)}${r.workerHeapsMiB.last.toFixed(0).padStart(9)}${r.eventLoopLagMs.p99Median.toFixed(1).padStart(12)}${r.eventLoopLagMs.p99Worst.toFixed(0).padStart(8)}${r.cpuCoresMean.toFixed(2).padStart(7)}`,
      );
    }
    for (const [name, p] of [["sender", sender], ["recipient", recipient]] as const) {
      console.log(`${name.padEnd(26)}${p.rssMiB.first.toFixed(0).padStart(10)}${"".padStart(10)}${p.rssMiB.last.toFixed(0).padStart(8)}${p.rssMiB.max.toFixed(0).padStart(8)}${p.rssSlopeMiBPerMin.toFixed(2).padStart(9)}${p.rssSlopeR2.toFixed(2).padStart(6)}${p.heapFloorSlopeMiBPerMin.toFixed(2).padStart(11)}${"".padStart(9)}${p.eventLoopLagMs.p99Median.toFixed(1).padStart(12)}${p.eventLoopLagMs.p99Worst.toFixed(0).padStart(8)}${p.cpuCoresMean.toFixed(2).padStart(7)}`);
    }
    console.log(`\nsent ${load.launched}, delivered with verified receipts ${load.delivered}, received intact ${received.inRange}, corrupted ${received.bad}, duplicates ${received.duplicates}; retries ${load.retries}; send → receipt p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, max ${latency.max.toFixed(0)} ms`);
    if (load.retries > 0) console.log(`packets sent again: ${Object.entries(load.retryReasons).map(([k, v]) => `${v}× ${k}`).join("; ")}`);
    console.log(`latency p50 by tenth of the run (ms): ${tenths.map((t) => t.p50.toFixed(0)).join(" ")}`);
    console.log(`relays settled on chain during the run: ${relays.map((r) => `${r.relay.split(" ")[0]} ${r.settledValue}`).join(", ")}`);
    if (load.failures.length > 0) console.log(`failures: ${load.failures.slice(0, 5).map((f) => `#${f.seq}: ${f.error}`).join("; ")}`);
    if (received.missing.length > 0) console.log(`not received: ${received.missing.slice(0, 20).join(", ")}${received.missing.length > 20 ? ", …" : ""}`);
    console.log(lost === 0 ? "\nno loss" : `\nLOSS: ${lost} messages`);
    if (!heapMeasured) console.log("relay memory: retained JS heap not measured (it needs three major GCs or two full minutes after the warm-up)");
    else console.log(heapFlat ? `relay memory flat: retained JS heap slopes ≤ ${HEAP_FLOOR_SLOPE_LIMIT} MiB/min` : `RELAY MEMORY GROWING: ${worstHeap.relay}'s retained JS heap (${worstHeap.heapSlopeMethod}) rises ${worstHeap.heapSlopeMiBPerMinVerdict.toFixed(2)} MiB/min`);

    const out = {
      benchmark: "soak",
      generatedAt: new Date().toISOString(),
      machine,
      setup: {
        description: "bench:stream's network: embedded chain, 5 relay processes (production defaults except mixing off and no channel strategy: relay-to-relay channels pre-funded; automatic settlement on), one sender → one recipient with the client SDK in their own processes, 3-relay routes",
        route: `entry (relays ${s.entries.map((r) => r.index + 1).join(", ")}, drawn per message) → introduction relay ${s.intro.index + 1} → home relay ${s.home.index + 1} → recipient`,
        minutes: MINUTES,
        actualMinutes: totalMinutes,
        messageBytes: size,
        bytesPerPacket: s.capacity,
        rate,
        maxThroughput: maxThroughput ?? null,
        maxSource: maxSource ?? "not measured (--rate given)",
        maxMeasurement: measured ? { delivered: measured.delivered, failed: measured.failed, latencyMs: summarize(measured.latencyMs) } : null,
        warmupMinutes: WARMUP_MINUTES,
        sampleSeconds: SAMPLE_SECONDS,
        relayConfigOverrides: s.relayConfig,
        memoryRule: "RSS (relays: sotto_process_resident_memory_bytes; sender/recipient: process.memoryUsage.rss) sampled every interval; slope = least-squares line of RSS (MiB) over time (min) for the samples after the warm-up",
        lagRule: "relays: prom-client's sotto_nodejs_eventloop_lag_* (monitorEventLoopDelay, 10 ms resolution, reset at each scrape: each sample covers its interval); sender/recipient: monitorEventLoopDelay in the process, reset at each sample",
        lossRule: "a message is lost if send() failed or resolved without a verified receipt per fragment, or the recipient did not get it intact",
      },
      figures,
      loss: { sent: load.launched, deliveredWithReceipts: load.delivered, receivedIntact: received.inRange, noReceipt, notReceived, corrupted: received.bad, duplicates: received.duplicates, failures: load.failures, missing: received.missing.slice(0, 100) },
      latencyMs: { ...latency, byTenth: tenths },
      load: { ...load, latencyMs: undefined, failedSeqs: undefined },
      relays,
      sender,
      recipient,
      samples,
    };
    const canonical = MINUTES >= 3;
    const file = args.out ?? (canonical ? join(here, "..", "bench", "results", "soak.json") : join(tmpdir(), `soak-${process.pid}.json`));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toJson(out));
    console.log(`wrote ${file}`);
    return lost === 0 && (heapFlat || !heapMeasured) ? 0 : 1;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
