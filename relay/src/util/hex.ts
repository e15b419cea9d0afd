/** Lower-case 0x-hex of bytes (Node's Buffer: the relay's hot path uses it for map keys). */
export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

/**
 * Bytes of a 0x-hex string: a Buffer (a Uint8Array) from Node's pool, with no copy, and so no ArrayBuffer of
 * its own: the relay converts a few keys per packet for the store, and each ArrayBuffer costs the GC.
 */
export function fromHex(hex: string): Uint8Array {
  return Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
}
