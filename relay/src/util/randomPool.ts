import { randomFillSync } from "node:crypto";

/**
 * Random bytes from the OS CSPRNG, drawn `poolBytes` at a time: one `randomFillSync` per nonce cost ~10 µs,
 * about as much as the rest of a presignature. Every byte is handed out once and then zeroed in the pool, so a
 * secret nonce is not left in memory after use. A request larger than the pool is drawn on its own.
 */
export function createRandomPool(poolBytes: number): (length: number) => Uint8Array {
  const pool = new Uint8Array(poolBytes);
  let offset = pool.length;
  return (length) => {
    if (length > pool.length) return randomFillSync(new Uint8Array(length));
    if (offset + length > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const out = pool.slice(offset, offset + length);
    pool.fill(0, offset, offset + length);
    offset += length;
    return out;
  };
}
