import type { Store } from "../store/store.ts";
import { ExpiringMap } from "./expiringMap.ts";

/** Packets being handled at once are far fewer (the crypto queue, commits, mixing delays); a cap all the same. */
const MAX_IN_FLIGHT = 1_000_000;

/**
 * Replay protection for packets: a per-packet tag derived from the shared secret (DESIGN.md §2). Every
 * accepted packet's tag is written to the store with its ticket, which answers for it from then on, also
 * after a restart, for as long as the onion key is in use (protocol.md §8). Until that write commits, the tag
 * is in memory, so a copy arriving meanwhile is caught.
 *
 * Memory holds only the tags of packets being handled: a tag kept for a minute after its commit would
 * outlive two young-generation collections and be copied into the old one, and at 2,000 packets/s those
 * minutes of tags drove a major collection every couple of seconds (10–15 ms pauses of the event loop).
 */
export class ReplayCache {
  readonly #store: Store;
  /** Tags of packets checked and not yet released; the TTL only bounds a packet that was never released. */
  readonly #inFlight: ExpiringMap<string, true>;

  constructor(store: Store) {
    this.#store = store;
    this.#inFlight = new ExpiringMap({ ttlMs: 600_000, maxSize: MAX_IN_FLIGHT });
  }

  /**
   * True if the tag was seen before. Otherwise the tag is in flight until `release()`, which the caller
   * calls once the packet was handled (its `write` committed, or the packet refused).
   */
  check(tag: Uint8Array, now: number): { replay: true } | { replay: false; write: () => void; release: () => void } {
    const key = Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength).toString("base64");
    if (this.#inFlight.has(key, now) || this.#store.hasReplayTag(tag)) return { replay: true };
    this.#inFlight.set(key, true, now);
    return { replay: false, write: () => this.#store.addReplayTag(tag), release: () => void this.#inFlight.delete(key) };
  }

  /** Tags of packets being handled (memory). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Forgets in-memory tags of packets that were never released (a bound, not a path packets take). */
  sweep(now: number): void {
    this.#inFlight.sweep(now);
  }
}
