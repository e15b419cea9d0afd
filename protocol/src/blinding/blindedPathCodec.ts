import { MAX_BLINDED_HOPS, PUBLIC_KEY_SIZE } from "../constants.ts";
import { InvalidLengthError, InvalidParameterError, InvalidPublicKeyError, asProtocolError } from "../errors.ts";
import { hasCompressedPointShape } from "../crypto/scalars.ts";
import { ByteReader, concatBytes, encodeU16 } from "../utils/bytes.ts";
import type { BlindedPath } from "./createBlindedPath.ts";

/** Encoded size of a `blinded_path`. */
export function blindedPathLength(path: BlindedPath): number {
  let size = path.introductionNodeId.length + PUBLIC_KEY_SIZE + 1;
  for (const hop of path.hops) size += PUBLIC_KEY_SIZE + 2 + hop.encryptedRecipientData.length;
  return size;
}

/**
 * BOLT 4 `blinded_path`: first_node_id (sciddir_or_pubkey) ‖ first_path_key (33) ‖ num_hops (u8) ‖
 * num_hops × (blinded_node_id (33) ‖ u16 enclen ‖ encrypted_recipient_data).
 */
export function encodeBlindedPath(path: BlindedPath): Uint8Array {
  const n = path.hops.length;
  if (n < 1 || n > 255) throw new InvalidParameterError({ parameter: "path.hops", reason: "must have 1 to 255 hops" });
  const parts: Uint8Array[] = [path.introductionNodeId, path.pathKey, new Uint8Array([n])];
  for (const hop of path.hops) {
    if (hop.encryptedRecipientData.length > 0xffff) {
      throw new InvalidParameterError({ parameter: "encryptedRecipientData", reason: "longer than 65535 bytes" });
    }
    parts.push(hop.blindedNodeId, encodeU16(hop.encryptedRecipientData.length), hop.encryptedRecipientData);
  }
  return concatBytes(...parts);
}

export type DecodeBlindedPathOptions = {
  /** Refuse a 9-byte `sciddir` introduction node (Sotto needs a node id). Default true. */
  requireNodeId?: boolean | undefined;
  /** Refuse more hops than this. Default `MAX_BLINDED_HOPS`. */
  maxHops?: number | undefined;
};

/** Reads one `blinded_path` from `reader` (structure and point encodings checked, no curve arithmetic). */
export function readBlindedPath(reader: ByteReader, options: DecodeBlindedPathOptions = {}): BlindedPath {
  const requireNodeId = options.requireNodeId ?? true;
  const maxHops = options.maxHops ?? MAX_BLINDED_HOPS;
  reader.need(1);
  const prefix = reader.bytes[reader.offset]!;
  let introductionNodeId: Uint8Array;
  if (prefix === 0 || prefix === 1) {
    if (requireNodeId) throw new InvalidPublicKeyError({ what: "blinded path introduction node (sciddir form not supported)" });
    introductionNodeId = reader.copy(9);
  } else {
    introductionNodeId = reader.copy(PUBLIC_KEY_SIZE);
    if (!hasCompressedPointShape(introductionNodeId)) throw new InvalidPublicKeyError({ what: "blinded path introduction node" });
  }
  const pathKey = reader.copy(PUBLIC_KEY_SIZE);
  if (!hasCompressedPointShape(pathKey)) throw new InvalidPublicKeyError({ what: "blinded path key" });
  const n = reader.u8();
  if (n < 1 || n > maxHops) throw new InvalidLengthError({ what: "blinded path hop count", expected: `1…${maxHops}`, actual: n });
  const hops = [];
  for (let i = 0; i < n; i++) {
    const blindedNodeId = reader.copy(PUBLIC_KEY_SIZE);
    if (!hasCompressedPointShape(blindedNodeId)) throw new InvalidPublicKeyError({ what: "blinded node id" });
    const length = reader.u16();
    hops.push({ blindedNodeId, encryptedRecipientData: reader.copy(length) });
  }
  return { introductionNodeId, pathKey, hops };
}

/** Decodes exactly one `blinded_path` (no trailing bytes). Throws only `BaseError`s. */
export function decodeBlindedPath(bytes: Uint8Array, options: DecodeBlindedPathOptions = {}): BlindedPath {
  try {
    const reader = new ByteReader(bytes, "blinded_path");
    const path = readBlindedPath(reader, options);
    reader.end();
    return path;
  } catch (error) {
    throw asProtocolError(error, "decodeBlindedPath");
  }
}
