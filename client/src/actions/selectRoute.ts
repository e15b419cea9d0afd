import type { Address } from "viem";
import type { PaidBlindedPath } from "#protocol";
import type { ClientClosedErrorType, InvalidRecipientErrorType, NoChannelErrorType, NoRouteErrorType, RelayNotFoundErrorType, WalletRequiredErrorType } from "../errors.ts";
import { capacities, planRoute, resolveRecipient } from "../internal/plan.ts";
import { getState } from "../internal/state.ts";
import type { RouteRelay } from "../types.ts";

export type SelectRouteParameters = {
  /** A `sotto1…` address or a reply path. */
  to: string | PaidBlindedPath;
  /** Prefer an entry channel that can pay this much. */
  needed?: bigint | undefined;
};
export type SelectRouteReturnType = {
  /** The sender-chosen relays, entry first. */
  relays: RouteRelay[];
  /** The relay paid directly (the entry). */
  entry: Address;
  /** The recipient's introduction relay, if its path has relays. */
  intro: Address | undefined;
  /** Relays on the whole route, blinded ones included. */
  length: number;
  /** What one packet costs (ticket to the entry). */
  fee: bigint;
  /** Message bytes per packet on this route (without a reply path). */
  capacity: number;
};
export type SelectRouteErrorType = WalletRequiredErrorType | InvalidRecipientErrorType | RelayNotFoundErrorType | NoChannelErrorType | NoRouteErrorType | ClientClosedErrorType | Error;

/**
 * Picks a route to `to` the way `sendMessage` does, without sending: stake-weighted, distinct operators,
 * active relays only, entry = a relay this wallet has an open channel to, funded channels between
 * consecutive relays, recently failing relays avoided.
 *
 * @param client - A client from `createSottoClient` with a `wallet`.
 * @param parameters - {@link SelectRouteParameters}
 * @returns {@link SelectRouteReturnType}
 *
 * @example
 * const { relays, fee } = await selectRoute(client, { to: "sotto1…" });
 */
export async function selectRoute(client: object, parameters: SelectRouteParameters): Promise<SelectRouteReturnType> {
  const state = getState(client);
  const recipient = resolveRecipient(state, parameters.to, true);
  const plan = await planRoute(state, recipient.path, { needed: parameters.needed });
  return {
    relays: (plan.plain.length > 0 ? plan.plain : [plan.entry]).map((r) => ({ node: r.node, fee: r.fee })),
    entry: plan.entry.node,
    intro: plan.intro?.node,
    length: plan.plain.length + recipient.path.path.hops.length - 1,
    fee: plan.fee,
    capacity: capacities(plan, undefined).rest,
  };
}
