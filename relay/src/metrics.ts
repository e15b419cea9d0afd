import { PerformanceObserver, constants } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import type { Worker } from "node:worker_threads";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { gcKind } from "./runtime/gcKind.ts";

/** JS heap in use right after the process's latest major (mark-compact) GC; NaN before the first. */
let heapAfterMajorGc = Number.NaN;
let majorGcs = 0;
let observingGc = false;

/**
 * What garbage collection could not free is the number that shows a leak: the heap sampled at any other
 * moment is somewhere on the saw-tooth of allocation and collection. One observer per process (several
 * relays may share one in tests); GC entries arrive shortly after their collection, before much is allocated.
 */
function observeMajorGcs(): void {
  if (observingGc) return;
  observingGc = true;
  new PerformanceObserver((list) => {
    const major = list.getEntries().filter((entry) => gcKind(entry) === constants.NODE_PERFORMANCE_GC_MAJOR).length;
    if (major === 0) return;
    majorGcs += major;
    heapAfterMajorGc = getHeapStatistics().used_heap_size;
  }).observe({ entryTypes: ["gc"] });
}

/**
 * Every Prometheus metric the relay exports, on its own registry (several relays can share a process in
 * tests). Every rejection, of a packet, a ticket, a frame or an API request, is counted by reason.
 */
