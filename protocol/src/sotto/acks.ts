import type { CryptoBackend } from "../crypto/backend.ts";
import { KEY_LABEL_SOTTO_ACK, KEY_LABEL_SOTTO_REPLAY, REPLAY_TAG_SIZE } from "../constants.ts";
import { deriveKey } from "../onion/keys.ts";

/**
 * A hop's ack secret: `HMAC-SHA256(key = "sotto_ack", msg = ss)`. Only the hop and the sender know it;
 * the hop reveals it upstream in its ACK, and it is the response to the ticket that paid the hop before it.
 */
export function deriveAckSecret(backend: CryptoBackend, sharedSecret: Uint8Array): Uint8Array {
  return deriveKey(backend, KEY_LABEL_SOTTO_ACK, sharedSecret);
}

/** A ticket challenge: `keccak256(response)`. */
export function computeChallenge(backend: CryptoBackend, response: Uint8Array): Uint8Array {
  return backend.keccak256(response);
}

/** The per-packet replay tag: the first 16 bytes of `HMAC-SHA256(key = "sotto_replay", msg = ss)`. */
export function deriveReplayTag(backend: CryptoBackend, sharedSecret: Uint8Array): Uint8Array {
  return deriveKey(backend, KEY_LABEL_SOTTO_REPLAY, sharedSecret).slice(0, REPLAY_TAG_SIZE);
}

/** What the sender knows about one onion hop. */
export type HopSecrets = {
  sharedSecret: Uint8Array;
  /** `HMAC256("sotto_ack", ss)`. */
  ackSecret: Uint8Array;
  /** `keccak256(ackSecret)`: the challenge of the ticket paying the hop *before* this one. */
  ackChallenge: Uint8Array;
  replayTag: Uint8Array;
};

/**
 * Sender side: every hop's ack secret, challenge and replay tag from the route's shared secrets (route
 * order, recipient last). The ticket paying hop i carries `hops[i + 1].ackChallenge`; the recipient's
 * ack secret is the delivery receipt.
 */
export function deriveRouteAcks(backend: CryptoBackend, sharedSecrets: readonly Uint8Array[]): HopSecrets[] {
  return sharedSecrets.map((sharedSecret) => {
    const ackSecret = deriveAckSecret(backend, sharedSecret);
    return { sharedSecret, ackSecret, ackChallenge: computeChallenge(backend, ackSecret), replayTag: deriveReplayTag(backend, sharedSecret) };
  });
}
