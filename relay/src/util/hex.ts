import { toHex as hexOf } from "#protocol";

/**
 * Lower-case 0x-hex of bytes (the relay's hot path uses it for map keys). Not through a Buffer over
 * `bytes.buffer`: for a small Uint8Array (≤ 64 bytes, which V8 keeps inside its object) asking for `.buffer`
 * moves the bytes into an ArrayBuffer of their own, which the next scavenge must sweep.
 */
export function toHex(bytes: Uint8Array): `0x${string}` {
  return hexOf(bytes, true) as `0x${string}`;
}

/**
 * Bytes of a 0x-hex string: a Buffer (a Uint8Array) from Node's pool, with no copy, and so no ArrayBuffer of
 * its own: the relay converts a few keys per packet for the store, and each ArrayBuffer costs the GC.
 */
export function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
}
