import { peerIdFromMultihash, peerIdFromString } from "@libp2p/peer-id";
import * as Digest from "multiformats/hashes/digest";

/** The registry stores a peer id as its multihash bytes; libp2p wants the string form. */
export function peerIdString(peerIdHex: string): string {
  return peerIdFromMultihash(Digest.decode(Buffer.from(peerIdHex.replace(/^0x/, ""), "hex"))).toString();
}

/** The multihash bytes (hex) of a peer id string, as published in the registry. */
export function peerIdHex(peerId: string): `0x${string}` {
  return `0x${Buffer.from(peerIdFromString(peerId).toMultihash().bytes).toString("hex")}`;
}
