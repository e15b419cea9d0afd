import { IdentityRequiredError, type ClientClosedErrorType, type IdentityRequiredErrorType, type NoAddressErrorType, type RelayUnreachableErrorType } from "../errors.ts";
import { getState } from "../internal/state.ts";
import type { ReceivedMessage } from "../types.ts";

export type GetInboxParameters = {
  /** How long each home relay has to answer SUBSCRIBE with its backlog and DRAINED. Default 15 s. */
  timeoutMs?: number | undefined;
};
export type GetInboxReturnType = ReceivedMessage[];
export type GetInboxErrorType = IdentityRequiredErrorType | NoAddressErrorType | RelayUnreachableErrorType | ClientClosedErrorType | Error;

/**
 * Fetches the messages waiting for this client: connects to each home relay, SUBSCRIBEs, takes every
 * stored packet until DRAINED (ACKing each: the relays get paid and forget them), and returns the messages
 * completed by them (plus any that came in earlier with no `onMessage` handler). Fragments of messages
 * still incomplete stay pending until the rest arrives.
 *
 * @param client - A client from `createSottoClient` with an `identityKey` and at least one address.
 * @param parameters - {@link GetInboxParameters}
 * @returns {@link GetInboxReturnType}
 *
 * @example
 * for (const m of await getInbox(client)) console.log(m.text);
 */
export async function getInbox(client: object, parameters: GetInboxParameters = {}): Promise<GetInboxReturnType> {
  const state = getState(client);
  if (!state.receiver) throw new IdentityRequiredError({ operation: "Fetching the inbox" });
  return state.receiver.inbox(parameters);
}
