import type { CryptoBackend } from "../crypto/backend.ts";
import { KEY_LABEL_RHO } from "../constants.ts";
import { deriveKey, generateCipherStream } from "./keys.ts";

/**
 * BOLT 4 "Filler Generation" for variable-size hops. `shiftSizes[i]` is hop i's
 * `bigsize(len) + len + 32`. Only the first n-1 hops contribute: each one appends `shift_i` zero bytes
 * and XORs the filler with the tail of its rho stream of length `routingInfoSize + shift_i`.
 */
export function generateFiller(
  backend: CryptoBackend,
  sharedSecrets: readonly Uint8Array[],
  shiftSizes: readonly number[],
  routingInfoSize: number,
): Uint8Array {
  const streams: Uint8Array[] = [];
  for (let i = 0; i < sharedSecrets.length - 1; i++) {
    const rho = deriveKey(backend, KEY_LABEL_RHO, sharedSecrets[i]!);
    streams.push(generateCipherStream(backend, rho, routingInfoSize + shiftSizes[i]!));
  }
  return fillerFromStreams(streams, shiftSizes);
}

/**
 * The filler from the rho streams of hops 0 … n-2, each `routingInfoSize + shift_i` bytes long (packet
 * construction reuses their first `routingInfoSize` bytes to encrypt its layers).
 */
export function fillerFromStreams(streams: readonly Uint8Array[], shiftSizes: readonly number[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < streams.length; i++) total += shiftSizes[i]!;
  const filler = new Uint8Array(total);
  let length = 0;
  for (let i = 0; i < streams.length; i++) {
    length += shiftSizes[i]!;
    const stream = streams[i]!;
    const offset = stream.length - length;
    for (let j = 0; j < length; j++) filler[j]! ^= stream[offset + j]!;
  }
  return filler;
}
