import type { Store } from "../store/store.ts";
import { toHex } from "../util/hex.ts";
import { ExpiringMap } from "./expiringMap.ts";
import { TagFilter } from "./tagFilter.ts";

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
 * Tags already stored are looked up in the store only if a Bloom filter of them (`TagFilter`, ~1.25 bytes
 * per tag) may hold the tag: a new tag costs no database read. The filter is filled from the store after a
 * start, a page per turn of the event loop (~1 µs per tag: seconds for millions), so that the relay serves at
 * once; until it is full, every tag is looked up in the store.
 */
export class ReplayCache {
  readonly #store: Store;
  /** Tags of packets checked and not yet released; the TTL only bounds a packet that was never released. */
  readonly #inFlight: ExpiringMap<string, true>;
  /** Every tag in the store, and every tag written since (possibly not committed: that only costs a lookup). */
  readonly #stored: TagFilter;

  /** Whether the filter holds every stored tag yet (see `load`). */
  #loaded = false;
  readonly #onOverflow: (() => void) | undefined;

  /** `onOverflow`: called once if the filter outgrows its memory bound (`TagFilter`). */
  constructor(store: Store, options: { filter?: TagFilter; onOverflow?: () => void } = {}) {
    this.#store = store;
    this.#inFlight = new ExpiringMap({ ttlMs: 600_000, maxSize: MAX_IN_FLIGHT });
    this.#stored = options.filter ?? new TagFilter();
    this.#onOverflow = options.onOverflow;
  }

  #remember(tag: Uint8Array): void {
    if (this.#stored.overflowed) return;
    this.#stored.add(tag);
    if (this.#stored.overflowed) this.#onOverflow?.();
  }

  /**
   * Reads the stored tags into the filter, `pageSize` per turn of the event loop; resolves when they are all
   * in, with how many there were. Tags written meanwhile go into the filter as they are written.
   */
  async load(options: { pageSize?: number } = {}): Promise<number> {
    const pageSize = options.pageSize ?? 2_000;
    let after: Uint8Array = new Uint8Array(0);
    let count = 0;
    for (;;) {
      const page = this.#store.replayTagsAfter(after, pageSize);
      for (const tag of page) this.#remember(tag);
      count += page.length;
      if (page.length < pageSize) break;
      after = page.at(-1)!;
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#loaded = true;
    return count;
  }

  /**
   * True if the tag was seen before. Otherwise the tag is in flight until `release()`, which the caller
   * calls once the packet was handled (its `write` committed, or the packet refused).
   */
  check(tag: Uint8Array, now: number): { replay: true } | { replay: false; write: () => void; release: () => void } {
    const key = toHex(tag);
    if (this.#inFlight.has(key, now) || ((!this.#loaded || this.#stored.mightContain(tag)) && this.#store.hasReplayTag(tag))) return { replay: true };
    this.#inFlight.set(key, true, now);
    const write = () => {
      this.#store.addReplayTag(tag);
      this.#remember(tag);
    };
    return { replay: false, write, release: () => void this.#inFlight.delete(key) };
  }

  /**
   * The filter of stored tags: how many it holds, its memory, whether it holds every stored tag yet, and
   * whether it overflowed its memory bound (every tag is then looked up in the store).
   */
  get stored(): { tags: number; filterBytes: number; loaded: boolean; overflowed: boolean } {
    return { tags: this.#stored.size, filterBytes: this.#stored.bytes, loaded: this.#loaded, overflowed: this.#stored.overflowed };
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
