/**
 * What the benchmarks and the soak measure about processes and relays: CPU, memory and system calls from
 * /proc, counters from a relay's /metrics, and percentiles. One copy, imported by bench/relay.ts,
 * bench/stream.ts and scripts/soak.ts.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { LocalRelay } from "../cli/src/devnet/localNetwork.ts";


const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user+sys), resident memory and its high-water mark of a process, from /proc (NaN once it is gone). */
export function procSample(pid: number): { cpuSeconds: number; rssMiB: number; hwmMiB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key: string) => Number(new RegExp(`^${key}\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK, rssMiB: kib("VmRSS:") / 1024, hwmMiB: kib("VmHWM:") / 1024 }; // utime, stime
  } catch {
    return { cpuSeconds: Number.NaN, rssMiB: Number.NaN, hwmMiB: Number.NaN };
  }
}

/**
 * Time a thread spent running and runnable but waiting for a core, in seconds so far
 * (/proc/<pid>/task/<tid>/schedstat; NaN where the kernel does not keep it). `tid` = `pid` is the main thread.
 */
export function threadSchedstat(pid: number, tid = pid): { runSeconds: number; waitSeconds: number } {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
    return { runSeconds: run! / 1e9, waitSeconds: wait! / 1e9 };
  } catch {
    return { runSeconds: Number.NaN, waitSeconds: Number.NaN };
  }
}

/**
 * Read and write system calls of a process so far (/proc/<pid>/io): sockets and SQLite's WAL writes alike;
 * and the bytes it wrote to storage (`write_bytes`: its database, WAL and checkpoints, not its sockets).
 */
export function procIo(pid: number): { syscr: number; syscw: number; storageWriteBytes: number } {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const get = (key: string) => Number(new RegExp(`^${key}: (\\d+)`, "m").exec(io)?.[1] ?? 0);
  return { syscr: get("syscr"), syscw: get("syscw"), storageWriteBytes: get("write_bytes") };
}

/**
 * User + nice + system CPU seconds of the whole machine so far, from /proc/stat; with `interrupts`, also
 * irq and softirq time. bench:relay leaves interrupts out: it subtracts its own processes' CPU to find what
 * other processes took, and loopback traffic's softirq time belongs to no process.
 */
export function machineBusySeconds(options: { interrupts: boolean }): number {
  const cpu = allCpuTimes();
  const busy = cpu[0]! + cpu[1]! + cpu[2]!;
  return (options.interrupts ? busy + (cpu[5] ?? 0) + (cpu[6] ?? 0) : busy) / CLK_TCK;
}

/**
 * CPU seconds (all cores) the hypervisor gave to someone else while this VM had work to run ("steal"). On a
 * shared VM a run's tail can come from there; it counts in no process's time.
 */
export function stolenSeconds(): number {
  return (allCpuTimes()[7] ?? 0) / CLK_TCK;
}

/** The first line of /proc/stat: user nice system idle iowait irq softirq steal …, in clock ticks. */
const allCpuTimes = (): number[] => readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** A relay's `sotto_*` samples by series (name with labels). */
export type Metrics = Map<string, number>;

export async function scrape(relay: LocalRelay): Promise<Metrics> {
  const text = await relay.admin<string>("/metrics");
  const out: Metrics = new Map();
  for (const line of text.split("\n")) {
    if (!line.startsWith("sotto_")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** The sum over every label set of metric `name`. */
export const metricSum = (m: Metrics, name: string) => [...m].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0);

/** Metric `name`'s non-zero series by label set. */
export const metricByLabel = (m: Metrics, name: string) =>
  Object.fromEntries([...m].filter(([k, v]) => k.startsWith(`${name}{`) && v !== 0).map(([k, v]) => [k.slice(name.length), v]));

/**
 * Quantile `q` of a Prometheus histogram over an interval (bucket deltas between two scrapes), interpolated
 * linearly within its bucket; `bucket` names that bucket. NaN when nothing was observed.
 */
export function histogramQuantile(before: Metrics, after: Metrics, name: string, q: number): { seconds: number; bucket: string } {
  const buckets = [...after]
    .filter(([k]) => k.startsWith(`${name}_bucket{`))
    .map(([k, v]) => {
      const le = /le="([^"]+)"/.exec(k)![1]!;
      return { le: le === "+Inf" ? Infinity : Number(le), n: v - (before.get(k) ?? 0) };
    })
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return { seconds: Number.NaN, bucket: "none" };
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const b of buckets) {
    if (b.n >= rank) {
      const seconds = b.le === Infinity ? prevLe : prevLe + ((b.le - prevLe) * (rank - prevN)) / Math.max(1, b.n - prevN);
      return { seconds, bucket: `${prevLe * 1000}–${b.le * 1000} ms` };
    }
    prevLe = b.le;
    prevN = b.n;
  }
  return { seconds: Number.NaN, bucket: "none" };
}
