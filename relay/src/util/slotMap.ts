/**
 * A Map for entries that come and go all the time (one per packet), whose deleted values V8 cannot keep alive.
 *
 * Why not a Map: when entries keep being added and deleted, V8 rebuilds a Map's hash table every few dozen
 * insertions, and the table it replaces keeps a pointer to the new one and still holds the entries it had
 * (so that live iterators can follow). A table that has been through a major GC is in the old generation,
 * where a dead one is freed only by the next major GC; until then it keeps its successor alive, which keeps
 * the next one alive, and so on. Every value the Map held meanwhile, with all it references, then outlives
 * two scavenges and is promoted. In the relay that was ~2 KB per packet (a pending crypto request's promise
 * and the packet's async context): 2.4 MB promoted per scavenge, scavenges of 5–10 ms instead of 1–3, and a
 * latency tail twice as long in the runs where it happened (bench/results/relay-profile.md).
 *
 * Here the hash table maps each key to a slot number, and the values live in an array whose slot is cleared
 * on delete: a dead table holds keys and small integers only. Iteration is in insertion order, like a Map's.
 */
export class SlotMap<K, V> implements Iterable<[K, V]> {
  readonly #slots = new Map<K, number>();
  readonly #values: (V | undefined)[] = [];
  readonly #free: number[] = [];

  get size(): number {
    return this.#slots.size;
  }

  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  has(key: K): boolean {
    return this.#slots.has(key);
  }

  /** Like Map.set: a new key goes last in iteration order; an existing one keeps its place. */
  set(key: K, value: V): this {
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#values[slot] = value;
      return this;
    }
    const free = this.#free.pop() ?? this.#values.length;
    this.#values[free] = value;
    this.#slots.set(key, free);
    return this;
  }

  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#values[slot] = undefined;
    this.#free.push(slot);
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#values.length = 0;
    this.#free.length = 0;
  }

  keys(): IterableIterator<K> {
    return this.#slots.keys();
  }

  *values(): IterableIterator<V> {
    for (const slot of this.#slots.values()) yield this.#values[slot] as V;
  }

  /** Oldest first; deleting the current entry while iterating is safe, as with a Map. */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, slot] of this.#slots) yield [key, this.#values[slot] as V];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}
