/**
 * The benchmark's sink: a small process (not a relay) that listens on the second relay's registered
 * multiaddr with its libp2p key, so the measured relay forwards to it exactly as to a relay, with an outgoing
 * ticket. It does NO crypto beyond libp2p's own (Noise, which every link pays): for each PACKET it looks
 * up, by the challenge of the relay's ticket, the secrets the generator precomputed for that packet and
 * answers on the same stream, as a relay with the default config does (feedback lingers up to `lingerMs` so
 * that the answers to several packets leave in one write; relay/src/config: p2p.feedbackLingerMs), with
 *   ACK(S's ack secret)                       — always: the relay's incoming ticket becomes redeemable;
 *   REVEAL(recipient ack) + RECEIPT(S ack, recipient ack) — in "full" mode, what S would send once the
 *     recipient acks: the relay confirms its outgoing ticket and carries the receipt back to the sender.
 * Baseline packets (sent by the generator straight here) carry a marker instead of a known challenge and
 * are only timed. Controlled over IPC by bench/relay.ts.
 */
import { readFileSync } from "node:fs";
import { privateKeyFromProtobuf } from "@libp2p/crypto/keys";
import type { Stream } from "@libp2p/interface";
import { LINK_PROTOCOL } from "#net";
import { createHost } from "#net/node";
import { BASELINE_MARK, FRAME_TYPE_ACK, FRAME_TYPE_PACKET, FRAME_TYPE_RECEIPT, FRAME_TYPE_REVEAL, FRAME_TYPE_VOUCHER, FRAME_VERSION, PACKET_CHALLENGE_OFFSET, RawBatchReader, TABLE_ENTRY, nowUs } from "./wire.ts";
import { countGarbageCollections } from "./gcTally.ts";

const MARK = BASELINE_MARK.toString("latin1");


const [keysFile, listen, mode, lingerArg] = process.argv.slice(2) as [string, string, "ack" | "full", string | undefined];
const lingerMs = Number(lingerArg ?? "0");
const gc = countGarbageCollections();
const keyJson = JSON.parse(readFileSync(keysFile, "utf8")) as { libp2pPrivateKey: string };
const host = await createHost({ privateKey: privateKeyFromProtobuf(Buffer.from(keyJson.libp2pPrivateKey, "base64")), listen: [listen] });

/** challenge (latin1 string) → packet index; secrets by index. */
const byChallenge = new Map<string, number>();
let secrets = Buffer.alloc(0);
let recvAt = new Float64Array(0);
let baselineAt = new Float64Array(0);
const counts = { packets: 0, unknown: 0, duplicate: 0, baseline: 0, vouchers: 0, other: 0, chunks: 0, stalls: 0 };

function load(file: string, base: number, total: number): void {
  const table = readFileSync(file);
  const n = table.length / TABLE_ENTRY;
  if (secrets.length < total * TABLE_ENTRY) {
    const grown = Buffer.alloc(total * TABLE_ENTRY);
    secrets.copy(grown);
    secrets = grown;
    const times = new Float64Array(total);
    times.set(recvAt);
    recvAt = times;
  }
  for (let k = 0; k < n; k++) {
    byChallenge.set(table.toString("latin1", k * TABLE_ENTRY, k * TABLE_ENTRY + 32), base + k);
    table.copy(secrets, (base + k) * TABLE_ENTRY, k * TABLE_ENTRY, (k + 1) * TABLE_ENTRY);
  }
}

