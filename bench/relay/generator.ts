/**
 * The benchmark's load generator: one libp2p host (TCP + Noise + Yamux, as every Sotto node), one link to
 * the measured relay R and one straight to the sink (for the baseline). It sends pre-built PACKET frames,
 * in index order, from a buffer loaded before measuring, so sending costs only libp2p's own work. It
 * reads R's answers (ACK, REVEAL, RECEIPT, NACK) by frame type only. Controlled over IPC by bench/relay.ts.
 *
 * Open loop: every ~1 ms timer tick, the packets due by then (rate × elapsed) go out as one batch: at
 * 1,000/s that is about one packet per batch, so batching is no larger than a 1 ms clock makes it.
 * Closed loop: keeps `window` packets between sending and R's REVEAL of the sink's ACK.
 */
import { readFileSync } from "node:fs";
import type { Stream } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { LINK_PROTOCOL } from "#net";
import { createHost } from "#net/node";
import { BASELINE_MARK, FRAME_TYPE_ACK, FRAME_TYPE_NACK, FRAME_TYPE_RECEIPT, FRAME_TYPE_REVEAL, PACKET_CHALLENGE_OFFSET, PACKET_FRAME_SIZE, RawBatchReader, nowUs } from "./wire.ts";
import { countGarbageCollections } from "./gcTally.ts";

const gc = countGarbageCollections();
const host = await createHost({ listen: [] });
let frames = Buffer.alloc(0);
let loaded = 0;
let sentAt = new Float64Array(0);
let baselineSentAt = new Float64Array(0);
const counts = { acks: 0, reveals: 0, receipts: 0, nacks: 0, other: 0, sinkFrames: 0 };
const nackReasons: Record<number, number> = {};
let onReveal: (() => void) | undefined;

const links: Record<"relay" | "sink", Stream | undefined> = { relay: undefined, sink: undefined };

async function connect(target: "relay" | "sink", addr: string, peer: string): Promise<void> {
  const stream = await host.dialProtocol(multiaddr(`${addr}/p2p/${peer}`), LINK_PROTOCOL, { signal: AbortSignal.timeout(10_000) });
  const reader = new RawBatchReader((type, buf, off) => {
    if (target === "sink") return void counts.sinkFrames++;
    if (type === FRAME_TYPE_ACK) counts.acks++;
    else if (type === FRAME_TYPE_REVEAL) counts.reveals++;
    else if (type === FRAME_TYPE_RECEIPT) counts.receipts++;
    else if (type === FRAME_TYPE_NACK) {
      counts.nacks++;
      const reason = buf[off + 34]!;
      nackReasons[reason] = (nackReasons[reason] ?? 0) + 1;
    } else counts.other++;
  });
  stream.addEventListener("message", (event) => {
    const data = event.data as Uint8Array | { subarray(): Uint8Array };
    reader.push(data instanceof Uint8Array ? data : data.subarray());
    onReveal?.();
  });
  links[target] = stream;
}

function load(file: string, base: number, total: number): void {
  const bytes = readFileSync(file);
  if (frames.length < total * PACKET_FRAME_SIZE) {
    const grown = Buffer.alloc(total * PACKET_FRAME_SIZE);
    frames.copy(grown);
    frames = grown;
    const times = new Float64Array(total);
    times.set(sentAt);
    sentAt = times;
  }
  bytes.copy(frames, base * PACKET_FRAME_SIZE);
  loaded = Math.max(loaded, base + bytes.length / PACKET_FRAME_SIZE);
}

