import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { createRelayMetrics } from "./metrics.ts";

/** A full (mark-compact) collection, on demand: V8's gc() made reachable for this test. */
function majorGc(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

const value = (text: string, name: string) => Number(text.split("\n").find((line) => line.startsWith(`${name} `))?.split(" ")[1]);

describe("relay metrics", () => {
  it("report the JS heap right after the latest major GC, and count major GCs", async () => {
    const metrics = createRelayMetrics();
    const before = value(await metrics.registry.metrics(), "sotto_nodejs_major_gcs_total");
    let retained: number[][] = [];
    for (let i = 0; i < 20; i++) retained.push(new Array(250_000).fill(i)); // ~40 MB held across the GC
    majorGc();
    await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries reach observers asynchronously
    const text = await metrics.registry.metrics();
    expect(value(text, "sotto_nodejs_major_gcs_total")).toBeGreaterThan(before);
    const afterGc = value(text, "sotto_nodejs_heap_after_major_gc_bytes");
    expect(afterGc).toBeGreaterThan(retained.length * 250_000 * 4);

    retained = [];
    majorGc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(value(await metrics.registry.metrics(), "sotto_nodejs_heap_after_major_gc_bytes")).toBeLessThan(afterGc - 20_000_000);
  });

  it("report each tracked worker thread's own heap, and forget a worker once it exited", async () => {
    const metrics = createRelayMetrics({ defaultMetrics: false });
    // The worker takes ~40 MB when told to: its heap, not this thread's, must show it.
    const worker = new Worker(
      `const { parentPort } = require("node:worker_threads");
       let held = [];
       parentPort.on("message", (m) => {
         if (m === "hold") { held = Array.from({ length: 20 }, (_, i) => new Array(250_000).fill(i)); parentPort.postMessage("held"); }
         else { held = []; parentPort.close(); }
       });
       parentPort.postMessage("ready");`,
      { eval: true },
    );
    const reply = () => new Promise((resolve) => worker.once("message", resolve));
    await reply();
    metrics.trackWorker("ballast", worker);
    const used = async () => value(await metrics.registry.metrics(), 'sotto_worker_heap_size_used_bytes{worker="ballast"}');
    const before = await used();
    expect(before).toBeGreaterThan(0);
    worker.postMessage("hold");
    await reply();
    const text = await metrics.registry.metrics();
    const holding = value(text, 'sotto_worker_heap_size_used_bytes{worker="ballast"}');
    expect(holding - before).toBeGreaterThan(20 * 250_000 * 4 * 0.9);
    expect(value(text, 'sotto_worker_heap_size_total_bytes{worker="ballast"}')).toBeGreaterThanOrEqual(holding);

    worker.postMessage("stop");
    await new Promise((resolve) => worker.once("exit", resolve));
    expect(await metrics.registry.metrics()).not.toContain('worker="ballast"');
  });
});
