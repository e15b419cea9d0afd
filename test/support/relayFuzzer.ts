import { multiaddr } from "@multiformats/multiaddr";
import type { Libp2p } from "libp2p";
import { LINK_PROTOCOL } from "#net";
import { createHost } from "#net/node";
import { encodeFrame, frameSize, type Frame } from "#protocol";
import type { LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { metric } from "./rawSender.ts";

/** What a fuzzing run sent, by kind, so the relay's counters can be checked against it. */
export interface FuzzTally {
  /** Packet frames (well delimited) with one or more mutated bytes. */
  mutatedPackets: number;
  /** Well-formed small frames with random content (acks, reveals, receipts, nacks, vouchers, subscribes). */
  randomFrames: number;
  /** Streams fed raw random bytes (break framing; the relay must abort them). */
  garbageStreams: number;
}

/** A deterministic PRNG (xorshift32) so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + Math.floor(random() * 4);
  for (let i = 0; i < flips; i++) {
    // Leave the 2-byte frame header alone so the frame stays delimited; flip with a non-zero mask.
    const at = 2 + Math.floor(random() * (out.length - 2));
    out[at]! ^= 1 + Math.floor(random() * 255);
  }
  return out;
}

const SMALL_TYPES = [0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];

/**
 * Sends random and mutated input to a running relay over real libp2p streams: mutated copies of a valid
 * PACKET frame, well-delimited frames of every other type with random bodies, and streams of raw random
 * bytes. Returns what it sent; the caller compares with the relay's metrics.
 */
export class RelayFuzzer {
  readonly #relay: LocalRelay;
  readonly #random: () => number;
  #host: Libp2p | undefined;
  readonly tally: FuzzTally = { mutatedPackets: 0, randomFrames: 0, garbageStreams: 0 };

  constructor(relay: LocalRelay, seed: number) {
    this.#relay = relay;
    this.#random = prng(seed);
  }

  async #stream() {
    this.#host ??= await createHost({ listen: [] });
    return this.#host.dialProtocol(multiaddr(`${this.#relay.multiaddr}/p2p/${this.#relay.peerId}`), LINK_PROTOCOL);
  }

  /** `count` inputs, in batches on one stream, mixing mutated packets and random small frames. */
  async run(validPacket: Frame, count: number, batchSize = 50): Promise<void> {
    const base = encodeFrame(validPacket);
    const stream = await this.#stream();
    let sent = 0;
    while (sent < count) {
      const parts: Uint8Array[] = [];
      const n = Math.min(batchSize, count - sent);
      for (let i = 0; i < n; i++) {
        if (this.#random() < 0.5) {
          parts.push(mutate(base, this.#random));
          this.tally.mutatedPackets++;
        } else {
          const type = SMALL_TYPES[Math.floor(this.#random() * SMALL_TYPES.length)]!;
          const frame = new Uint8Array(frameSize(type)!);
          frame[0] = 1;
          frame[1] = type;
          for (let j = 2; j < frame.length; j++) frame[j] = Math.floor(this.#random() * 256);
          parts.push(frame);
          this.tally.randomFrames++;
        }
      }
      const body = Buffer.concat(parts);
      const batch = new Uint8Array(2 + body.length);
      batch[0] = n >> 8;
      batch[1] = n & 0xff;
      batch.set(body, 2);
      if (!stream.send(batch)) await stream.onDrain();
      sent += n;
      if (sent % 2_000 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await stream.close().catch(() => undefined);
  }

  /** Opens `count` streams and feeds each raw random bytes (lost framing: the relay must abort them). */
  async garbage(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const stream = await this.#stream();
      const junk = new Uint8Array(64 + Math.floor(this.#random() * 2000));
      for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(this.#random() * 256);
      // Start with a plausible count and a bad version so framing surely breaks.
      junk[0] = 0;
      junk[1] = 1;
      junk[2] = 0x7f;
      stream.send(junk);
      this.tally.garbageStreams++;
      await new Promise((r) => setTimeout(r, 2));
      stream.abort(new Error("fuzzer done"));
    }
  }

  async close(): Promise<void> {
    await this.#host?.stop();
  }
}

/** The relay's own accounting of everything it rejected or processed, from /metrics. */
export async function relayAccounting(relay: LocalRelay) {
  const [packetsIn, framingErrors, frameRejections, ticketRejections, dropped, accepted, acks, reveals, rssBytes, heapUsedBytes] = await Promise.all([
    metric(relay, "sotto_packets_in_total"),
    metric(relay, "sotto_frames_rejected_total", { reason: "framing" }),
    metric(relay, "sotto_frames_rejected_total"),
    metric(relay, "sotto_tickets_rejected_total"),
    metric(relay, "sotto_packets_dropped_total"),
    metric(relay, "sotto_tickets_accepted_total"),
    metric(relay, "sotto_acks_received_total"),
    metric(relay, "sotto_reveals_received_total"),
    metric(relay, "sotto_process_resident_memory_bytes"),
    metric(relay, "sotto_nodejs_heap_size_used_bytes"),
  ]);
  return { packetsIn, framingErrors, frameRejections: frameRejections - framingErrors, ticketRejections, dropped, accepted, acks, reveals, rssBytes, heapUsedBytes };
}
