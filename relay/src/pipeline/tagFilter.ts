/** Bits per tag and hash positions per tag: a false-positive rate of ~0.8 % per layer. */
const BITS_PER_TAG = 10;
const HASHES = 7;
/** The first layer's capacity (1.25 MB of bits); each new layer holds twice as many as the one before. */
const INITIAL_CAPACITY = 1 << 20;
/** Memory the layers may take by default (~200 million tags): beyond it the filter gives up (see `overflowed`). */
export const TAG_FILTER_MAX_BYTES = 256 * 2 ** 20;

interface Layer {
  bits: Uint32Array;
  /** Number of bits (a multiple of 32). */
  size: number;
  capacity: number;
  count: number;
}

/**
 * A Bloom filter of replay tags that grows with them (a series of layers, each twice the last), so that a new
 * packet's tag, nearly every packet's, is known to be new without a database read. The table of tags grows
 * for as long as the onion key is in use (protocol.md §8); once it outgrows SQLite's page cache, each lookup
 * of a random key is a read from the file on the event loop. With the filter, the store is read only for a
 * tag the filter may hold: a replay, or a false positive (under 1 % per layer).
 *
 * Tags are PRF outputs (uniform bytes), so the hash positions come from the tag itself (double hashing on
 * its first two 32-bit words). A sender can grind its own packets' tags towards set bits, which only costs it
 * the store lookup every packet paid before. The filter never forgets: a tag it was given is always reported
 * as possibly present. Its memory is bounded: a tag that would need a layer beyond `maxBytes` makes the
 * filter overflow, drop its layers and report every tag as possibly present from then on (every tag is
 * looked up in the store, as without a filter).
 */
export class TagFilter {
  #layers: Layer[] = [];
  readonly #initialCapacity: number;
  readonly #maxBytes: number;
  #overflowed = false;
  /** Tags added before the filter overflowed (its layers, and their counts, are gone after). */
  #added = 0;

  constructor(options: { initialCapacity?: number; maxBytes?: number } = {}) {
    this.#initialCapacity = Math.max(32, options.initialCapacity ?? INITIAL_CAPACITY);
    this.#maxBytes = options.maxBytes ?? TAG_FILTER_MAX_BYTES;
  }

  /** Whether the tags outgrew `maxBytes`: the filter then holds nothing and answers "possibly" to every tag. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Tags added (until it overflowed). */
  get size(): number {
    return this.#added;
  }

  /** Memory held by the bits. */
  get bytes(): number {
    return this.#layers.reduce((sum, layer) => sum + layer.bits.byteLength, 0);
  }

  add(tag: Uint8Array): void {
    if (this.#overflowed) return;
    let layer = this.#layers.at(-1);
    if (!layer || layer.count >= layer.capacity) {
      const capacity = layer ? layer.capacity * 2 : this.#initialCapacity;
      const size = Math.ceil((capacity * BITS_PER_TAG) / 32) * 32;
      if (this.bytes + size / 8 > this.#maxBytes) {
        this.#overflowed = true;
        this.#layers = [];
        return;
      }
      layer = { bits: new Uint32Array(size / 32), size, capacity, count: 0 };
      this.#layers.push(layer);
    }
    const [h1, h2] = words(tag);
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + i * h2) % layer.size;
      layer.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    layer.count++;
    this.#added++;
  }

  /** False only if the tag was never added (and the filter has not overflowed). */
  mightContain(tag: Uint8Array): boolean {
    if (this.#overflowed) return true;
    const [h1, h2] = words(tag);
    next: for (const layer of this.#layers) {
      for (let i = 0; i < HASHES; i++) {
        const bit = (h1 + i * h2) % layer.size;
        if ((layer.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) continue next;
      }
      return true;
    }
    return false;
  }
}

/** Two 32-bit words of the tag; the second is odd, so that the positions of one tag differ from each other. */
function words(tag: Uint8Array): [number, number] {
  if (tag.length < 8) throw new RangeError(`a replay tag has at least 8 bytes, got ${tag.length}`);
  const h1 = ((tag[0]! << 24) | (tag[1]! << 16) | (tag[2]! << 8) | tag[3]!) >>> 0;
  const h2 = (((tag[4]! << 24) | (tag[5]! << 16) | (tag[6]! << 8) | tag[7]!) | 1) >>> 0;
  return [h1, h2];
}
