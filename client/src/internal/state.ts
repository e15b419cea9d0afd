import type { Address } from "viem";
import type { CryptoBackend, TicketDomain } from "#protocol";
import { ClientClosedError } from "../errors.ts";
import type { ClientLogger, ClientStorage } from "../types.ts";
import type { ChannelBook } from "./channelBook.ts";
import type { Directory } from "./directory.ts";
import type { Inflight } from "./inflight.ts";
import type { ClientNetwork } from "./network.ts";
import type { Receiver } from "./receiver.ts";
import type { RelayHealth } from "./relayHealth.ts";
import type { VoucherAnswers } from "./vouchers.ts";

/** Settings after defaults (see `CreateSottoClientParameters`). */
export type ResolvedOptions = {
  ackTimeoutMs: number;
  receiptTimeoutMs: number;
  maxAttempts: number;
  routeLength: number;
  addressTtlSeconds: number;
  /** false: never top up; else the least amount to add when a send needs more. */
  autoTopUp: false | bigint;
  concurrency: number;
  random: () => number;
};

/** What the actions share behind a client object (not part of the public API). */
export type ClientState = {
  backend: CryptoBackend;
  chainId: number;
  contracts: { token: Address | undefined; registry: Address; channels: Address };
  ticketDomain: TicketDomain;
  storage: ClientStorage;
  storagePrefix: string;
  logger: ClientLogger;
  options: ResolvedOptions;
  directory: Directory;
  health: RelayHealth;
  network: ClientNetwork;
  inflight: Inflight;
  book: ChannelBook | undefined;
  receiver: Receiver | undefined;
  voucherTimers: Map<string, ReturnType<typeof setTimeout>>;
  /** Relays' answers to this client's vouchers (waited for by the last vouchers of a session). */
  voucherAnswers: VoucherAnswers;
  /** Ledger updates in progress (reveals being recorded); `close` waits for them. */
  pending: Set<Promise<unknown>>;
  closed: boolean;
};

const states = new WeakMap<object, ClientState>();

export function setState(client: object, state: ClientState): void {
  states.set(client, state);
}

/** The internal state of a client made by `createSottoClient`; throws if it was closed. */
export function getState(client: object): ClientState {
  const state = states.get(client);
  if (!state) throw new TypeError("not a Sotto client: create one with createSottoClient()");
  if (state.closed) throw new ClientClosedError();
  return state;
}