/** Sends packets [from, from+n) as one batch (relay) or n baseline copies numbered from `from` (sink). */
function sendBatch(target: "relay" | "sink", from: number, n: number, t: number): boolean {
  const out = Buffer.allocUnsafe(2 + n * PACKET_FRAME_SIZE);
  out.writeUInt16BE(n, 0);
  if (target === "relay") {
    frames.copy(out, 2, from * PACKET_FRAME_SIZE, (from + n) * PACKET_FRAME_SIZE);
    for (let i = from; i < from + n; i++) sentAt[i] = t;
  } else {
    for (let k = 0; k < n; k++) {
      const off = 2 + k * PACKET_FRAME_SIZE;
      const src = ((from + k) % Math.max(1, loaded)) * PACKET_FRAME_SIZE;
      frames.copy(out, off, src, src + PACKET_FRAME_SIZE);
      BASELINE_MARK.copy(out, off + PACKET_CHALLENGE_OFFSET);
      out.writeUInt32BE(from + k, off + PACKET_CHALLENGE_OFFSET + 16);
      baselineSentAt[from + k] = t;
    }
  }
  return links[target]!.send(out);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open loop at `rate`/s for `durationMs`, packets from index `from` (or baseline numbers from `from`). */
async function openLoop(target: "relay" | "sink", rate: number, durationMs: number, from: number) {
  const total = Math.round((rate * durationMs) / 1000);
  const limit = target === "relay" ? Math.min(total, loaded - from) : total;
  if (target === "sink" && baselineSentAt.length < from + total) {
    const grown = new Float64Array(from + total);
    grown.set(baselineSentAt);
    baselineSentAt = grown;
  }
  const stream = links[target]!;
  let sent = 0;
  let stalls = 0;
  let stalledUs = 0;
  const start = nowUs();
  while (sent < limit) {
    const t = nowUs();
    const due = Math.min(limit, Math.floor(((t - start) * rate) / 1e6) + 1);
    let n = due - sent;
    while (n > 0) {
      const k = Math.min(n, 160); // ≤ 256 KiB per batch
      const ready = sendBatch(target, from + sent, k, t);
      sent += k;
      n -= k;
      if (!ready) {
        stalls++;
        const s = nowUs();
        await stream.onDrain().catch(() => undefined);
        stalledUs += nowUs() - s;
      }
    }
    if (sent < limit) await sleep(1);
  }
  return { sent, first: from, startUs: start, endUs: nowUs(), stalls, stalledMs: stalledUs / 1000 };
}

/** Closed loop: at most `window` packets sent but not yet revealed by R, for `durationMs`. */
async function closedLoop(window: number, durationMs: number, from: number) {
  const stream = links.relay!;
  const revealed0 = counts.reveals;
  let sent = 0;
  let stalls = 0;
  const start = nowUs();
  const end = start + durationMs * 1000;
  let blocked = false;
  await new Promise<void>((done) => {
    const pump = () => {
      if (blocked) return;
      const t = nowUs();
      if (t >= end || from + sent >= loaded) {
        onReveal = undefined;
        done();
        return;
      }
      const inFlight = sent - (counts.reveals - revealed0);
      let n = Math.min(window - inFlight, loaded - from - sent);
      while (n > 0) {
        const k = Math.min(n, 160);
        const ready = sendBatch("relay", from + sent, k, t);
        sent += k;
        n -= k;
        if (!ready) {
          stalls++;
          blocked = true;
          stream.onDrain().then(() => ((blocked = false), pump()), () => undefined);
          return;
        }
      }
    };
    onReveal = pump;
    pump();
    // Also wake up on a timer, so the phase ends on time even if answers stop.
    const timer = setInterval(() => {
      pump();
      if (onReveal === undefined) clearInterval(timer);
    }, 5);
  });
  return { sent, first: from, startUs: start, endUs: nowUs(), stalls, stalledMs: 0, revealed: counts.reveals - revealed0 };
}

process.on("message", (message: { cmd: string; [k: string]: unknown }) => {
  const m = message as unknown as {
    file: string;
    base: number;
    total: number;
    target: "relay" | "sink";
    addr: string;
    peer: string;
    rate: number;
    durationMs: number;
    from: number;
    to: number;
    window: number;
    baseline?: boolean;
  };
  const reply = (body: Record<string, unknown>) => process.send!({ reply: message.cmd, ...body });
  switch (message.cmd) {
    case "load":
      load(m.file, m.base, m.total);
      return reply({ loaded });
    case "connect":
      return void connect(m.target, m.addr, m.peer).then(() => reply({}), (error: Error) => reply({ error: error.message }));
    case "open":
      return void openLoop(m.target, m.rate, m.durationMs, m.from).then((r) => reply(r));
    case "closed":
      return void closedLoop(m.window, m.durationMs, m.from).then((r) => reply(r));
    case "times": {
      const src = m.baseline ? baselineSentAt : sentAt;
      return reply({ times: Array.from(src.subarray(m.from, m.to)) });
    }
    case "stats":
      return reply({ counts: { ...counts }, nackReasons, cpu: process.cpuUsage(), rss: process.memoryUsage().rss, gc });
    case "stop":
      return void Promise.resolve(host.stop()).finally(() => process.exit(0));
  }
});
// The benchmark went away (crashed or was interrupted): do not linger.
process.on("disconnect", () => process.exit(0));
process.send!({ reply: "ready" });
