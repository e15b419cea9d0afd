/** Sizes up to this many bytes are cut from the shared slab; larger ones get a buffer of their own. */
const MAX_SLICE_BYTES = 8 * 1024;
const SLAB_BYTES = 32 * 1024;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

/**
 * `n` uninitialised bytes, for output that the caller overwrites in full (Noise's ciphertexts).
 *
 * Why not `Buffer.allocUnsafe`: every ArrayBuffer is one more entry that V8's scavenges sweep, inside their
 * pause when the sweeping thread has no core (bench/results/relay-profile.md, "Counting the ArrayBuffers"),
 * and Node's pool holds 8 KiB: one new ArrayBuffer per five link messages. A 32-KiB slab holds ~20. A slice
 * keeps its whole slab alive, so this is only for short-lived output: a link message lives until the socket
 * has written it, or until the stream above Noise has decoded it.
 */
export function takeBytes(n: number): Buffer {
  if (n > MAX_SLICE_BYTES) return Buffer.allocUnsafeSlow(n);
  if (used + n > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const slice = slab.subarray(used, used + n);
  used = (used + n + 7) & ~7;
  return slice;
}
