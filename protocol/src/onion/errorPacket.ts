import type { CryptoBackend } from "../crypto/backend.ts";
import { HMAC_SIZE, KEY_LABEL_AMMAG, KEY_LABEL_UM } from "../constants.ts";
import { InvalidLengthError, InvalidParameterError } from "../errors.ts";
import { ByteReader, concatBytes, constantTimeEqual, encodeU16, xorInPlace } from "../utils/bytes.ts";
import { deriveKey, generateCipherStream } from "./keys.ts";

/** BOLT 4 "Returning Errors": `failure_len + pad_len` is at least this. */
const MIN_ERROR_BODY = 256;

function obfuscate(backend: CryptoBackend, sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  const out = packet.slice();
  xorInPlace(out, generateCipherStream(backend, deriveKey(backend, KEY_LABEL_AMMAG, sharedSecret), out.length));
  return out;
}

/**
 * The erring node's error packet (BOLT 4 "Returning Errors", without attribution data):
 * `HMAC(um, body) ‖ body`, `body = u16 failure_len ‖ failuremsg ‖ u16 pad_len ‖ pad`, obfuscated with the
 * `ammag` stream. Sotto relays do not return errors (onion-message semantics); this exists for BOLT
 * conformance and tooling.
 */
export function createErrorPacket(backend: CryptoBackend, { sharedSecret, failureMessage }: { sharedSecret: Uint8Array; failureMessage: Uint8Array }): Uint8Array {
  if (failureMessage.length > 0xffff) throw new InvalidParameterError({ parameter: "failureMessage", reason: "longer than 65535 bytes" });
  const padLength = Math.max(0, MIN_ERROR_BODY - failureMessage.length);
  const body = concatBytes(encodeU16(failureMessage.length), failureMessage, encodeU16(padLength), new Uint8Array(padLength));
  const hmac = backend.hmacSha256(deriveKey(backend, KEY_LABEL_UM, sharedSecret), body);
  return obfuscate(backend, sharedSecret, concatBytes(hmac, body));
}

/** What each intermediate node does to an error packet on its way back: XOR with its `ammag` stream. */
export function wrapErrorPacket(backend: CryptoBackend, { sharedSecret, packet }: { sharedSecret: Uint8Array; packet: Uint8Array }): Uint8Array {
  return obfuscate(backend, sharedSecret, packet);
}

export type DecryptErrorPacketReturnType = { hopIndex: number; failureMessage: Uint8Array } | undefined;

/** Origin side: peels the `ammag` layers hop by hop until an `um` HMAC verifies; undefined if none does. */
export function decryptErrorPacket(backend: CryptoBackend, { sharedSecrets, packet }: { sharedSecrets: readonly Uint8Array[]; packet: Uint8Array }): DecryptErrorPacketReturnType {
  if (packet.length < HMAC_SIZE + 4) throw new InvalidLengthError({ what: "error packet", expected: `≥ ${HMAC_SIZE + 4}`, actual: packet.length });
  let current = packet;
  for (let i = 0; i < sharedSecrets.length; i++) {
    current = obfuscate(backend, sharedSecrets[i]!, current);
    const body = current.subarray(HMAC_SIZE);
    const expected = backend.hmacSha256(deriveKey(backend, KEY_LABEL_UM, sharedSecrets[i]!), body);
    if (!constantTimeEqual(expected, current.subarray(0, HMAC_SIZE))) continue;
    try {
      const reader = new ByteReader(body, "error packet");
      const length = reader.u16();
      const failureMessage = reader.copy(length);
      return { hopIndex: i, failureMessage };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
