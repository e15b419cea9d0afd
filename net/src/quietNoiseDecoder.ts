import type { ConnectionEncrypter } from "@libp2p/interface";
import { wrapEncrypter } from "./wrapEncrypter.ts";

/** A Noise message is at most 65,535 bytes: a length that no buffer of fewer than 2 bytes can complete. */
const NO_LENGTH_YET = 0xffff;

/** The part of @libp2p/utils' LengthPrefixedDecoder (Noise's decoder of incoming messages) replaced here. */
interface LengthPrefixedDecoder {
  lengthDecoder(data: { byteLength: number; get(index: number): number }): number;
}

/**
 * Wraps a connection encrypter (Noise) so that reading a chunk from the socket no longer throws and catches
 * an error. Noise's decoder reads 2-byte lengths until it runs out of bytes, and its length decoder
 * (libp2p-noise's `uint16BEDecode`) says so by throwing a RangeError, which the decoder catches to stop:
 * once per chunk read, with a stack trace captured each time (2.7 % of a relay's event loop at 2,350
 * packets/s). This length decoder returns, for fewer than 2 bytes, a length the buffer cannot hold yet,
 * which stops the decoder the same way; the next chunk reads the length again from the start.
 */
export function quietNoiseDecoder<Components, Extension>(
  factory: (components: Components) => ConnectionEncrypter<Extension>,
): (components: Components) => ConnectionEncrypter<Extension> {
  return wrapEncrypter(factory, (secure) => async (connection, options) => {
    const secured = await secure(connection, options);
    quietLengthDecoder((secured.connection as unknown as { decoder?: LengthPrefixedDecoder }).decoder);
    return secured;
  });
}

/** Replaces the decoder's length decoder (a decoder of another shape is left as it is). */
export function quietLengthDecoder(decoder: LengthPrefixedDecoder | undefined): void {
  if (typeof decoder?.lengthDecoder !== "function") return;
  decoder.lengthDecoder = (data) => (data.byteLength < 2 ? NO_LENGTH_YET : (data.get(0) << 8) | data.get(1));
}
