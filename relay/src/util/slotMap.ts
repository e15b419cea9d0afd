/**
 * A Map for entries that come and go all the time (one per packet), which keeps nothing of a deleted entry alive.
 *
 * Why not a Map: when entries keep being added and deleted, V8 rebuilds a Map's hash table every few dozen
 * insertions, and the table it replaces keeps a pointer to the new one and still holds the entries it had
 * (so that live iterators can follow). A table that has been through a major GC is in the old generation,
 * where a dead one is freed only by the next major GC; until then it keeps its successor alive, which keeps
 * the next one alive, and so on. Every key and value the Map held meanwhile, with all they reference, then
 * outlives two scavenges and is promoted. In the relay that was ~2 KB per packet with a Map (a pending crypto
 * request's promise and the packet's async context): 2.4 MB promoted per scavenge, scavenges of 5–10 ms instead
 * of 1–3 (bench/results/relay-profile.md). With values in slots but string keys still in the Map's table, the
 * hex keys of the relay's per-packet maps were promoted the same way: a stand-alone test promoted 100–300 KB
 * per scavenge with 66-character keys and none with small-integer ones.
 *
 * So there is no Map here. Keys and values live in arrays whose slot is cleared on delete, and a hash table of
 * its own finds them: a typed array of buckets (the first slot of each chain) and chains linked through the
 * slots, rebuilt only when the map doubles. Adding and deleting allocate nothing once the arrays have grown. The
 * hash is seeded per process, so keys chosen by a peer cannot be made to share a chain. Iteration is in
 * insertion order, like a Map's, through a list linked by slot numbers. Deleting entries while iterating is
 * safe; adding one while iterating may end that iteration early or revisit entries (no caller does).
 */