function serve(stream: Stream): void {
  let queue: Buffer[] = [];
  let draining = false;
  const flush = () => {
    while (queue.length > 0 && !draining) {
      const out = queue.shift()!;
      if (!stream.send(out)) {
        draining = true;
        counts.stalls++;
        stream.onDrain().then(() => {
          draining = false;
          flush();
        }, () => undefined);
      }
    }
  };
  const reader = new RawBatchReader((type, buf, off) => {
    if (type === FRAME_TYPE_VOUCHER) return void counts.vouchers++;
    if (type !== FRAME_TYPE_PACKET) return void counts.other++;
    pending.push(buf.toString("latin1", off + PACKET_CHALLENGE_OFFSET, off + PACKET_CHALLENGE_OFFSET + 32));
  });
  let pending: string[] = [];
  stream.addEventListener("message", (event) => {
    const t = nowUs();
    counts.chunks++;
    const data = event.data as Uint8Array | { subarray(): Uint8Array };
    reader.push(data instanceof Uint8Array ? data : data.subarray());
    const keys = pending;
    pending = [];
    // Answer the chunk's packets in one batch (≤ 3 frames each, well under 1024 frames / 256 KiB).
    const frames: Buffer[] = [];
    for (const key of keys) {
      if (key.startsWith(MARK)) {
        const index = Buffer.from(key, "latin1").readUInt32BE(16);
        if (index < baselineAt.length && baselineAt[index] === 0) baselineAt[index] = t;
        counts.baseline++;
        continue;
      }
      const index = byChallenge.get(key);
      if (index === undefined) {
        counts.unknown++;
        continue;
      }
      if (recvAt[index] !== 0) counts.duplicate++;
      else recvAt[index] = t;
      counts.packets++;
      const e = index * TABLE_ENTRY;
      const ack = Buffer.allocUnsafe(34);
      ack[0] = FRAME_VERSION;
      ack[1] = FRAME_TYPE_ACK;
      secrets.copy(ack, 2, e + 32, e + 64);
      frames.push(ack);
      if (mode === "full") {
        const reveal = Buffer.allocUnsafe(34);
        reveal[0] = FRAME_VERSION;
        reveal[1] = FRAME_TYPE_REVEAL;
        secrets.copy(reveal, 2, e + 64, e + 96);
        const receipt = Buffer.allocUnsafe(66);
        receipt[0] = FRAME_VERSION;
        receipt[1] = FRAME_TYPE_RECEIPT;
        secrets.copy(receipt, 2, e + 32, e + 64);
        secrets.copy(receipt, 34, e + 64, e + 96);
        frames.push(reveal, receipt);
      }
    }
    held.push(...frames);
    if (lingerMs > 0) lingerTimer ??= setTimeout(answer, lingerMs);
    else answer();
  });
  /** Answers not sent yet (a relay's feedback lingers; see the header). */
  let held: Buffer[] = [];
  let lingerTimer: NodeJS.Timeout | undefined;
  const answer = () => {
    lingerTimer = undefined;
    const frames = held;
    held = [];
    for (let i = 0; i < frames.length; i += 1000) {
      const part = frames.slice(i, i + 1000);
      const header = Buffer.allocUnsafe(2);
      header.writeUInt16BE(part.length, 0);
      queue.push(Buffer.concat([header, ...part]));
    }
    flush();
  };
}

await host.handle(LINK_PROTOCOL, (stream) => serve(stream), { maxInboundStreams: 64 });

process.on("message", (message: { cmd: string; [k: string]: unknown }) => {
  switch (message.cmd) {
    case "load":
      load(message.file as string, message.base as number, message.total as number);
      process.send!({ reply: "load", entries: byChallenge.size });
      return;
    case "baseline":
      baselineAt = new Float64Array(message.count as number);
      process.send!({ reply: "baseline" });
      return;
    case "times": {
      const { from, to, baseline } = message as unknown as { from: number; to: number; baseline?: boolean };
      const src = baseline ? baselineAt : recvAt;
      process.send!({ reply: "times", times: Array.from(src.subarray(from, to)) });
      return;
    }
    case "stats":
      process.send!({ reply: "stats", counts, cpu: process.cpuUsage(), rss: process.memoryUsage().rss, gc });
      return;
    case "stop":
      void Promise.resolve(host.stop()).finally(() => process.exit(0));
      return;
  }
});
// The benchmark went away (crashed or was interrupted): do not linger.
process.on("disconnect", () => process.exit(0));
process.send!({ reply: "ready", addrs: host.getMultiaddrs().map(String) });