export function createRelayMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  const r = [registry];
  /** The relay's worker threads by name: each has a V8 heap of its own, which the process metrics do not count. */
  const workers = new Map<string, Worker>();
  const workerHeaps = async () =>
    (
      await Promise.all(
        [...workers].map(async ([name, worker]) => {
          // A worker that exited meanwhile has no heap to report.
          const heap = await worker.getHeapStatistics().catch(() => undefined);
          return heap && { name, heap };
        }),
      )
    ).filter((entry) => entry !== undefined);
  const workerHeapGauge = (name: string, help: string, figure: "total_heap_size" | "used_heap_size") =>
    new Gauge({
      name,
      help,
      labelNames: ["worker"] as const,
      registers: r,
      async collect() {
        this.reset();
        for (const { name: worker, heap } of await workerHeaps()) this.set({ worker }, heap[figure]);
      },
    });
  workerHeapGauge("sotto_worker_heap_size_total_bytes", "V8 heap committed by each of the relay's worker threads (crypto, WAL checkpoints)", "total_heap_size");
  workerHeapGauge("sotto_worker_heap_size_used_bytes", "V8 heap in use by each of the relay's worker threads", "used_heap_size");
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: "sotto_" });
    observeMajorGcs();
    new Gauge({
      name: "sotto_nodejs_heap_after_major_gc_bytes",
      help: "JS heap in use right after the latest major GC (what it could not free; absent before the first)",
      registers: r,
      collect() {
        if (Number.isFinite(heapAfterMajorGc)) this.set(heapAfterMajorGc);
      },
    });
    new Counter({
      name: "sotto_nodejs_major_gcs_total",
      help: "Major (mark-compact) GCs of the process",
      registers: r,
      collect() {
        this.reset();
        this.inc(majorGcs);
      },
    });
  }
  return {
    registry,
    /** Reports this worker's heap under `name` until it exits. */
    trackWorker(name: string, worker: Worker): void {
      workers.set(name, worker);
      worker.once("exit", () => workers.get(name) === worker && workers.delete(name));
    },
    packetsIn: new Counter({ name: "sotto_packets_in_total", help: "Packet frames received", labelNames: ["from"] as const, registers: r }),
    packetsOut: new Counter({ name: "sotto_packets_out_total", help: "Packets forwarded or delivered", labelNames: ["to"] as const, registers: r }),
    packetsDropped: new Counter({ name: "sotto_packets_dropped_total", help: "Packets dropped, by reason", labelNames: ["reason"] as const, registers: r }),
    framesRejected: new Counter({ name: "sotto_frames_rejected_total", help: "Link frames that failed to decode, by reason", labelNames: ["reason"] as const, registers: r }),
    ticketsAccepted: new Counter({ name: "sotto_tickets_accepted_total", help: "Incoming tickets accepted", registers: r }),
    ticketsRejected: new Counter({ name: "sotto_tickets_rejected_total", help: "Incoming tickets rejected, by reason", labelNames: ["reason"] as const, registers: r }),
    ticketsIssued: new Counter({ name: "sotto_tickets_issued_total", help: "Outgoing tickets signed", registers: r }),
    ticketSignatures: new Counter({
      name: "sotto_ticket_signatures_total",
      help: "Outgoing tickets of packets signed, by nonce: presigned (prepared on a worker, cheap on the event loop) or fresh (none ready: a full signature on the event loop)",
      labelNames: ["nonce"] as const,
      registers: r,
    }),
    acksReceived: new Counter({ name: "sotto_acks_received_total", help: "Acks from the next hop, by outcome", labelNames: ["outcome"] as const, registers: r }),
    acksSent: new Counter({ name: "sotto_acks_sent_total", help: "Acks sent upstream", registers: r }),
    ackTimeouts: new Counter({ name: "sotto_ack_timeouts_total", help: "Forwarded packets the next hop never acknowledged", registers: r }),
    revealsReceived: new Counter({ name: "sotto_reveals_received_total", help: "Responses revealed by payees, by outcome", labelNames: ["outcome"] as const, registers: r }),
    circuitsLost: new Counter({ name: "sotto_circuits_lost_total", help: "Forwarded packets still without a receipt when every link to their next hop closed (NACKed upstream)", registers: r }),
    receiptsRelayed: new Counter({ name: "sotto_receipts_relayed_total", help: "Delivery receipts carried back upstream", registers: r }),
    earnedValue: new Counter({ name: "sotto_earned_value_total", help: "Value of incoming tickets whose response is known (token base units)", registers: r }),
    settledValue: new Counter({ name: "sotto_settled_value_total", help: "Value redeemed on chain (token base units)", registers: r }),
    settlements: new Counter({ name: "sotto_settlements_total", help: "Settlement transactions, by outcome", labelNames: ["outcome"] as const, registers: r }),
    mailboxStored: new Counter({ name: "sotto_mailbox_stored_total", help: "Messages stored for offline recipients", registers: r }),
    mailboxExpired: new Counter({ name: "sotto_mailbox_expired_total", help: "Mailbox messages expired unread", registers: r }),
    apiRejected: new Counter({ name: "sotto_api_rejected_total", help: "Admin API requests rejected, by reason", labelNames: ["reason"] as const, registers: r }),
    chainErrors: new Counter({ name: "sotto_chain_errors_total", help: "Failed JSON-RPC calls, by operation", labelNames: ["op"] as const, registers: r }),
    queueDepth: new Gauge({ name: "sotto_queue_depth", help: "Packets waiting, by queue", labelNames: ["queue"] as const, registers: r }),
    peers: new Gauge({ name: "sotto_peers", help: "Connected libp2p peers", registers: r }),
    chainHealthy: new Gauge({ name: "sotto_chain_healthy", help: "1 when the last chain poll succeeded", registers: r }),
    hopLatency: new Histogram({
      name: "sotto_hop_latency_seconds",
      help: "Time from receiving a packet to handing it to the next hop (excluding the mixing delay)",
      buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
      registers: r,
    }),
    ackLatency: new Histogram({
      name: "sotto_ack_latency_seconds",
      help: "Time from forwarding a packet to the next hop's ack",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5],
      registers: r,
    }),
    storeBatch: new Histogram({ name: "sotto_store_batch_size", help: "Writes per group commit", buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers: r }),
    storeWritesHeld: new Histogram({ name: "sotto_store_writes_held_seconds", help: "How long group commits were held while the WAL was rewound (packets wait meanwhile)", buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1], registers: r }),
    storeCheckpoint: new Histogram({ name: "sotto_store_checkpoint_seconds", help: "Duration of WAL checkpoints (on the checkpoint worker thread)", buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: r }),
  };
}

export type RelayMetrics = ReturnType<typeof createRelayMetrics>;
