import { relayBackend } from "../crypto.ts";

/** The 33-byte compressed public key of an onion private key (the relay's node id in onions). */
export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return relayBackend().publicKeyFromPrivate(privateKey);
}
