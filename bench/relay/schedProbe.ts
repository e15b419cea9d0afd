/**
 * The benchmark's scheduling probe: a process that does nothing but wake up every millisecond and record how
 * late it woke. On a machine whose cores the relay shares with the generator and the sink, this is the
 * delay the operating system adds before any thread that becomes runnable gets a core: the floor under
 * every latency measured beside it (a relay's thread waits at least this long too, and its packets with it).
 * Costs ~1 % of a core. Controlled over IPC by bench/relay.ts: "start" begins a window, "stats" ends it.
 */
import { percentile } from "../measure.ts";
import { nowUs } from "./wire.ts";

const TICK_MS = 1;
let lateUs: number[] = [];
let last = nowUs();
let measuring = false;

setInterval(() => {
  const t = nowUs();
  if (measuring) lateUs.push(Math.max(0, t - last - TICK_MS * 1000));
  last = t;
}, TICK_MS);

process.on("message", (message: { cmd: string }) => {
  switch (message.cmd) {
    case "start":
      lateUs = [];
      last = nowUs();
      measuring = true;
      return void process.send!({ reply: "start" });
    case "stats": {
      measuring = false;
      const sorted = Float64Array.from(lateUs).sort();
      const at = (p: number) => percentile(sorted, p) / 1000;
      const overMs = (ms: number) => sorted.filter((us) => us > ms * 1000).length;
      const totalLateMs = sorted.reduce((a, b) => a + b, 0) / 1000;
      return void process.send!({ reply: "stats", wakeups: sorted.length, p50Ms: at(50), p99Ms: at(99), maxMs: sorted.length ? sorted.at(-1)! / 1000 : Number.NaN, over3Ms: overMs(3), over10Ms: overMs(10), totalLateMs });
    }
    case "stop":
      return process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
process.send!({ reply: "ready" });
