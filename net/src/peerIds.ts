import { peerIdFromMultihash, peerIdFromString } from "@libp2p/peer-id";
import * as Digest from "multiformats/hashes/digest";

const stringForms = new Map<string, string>();

/**
 * The registry stores a peer id as its multihash bytes; libp2p wants the string form. Memoised (a relay
 * converts its next hop's id for every packet it forwards; base58 encoding costs ~20 µs).
 */
export function peerIdString(peerIdHex: string): string {
  let id = stringForms.get(peerIdHex);
  if (id === undefined) {
    id = peerIdFromMultihash(Digest.decode(Buffer.from(peerIdHex.replace(/^0x/, ""), "hex"))).toString();
    if (stringForms.size >= 10_000) stringForms.clear();
    stringForms.set(peerIdHex, id);
  }
  return id;
}

/** The multihash bytes (hex) of a peer id string, as published in the registry. */
export function peerIdHex(peerId: string): `0x${string}` {
  return `0x${Buffer.from(peerIdFromString(peerId).toMultihash().bytes).toString("hex")}`;
}
