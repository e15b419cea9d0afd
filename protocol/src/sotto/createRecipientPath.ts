import type { CryptoBackend } from "../crypto/backend.ts";
import { InvalidParameterError } from "../errors.ts";
import { createBlindedPath } from "../blinding/createBlindedPath.ts";
import { type EncryptedDataTlv, encodeEncryptedDataTlv } from "../blinding/encryptedDataTlv.ts";
import type { RouteHop } from "./buildPacket.ts";
import type { PaidBlindedPath } from "./hopPayload.ts";

export type CreateRecipientPathParameters = {
  /** Fresh random scalar e_0 (injected). */
  sessionKey: Uint8Array;
  /** The relays of the path, introduction node first, the recipient's home relay last; with their fees. */
  relays: readonly RouteHop[];
  /** The recipient's own onion public key (the last, blinded hop). */
  recipientNodeId: Uint8Array;
  /** A secret the recipient recognises (BOLT 4 `path_id`): packets arriving without it are ignored. */
  pathId: Uint8Array;
};

/**
 * Recipient side: a blinded path relays → recipient whose `encrypted_data_tlv`s carry `next_node_id`
 * (relays) and `path_id` (recipient), all padded to the same length (BOLT 4 `padding`), plus fees.
 * Encode it with `encodeAddress` to publish it, or put it in a packet's `replyPath`.
 */
export function createRecipientPath(backend: CryptoBackend, parameters: CreateRecipientPathParameters): PaidBlindedPath {
  const { sessionKey, relays, recipientNodeId, pathId } = parameters;
  if (pathId.length === 0) throw new InvalidParameterError({ parameter: "pathId", reason: "must not be empty" });
  const nodes = [...relays.map((r) => r.nodeId), recipientNodeId];
  const data: EncryptedDataTlv[] = nodes.map((_, i) => (i < nodes.length - 1 ? { nextNodeId: nodes[i + 1]! } : { pathId }));
  const bare = data.map((d) => encodeEncryptedDataTlv(d).length);
  // Every hop gets a padding record (≥ 2 bytes) so that all plaintexts have the same length.
  const target = Math.max(...bare) + 2;
  const hops = nodes.map((nodeId, i) => {
    const padLength = target - bare[i]! - 2;
    if (padLength > 252) throw new InvalidParameterError({ parameter: "pathId", reason: "too long to pad" });
    return { nodeId, recipientData: encodeEncryptedDataTlv({ ...data[i]!, padding: new Uint8Array(padLength) }) };
  });
  const { path } = createBlindedPath(backend, { sessionKey, hops });
  return { path, fees: relays.map((r) => r.fee) };
}
