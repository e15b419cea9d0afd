import type { ConnectionEncrypter } from "@libp2p/interface";

/** `secureInbound` and `secureOutbound` have the same shape. */
export type Secure<Extension> = ConnectionEncrypter<Extension>["secureInbound"];

/**
 * Wraps an encrypter factory (Noise) so that both of its `secure…` methods go through `wrap`: the changes to
 * Noise's connections in this folder (batchedWrites.ts, quietNoiseDecoder.ts) hook in there.
 */
export function wrapEncrypter<Components, Extension>(
  factory: (components: Components) => ConnectionEncrypter<Extension>,
  wrap: (secure: Secure<Extension>) => Secure<Extension>,
): (components: Components) => ConnectionEncrypter<Extension> {
  return (components) => {
    const encrypter = factory(components);
    encrypter.secureInbound = wrap(encrypter.secureInbound.bind(encrypter));
    encrypter.secureOutbound = wrap(encrypter.secureOutbound.bind(encrypter));
    return encrypter;
  };
}
