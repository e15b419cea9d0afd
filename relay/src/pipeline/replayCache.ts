import type { Store } from "../store/store.ts";
import { ExpiringMap } from "./expiringMap.ts";

/**
 * Replay protection for packets: a per-packet tag derived from the shared secret (DESIGN.md §2). Recent
 * tags (including ones whose write is not committed yet) are in memory; every tag is also in the store,
 * which answers for older ones and survives restarts.
 */
export class ReplayCache {
  readonly #store: Store;
  readonly #recent: ExpiringMap<string, true>;
  readonly #retentionMs: number;

  constructor(store: Store, options: { retentionMs: number; memoryEntries?: number }) {
    this.#store = store;
    this.#retentionMs = options.retentionMs;
    // Memory only has to cover tags whose write is not committed yet (milliseconds) and spare the store a
    // lookup for very recent replays; the store answers for everything older. A minute keeps memory at
    // one minute of traffic per relay instead of ten.
    this.#recent = new ExpiringMap({ ttlMs: Math.min(options.retentionMs, 60_000), maxSize: options.memoryEntries ?? 1_000_000 });
  }

  /** True if the tag was seen before; otherwise records it (in memory now) and returns its write. */
  check(tag: Uint8Array, now: number): { replay: true } | { replay: false; write: () => void } {
    const key = Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength).toString("base64");
    if (this.#recent.has(key, now) || this.#store.hasReplayTag(tag)) return { replay: true };
    this.#recent.set(key, true, now);
    const expiresAt = now + this.#retentionMs;
    return { replay: false, write: () => this.#store.addReplayTag(tag, expiresAt) };
  }

  /** Deletes tags past retention (the onion keys they were valid for are retired by then). */
  prune(now: number): number {
    this.#recent.sweep(now);
    return this.#store.pruneReplayTags(now);
  }
}
