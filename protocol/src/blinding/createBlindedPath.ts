import type { CryptoBackend } from "../crypto/backend.ts";
import { KEY_LABEL_BLINDED_NODE_ID, KEY_LABEL_RHO } from "../constants.ts";
import { InvalidParameterError, InvalidPrivateKeyError } from "../errors.ts";
import { deriveKey, ZERO_NONCE } from "../onion/keys.ts";
import { concatBytes } from "../utils/bytes.ts";

export type BlindedPathHopInput = {
  /** The hop's real node id (onion public key). */
  nodeId: Uint8Array;
  /** The hop's `encrypted_data_tlv`, already encoded (see `encodeEncryptedDataTlv`). */
  recipientData: Uint8Array;
};

/** One hop of a blinded path as handed to senders. */
export type BlindedHop = {
  blindedNodeId: Uint8Array;
  encryptedRecipientData: Uint8Array;
};

/** BOLT 4 `blinded_path`. */
export type BlindedPath = {
  /** `first_node_id`: the introduction node (33-byte node id; or a 9-byte `sciddir` when decoded from BOLT data). */
  introductionNodeId: Uint8Array;
  /** `first_path_key` (E_0). */
  pathKey: Uint8Array;
  hops: BlindedHop[];
};

export type CreateBlindedPathParameters = {
  /** e_0: a fresh random scalar (injected). */
  sessionKey: Uint8Array;
  hops: readonly BlindedPathHopInput[];
};

export type CreateBlindedPathReturnType = {
  path: BlindedPath;
  /** Per hop: the path key E_i, its secret e_i, ss_i and rho_i (for tests and for the creator's records). */
  details: { pathKey: Uint8Array; pathPrivateKey: Uint8Array; sharedSecret: Uint8Array; rho: Uint8Array }[];
};

/**
 * Creates a blinded path (BOLT 4 "Route Blinding", writer side): `E_i = e_i·G`, `ss_i = SHA256(e_i·N_i)`,
 * `B_i = HMAC256("blinded_node_id", ss_i)·N_i`, `encrypted_recipient_data_i = ChaCha20-Poly1305(rho_i,
 * zero nonce, tlv_i)`, `e_{i+1} = SHA256(E_i ‖ ss_i)·e_i`. To concatenate with another path, put that
 * path's first path key in the last hop's `next_path_key_override` before encoding.
 */
export function createBlindedPath(backend: CryptoBackend, { sessionKey, hops }: CreateBlindedPathParameters): CreateBlindedPathReturnType {
  if (hops.length === 0) throw new InvalidParameterError({ parameter: "hops", reason: "a blinded path needs at least one hop" });
  if (!backend.isValidPrivateKey(sessionKey)) throw new InvalidPrivateKeyError({ what: "blinding session key" });
  const out: BlindedHop[] = [];
  const details: CreateBlindedPathReturnType["details"] = [];
  let e = sessionKey;
  for (let i = 0; i < hops.length; i++) {
    const { nodeId, recipientData } = hops[i]!;
    const E = backend.publicKeyFromPrivate(e);
    const ss = backend.ecdh(nodeId, e);
    const rho = deriveKey(backend, KEY_LABEL_RHO, ss);
    const blindedNodeId = backend.publicKeyMul(nodeId, deriveKey(backend, KEY_LABEL_BLINDED_NODE_ID, ss));
    const encryptedRecipientData = backend.chacha20Poly1305Seal(rho, ZERO_NONCE, recipientData);
    out.push({ blindedNodeId, encryptedRecipientData });
    details.push({ pathKey: E, pathPrivateKey: e, sharedSecret: ss, rho });
    if (i < hops.length - 1) e = backend.privateKeyMul(e, backend.sha256(concatBytes(E, ss)));
  }
  return { path: { introductionNodeId: hops[0]!.nodeId.slice(), pathKey: details[0]!.pathKey, hops: out }, details };
}