export class SlotMap<K extends string | number, V> implements Iterable<[K, V]> {
  /** Bucket (hash & (length − 1)) → the first slot of its chain, or -1. */
  #buckets = new Int32Array(MIN_BUCKETS).fill(-1);
  readonly #keys: (K | undefined)[] = [];
  readonly #values: (V | undefined)[] = [];
  readonly #hashes: number[] = [];
  /** The next slot in the same bucket, or -1. */
  readonly #sameHash: number[] = [];
  /** Insertion order: the next and previous live slots, or -1. A deleted slot keeps its `#next` until reused. */
  readonly #next: number[] = [];
  readonly #prev: number[] = [];
  readonly #free: number[] = [];
  #head = -1;
  #tail = -1;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: K): V | undefined {
    const slot = this.#find(key);
    return slot < 0 ? undefined : this.#values[slot];
  }

  has(key: K): boolean {
    return this.#find(key) >= 0;
  }

  /** Like Map.set: a new key goes last in iteration order; an existing one keeps its place. */
  set(key: K, value: V): this {
    const hash = hashOf(key);
    const found = this.#find(key, hash);
    if (found >= 0) {
      this.#values[found] = value;
      return this;
    }
    this.#insert(key, value, hash);
    return this;
  }

  /** Like `set`, but an existing key moves to the end of the iteration order: `delete` then `set`, hashing the key once. */
  setLast(key: K, value: V): this {
    const hash = hashOf(key);
    this.#remove(key, hash);
    this.#insert(key, value, hash);
    return this;
  }

  delete(key: K): boolean {
    return this.#remove(key, hashOf(key)) !== ABSENT;
  }

  /** Deletes the key and returns its value (undefined if it was not there): `get` then `delete`, hashing the key once. */
  take(key: K): V | undefined {
    const value = this.#remove(key, hashOf(key));
    return value === ABSENT ? undefined : value;
  }

  /** The oldest entry (first in iteration order), or undefined if the map is empty. */
  first(): [K, V] | undefined {
    const slot = this.#head;
    return slot < 0 ? undefined : [this.#keys[slot] as K, this.#values[slot] as V];
  }

  /** Deletes the oldest entry and returns it (undefined if empty), with the hash stored for it: the key is not hashed again. */
  shift(): [K, V] | undefined {
    const slot = this.#head;
    if (slot < 0) return undefined;
    const key = this.#keys[slot] as K;
    return [key, this.#remove(key, this.#hashes[slot]!) as V];
  }

  #insert(key: K, value: V, hash: number): void {
    const slot = this.#free.pop() ?? this.#keys.length;
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#hashes[slot] = hash;
    const bucket = hash & (this.#buckets.length - 1);
    this.#sameHash[slot] = this.#buckets[bucket]!;
    this.#buckets[bucket] = slot;
    this.#prev[slot] = this.#tail;
    this.#next[slot] = -1;
    if (this.#tail >= 0) this.#next[this.#tail] = slot;
    else this.#head = slot;
    this.#tail = slot;
    if (++this.#size > this.#buckets.length) this.#rehash(this.#buckets.length * 2);
  }

  /** Unlinks the key's slot from its chain and from the order list; returns the value it held, or ABSENT. */
  #remove(key: K, hash: number): V | typeof ABSENT {
    const bucket = hash & (this.#buckets.length - 1);
    let before = -1;
    let slot = this.#buckets[bucket]!;
    while (slot >= 0 && this.#keys[slot] !== key) {
      before = slot;
      slot = this.#sameHash[slot]!;
    }
    if (slot < 0) return ABSENT;
    const after = this.#sameHash[slot]!;
    if (before >= 0) this.#sameHash[before] = after;
    else this.#buckets[bucket] = after;

    const prev = this.#prev[slot]!;
    const next = this.#next[slot]!;
    if (prev >= 0) this.#next[prev] = next;
    else this.#head = next;
    if (next >= 0) this.#prev[next] = prev;
    else this.#tail = prev;

    const value = this.#values[slot] as V;
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
    return value;
  }

  clear(): void {
    this.#buckets = new Int32Array(MIN_BUCKETS).fill(-1);
    for (const list of [this.#keys, this.#values, this.#hashes, this.#sameHash, this.#next, this.#prev, this.#free]) list.length = 0;
    this.#head = this.#tail = -1;
    this.#size = 0;
  }

  *keys(): IterableIterator<K> {
    for (const slot of this.#slots()) yield this.#keys[slot] as K;
  }

  *values(): IterableIterator<V> {
    for (const slot of this.#slots()) yield this.#values[slot] as V;
  }

  /** Oldest first; deleting entries while iterating is safe, as with a Map. */
  *entries(): IterableIterator<[K, V]> {
    for (const slot of this.#slots()) yield [this.#keys[slot] as K, this.#values[slot] as V];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** Live slots in insertion order. A slot deleted meanwhile still leads on to the slot after it. */
  *#slots(): Generator<number> {
    let slot = this.#head;
    while (slot >= 0) {
      // A deleted slot has no key (keys are strings or numbers, never undefined).
      if (this.#keys[slot] !== undefined) yield slot;
      slot = this.#next[slot]!;
    }
  }

  /** Relinks every live slot into `length` buckets (a power of two). */
  #rehash(length: number): void {
    this.#buckets = new Int32Array(length).fill(-1);
    for (let slot = this.#head; slot >= 0; slot = this.#next[slot]!) {
      const bucket = this.#hashes[slot]! & (length - 1);
      this.#sameHash[slot] = this.#buckets[bucket]!;
      this.#buckets[bucket] = slot;
    }
  }

  #find(key: K, hash = hashOf(key)): number {
    let slot = this.#buckets[hash & (this.#buckets.length - 1)]!;
    while (slot >= 0 && this.#keys[slot] !== key) slot = this.#sameHash[slot]!;
    return slot;
  }
}

const MIN_BUCKETS = 64;
/** What `#remove` returns for a key that is not there (a value may itself be undefined). */
const ABSENT: unique symbol = Symbol("absent");
const HASH_SEED = crypto.getRandomValues(new Uint32Array(1))[0]!;

/** A 32-bit hash of the key, seeded per process: a 32-bit integer as it is, anything else FNV-1a over its UTF-16 code units; then murmur3's finaliser. */
function hashOf(key: string | number): number {
  let h: number;
  if (typeof key === "number" && key >>> 0 === key) h = key ^ HASH_SEED;
  else {
    const text = typeof key === "string" ? key : String(key);
    h = HASH_SEED ^ 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
