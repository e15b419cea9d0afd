import type { Address, Hex } from "viem";
import { computeChannelId } from "#protocol";
import { WalletRequiredError, type ClientClosedErrorType, type WalletRequiredErrorType } from "../errors.ts";
import type { ChannelRecord } from "../internal/channelBook.ts";
import { entryChannels } from "../internal/plan.ts";
import { getState, type ClientState } from "../internal/state.ts";
import { hex } from "../internal/utils.ts";

/** One of the client's outgoing channels: the chain's view and the payer ledger's. */
export type ChannelInfo = {
  /** The payee relay's node address. */
  relay: Address;
  channelId: Hex;
  status: "none" | "open" | "closing";
  epoch: bigint;
  /** Funds the relay can still redeem on chain. */
  balance: bigint;
  /** Already redeemed in this epoch. */
  settled: bigint;
  /** Unix seconds from which a closing channel can be finalized (0 unless closing). */
  closesAt: bigint;
  /** What the relay has revealed it is owed (ledger). */
  confirmed: bigint;
  /** What the channel can still pay for new packets: settled + balance − confirmed. */
  spendable: bigint;
  /** Index of the next ticket. */
  nextIndex: bigint;
  /** Tickets issued and not revealed (yet), and their total. */
  pendingTickets: number;
  pendingAmount: bigint;
};

export type GetChannelsParameters = {
  /** Also look for channels this wallet opened elsewhere (one chain read per active relay). Default false. */
  discover?: boolean | undefined;
};
export type GetChannelsReturnType = ChannelInfo[];
export type GetChannelsErrorType = WalletRequiredErrorType | ClientClosedErrorType | Error;

/**
 * The client's outgoing channels (to relays), read from the chain and merged with the payer ledger.
 *
 * @param client - A client from `createSottoClient` with a `wallet`.
 * @param parameters - {@link GetChannelsParameters}
 * @returns {@link GetChannelsReturnType}
 *
 * @example
 * for (const c of await getChannels(client)) console.log(c.relay, c.spendable);
 */
export async function getChannels(client: object, parameters: GetChannelsParameters = {}): Promise<GetChannelsReturnType> {
  const state = getState(client);
  const book = state.book;
  if (!book) throw new WalletRequiredError({ operation: "Listing channels" });
  if (parameters.discover) {
    const relays = await state.directory.list();
    for (const relay of relays) if (relay.active && (await state.directory.hasChannel(book.payer, relay.node))) await book.get(relay.node, { maxAgeMs: 60_000 });
  } else if ((await book.payees()).length === 0) {
    await entryChannels(state, await state.directory.list());
  }
  const out: ChannelInfo[] = [];
  for (const payee of await book.payees()) out.push(channelInfo(state, await book.sync(payee)));
  return out;
}

export function channelInfo(state: ClientState, record: ChannelRecord): ChannelInfo {
  const pending = Object.values(record.pending);
  return {
    relay: record.payee,
    channelId: hex(computeChannelId(state.backend, state.book!.payer, record.payee)),
    status: record.status,
    epoch: record.ledger.epoch,
    balance: record.ledger.balance,
    settled: record.ledger.settled,
    closesAt: record.closesAt,
    confirmed: record.ledger.confirmed,
    spendable: state.book!.spendable(record),
    nextIndex: record.ledger.nextIndex,
    pendingTickets: pending.length,
    pendingAmount: pending.reduce((a, b) => a + b, 0n),
  };
}
