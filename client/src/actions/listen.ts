import type { Address } from "viem";
import { IdentityRequiredError, type ClientClosedErrorType, type IdentityRequiredErrorType, type NoAddressErrorType, type RelayUnreachableErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";

export type ListenReturnType = {
  /** Home relays subscribed at. */
  relays: Address[];
  /** Stored packets they delivered before DRAINED. */
  delivered: number;
};
export type ListenErrorType = IdentityRequiredErrorType | NoAddressErrorType | RelayUnreachableErrorType | ClientClosedErrorType | Error;

/**
 * Starts receiving: connects to the home relay of every address this client issued, SUBSCRIBEs (signed
 * with the identity key), takes the stored backlog and then live packets, and keeps the links up
 * (reconnecting with backoff) until `stopListening` or `close`. Each delivered packet is ACKed with its ack
 * secret — the delivery receipt that pays the home relay — and complete messages go to `onMessage`.
 *
 * @param client - A client from `createSottoClient` with an `identityKey` and at least one address.
 * @returns {@link ListenReturnType}
 *
 * @example
 * client.onMessage((m) => console.log(m.text));
 * await listen(client);
 */
export async function listen(client: object): Promise<ListenReturnType> {
  const state = getState(client);
  if (!state.receiver) throw new IdentityRequiredError({ operation: "Listening" });
  return state.receiver.listen();
}

/**
 * Stops taking packets (they stay in the home relays' mailboxes until the next `listen` or `inbox`).
 *
 * @example
 * stopListening(client);
 */
export function stopListening(client: object): void {
  getState(client).receiver?.stopListening();
}
