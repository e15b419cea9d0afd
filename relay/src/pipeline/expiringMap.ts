import { SlotMap } from "../util/slotMap.ts";

/**
 * A Map whose entries expire after a TTL and whose size is capped (oldest evicted first), for state that
 * must not grow without bound under attack: circuits awaiting acks or receipts, in-memory replay tags.
 * Insertion order is expiry order because every entry gets the same TTL.
 */
export class ExpiringMap<K extends string | number, V> {
  /** Entries come and go with packets: a SlotMap, so that deleted ones are not kept alive (see there). */
  readonly #entries = new SlotMap<K, { value: V; expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #maxSize: number;
  readonly #onExpire: ((key: K, value: V) => void) | undefined;

  constructor(options: { ttlMs: number; maxSize: number; onExpire?: (key: K, value: V) => void }) {
    this.#ttlMs = options.ttlMs;
    this.#maxSize = options.maxSize;
    this.#onExpire = options.onExpire;
  }

  get size(): number {
    return this.#entries.size;
  }

  set(key: K, value: V, now: number): void {
    // Moved to the end: insertion order stays expiry order.
    this.#entries.setLast(key, { value, expiresAt: now + this.#ttlMs });
    while (this.#entries.size > this.#maxSize) {
      const [oldest, entry] = this.#entries.shift()!;
      this.#onExpire?.(oldest, entry.value);
    }
  }

  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      this.#onExpire?.(key, entry.value);
      return undefined;
    }
    return entry.value;
  }

  has(key: K, now: number): boolean {
    return this.get(key, now) !== undefined;
  }

  delete(key: K): V | undefined {
    return this.#entries.take(key)?.value;
  }

  /** Drops every expired entry (call periodically); returns how many expired. */
  sweep(now: number): number {
    let expired = 0;
    for (let oldest = this.#entries.first(); oldest !== undefined && oldest[1].expiresAt <= now; oldest = this.#entries.first()) {
      this.#entries.shift();
      this.#onExpire?.(oldest[0], oldest[1].value);
      expired++;
    }
    return expired;
  }

  /** Live and not yet swept entries, oldest first (a snapshot: safe to change the map while iterating). */
  entries(): [K, V][] {
    return [...this.#entries].map(([k, e]) => [k, e.value]);
  }

  values(): IterableIterator<V> {
    return [...this.#entries.values()].map((e) => e.value)[Symbol.iterator]();
  }
}
