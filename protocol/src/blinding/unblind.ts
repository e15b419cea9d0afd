import type { CryptoBackend } from "../crypto/backend.ts";
import { KEY_LABEL_BLINDED_NODE_ID, KEY_LABEL_RHO } from "../constants.ts";
import { InvalidParameterError, InvalidPublicKeyError, asProtocolError } from "../errors.ts";
import { hasCompressedPointShape } from "../crypto/scalars.ts";
import { deriveKey, ZERO_NONCE } from "../onion/keys.ts";
import { concatBytes } from "../utils/bytes.ts";
import { type EncryptedDataTlv, decodeEncryptedDataTlv } from "./encryptedDataTlv.ts";

/** `E_{i+1} = SHA256(E_i ‖ ss_i) · E_i` (BOLT 4 "Route Blinding"). One point multiplication. */
export function deriveNextPathKey(backend: CryptoBackend, pathKey: Uint8Array, pathKeySharedSecret: Uint8Array): Uint8Array {
  return backend.publicKeyMul(pathKey, backend.sha256(concatBytes(pathKey, pathKeySharedSecret)));
}

/** The hop's blinded private key `k · HMAC256("blinded_node_id", ss)` (its key for the blinded node id). */
export function deriveBlindedPrivateKey(backend: CryptoBackend, privateKey: Uint8Array, pathKeySharedSecret: Uint8Array): Uint8Array {
  return backend.privateKeyMul(privateKey, deriveKey(backend, KEY_LABEL_BLINDED_NODE_ID, pathKeySharedSecret));
}

export type DecryptRecipientDataParameters = {
  encryptedRecipientData: Uint8Array;
  /** The path key received with the onion (E_i). */
  pathKey: Uint8Array;
  /** `ECDH(E_i, k)`; computed from `privateKey` when omitted (`peelOnionPacket` returns it). */
  pathKeySharedSecret?: Uint8Array | undefined;
  privateKey?: Uint8Array | undefined;
  /** Skip the next path key (a final hop has no next hop): saves a point multiplication. Default true. */
  computeNextPathKey?: boolean | undefined;
};

export type DecryptRecipientDataReturnType = {
  /** The decrypted `encrypted_data_tlv` bytes. */
  plaintext: Uint8Array;
  data: EncryptedDataTlv;
  /** The path key to hand to the next hop: `next_path_key_override` if present, else derived (undefined if not asked for). */
  nextPathKey: Uint8Array | undefined;
};

/**
 * Reader side of route blinding: decrypts `encrypted_recipient_data` with `rho = HMAC256("rho", ss)`
 * (ChaCha20-Poly1305, zero nonce), decodes the `encrypted_data_tlv` (unknown even types rejected) and
 * computes the next path key. Throws `DecryptionFailedError` if the data is not for this hop.
 */
export function decryptRecipientData(backend: CryptoBackend, parameters: DecryptRecipientDataParameters): DecryptRecipientDataReturnType {
  try {
    const { encryptedRecipientData, pathKey } = parameters;
    if (!hasCompressedPointShape(pathKey)) throw new InvalidPublicKeyError({ what: "path key" });
    let ss = parameters.pathKeySharedSecret;
    if (!ss) {
      if (!parameters.privateKey) throw new InvalidParameterError({ parameter: "privateKey", reason: "needed when pathKeySharedSecret is not given" });
      ss = backend.ecdh(pathKey, parameters.privateKey);
    }
    const rho = deriveKey(backend, KEY_LABEL_RHO, ss);
    const plaintext = backend.chacha20Poly1305Open(rho, ZERO_NONCE, encryptedRecipientData);
    const data = decodeEncryptedDataTlv(plaintext);
    const nextPathKey =
      data.nextPathKeyOverride ?? (parameters.computeNextPathKey === false ? undefined : deriveNextPathKey(backend, pathKey, ss));
    return { plaintext, data, nextPathKey };
  } catch (error) {
    throw asProtocolError(error, "decryptRecipientData");
  }
}
