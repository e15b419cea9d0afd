import type { Address } from "viem";
import { createRecipientPath, encodeAddress } from "#protocol";
import {
  IdentityRequiredError,
  InvalidArgumentError,
  NoRouteError,
  RelayNotFoundError,
  type ClientClosedErrorType,
  type IdentityRequiredErrorType,
  type InvalidArgumentErrorType,
  type NoRouteErrorType,
  type RelayNotFoundErrorType,
} from "../errors.ts";
import { sessionKey } from "../internal/plan.ts";
import { getState } from "../internal/state.ts";
import { hex, nowSeconds, randomBytes } from "../internal/utils.ts";
import { findRelayChain } from "../routing/findRelayChain.ts";
import type { RelayInfo } from "../types.ts";

export type CreateAddressParameters = {
  /**
   * The relays of the blinded path, introduction relay first, home relay last (node addresses). Default:
   * two relays chosen stake-weighted (distinct operators, an open funded channel between them).
   */
  relays?: readonly Address[] | undefined;
  /** How many relays when choosing them. Default 2 (introduction + home). */
  length?: number | undefined;
  /** Advisory validity. Default: the client's `addressTtlSeconds` (7 days). */
  expiresInSeconds?: number | undefined;
};
export type CreateAddressReturnType = {
  /** The `sotto1…` address to give to correspondents. */
  address: string;
  /** Unix seconds (advisory). */
  expiresAt: bigint;
  /** Introduction relay (node address): senders route to it. */
  intro: Address;
  /** Home relay (node address): it keeps messages until this client fetches them. */
  home: Address;
  /** Fees of the path's relays, introduction first. */
  fees: bigint[];
};
export type CreateAddressErrorType = IdentityRequiredErrorType | NoRouteErrorType | RelayNotFoundErrorType | InvalidArgumentErrorType | ClientClosedErrorType | Error;

/**
 * Creates a fresh `sotto1…` address: a blinded path (BOLT 4 route blinding) over an introduction relay and
 * a home relay to this client's identity key, with a random path id the client will require on every
 * packet, the relays' fees, this chain's id and an expiry. The path id is persisted (`ClientStorage`).
 * Senders learn the introduction relay only; the home relay stores messages until `listen`/`inbox`.
 *
 * @param client - A client from `createSottoClient` with an `identityKey`.
 * @param parameters - {@link CreateAddressParameters}
 * @returns {@link CreateAddressReturnType}
 *
 * @example
 * const { address } = await createAddress(client);
 */
export async function createAddress(client: object, parameters: CreateAddressParameters = {}): Promise<CreateAddressReturnType> {
  const state = getState(client);
  const receiver = state.receiver;
  if (!receiver) throw new IdentityRequiredError({ operation: "Creating an address" });
  let chosen: RelayInfo[];
  if (parameters.relays && parameters.relays.length > 0) {
    chosen = [];
    for (const node of parameters.relays) {
      const relay = await state.directory.byNode(node);
      if (!relay) throw new RelayNotFoundError({ relay: node });
      if (!relay.active) throw new RelayNotFoundError({ relay: node, reason: "is not active" });
      chosen.push(relay);
    }
    for (let i = 1; i < chosen.length; i++) {
      if (!(await state.directory.hasChannel(chosen[i - 1]!.node, chosen[i]!.node))) {
        throw new NoRouteError({ reason: `relay ${chosen[i - 1]!.node} has no funded channel to ${chosen[i]!.node}, so it could not pass packets on`, metaMessages: ["Pick relays with a channel between them, or let createAddress choose."] });
      }
    }
  } else {
    const length = parameters.length ?? 2;
    if (!Number.isInteger(length) || length < 1 || length > 4) throw new InvalidArgumentError({ parameter: "length", reason: "must be 1 to 4 relays" });
    const found = await findRelayChain({
      relays: await state.directory.list(),
      length,
      hasChannel: (from, to) => state.directory.hasChannel(from, to),
      avoid: state.health.avoided(),
      random: state.options.random,
    });
    if (!found) throw new NoRouteError({ reason: `no ${length} active relays with distinct operators and funded channels between them for an address` });
    chosen = found;
  }
  const expiresAt = nowSeconds() + BigInt(parameters.expiresInSeconds ?? state.options.addressTtlSeconds);
  const pathId = randomBytes(16);
  const path = createRecipientPath(state.backend, {
    sessionKey: sessionKey(state),
    relays: chosen.map((r) => ({ nodeId: r.nodeId, fee: r.fee })),
    recipientNodeId: receiver.nodeId,
    pathId,
  });
  const address = encodeAddress({ ...path, expiresAt, chainId: BigInt(state.chainId) });
  const intro = chosen[0]!.node;
  const home = chosen.at(-1)!.node;
  await receiver.addAddress({ address, pathId: hex(pathId), intro, home, expiresAt, createdAt: Date.now() });
  return { address, expiresAt, intro, home, fees: path.fees };
}
