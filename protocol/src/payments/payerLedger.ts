/**
 * The payer's side of one outgoing channel (relays paying the next hop, clients paying their entry relay): which cumulative to sign next, and what a revealed response
 * confirms. Pure; the caller signs, persists and sends.
 *
 * `confirmed` is the sum of amounts whose responses the payee revealed: value the payer owes for packets
 * the next hop provably received. Every new ticket signs `confirmed + amount`, so a payee holding any one
 * redeemable ticket is paid for everything confirmed before it plus that packet — never for a packet
 * that was not acknowledged.
 */

export type OutgoingRefusal = "outgoing_channel_exhausted" | "channel_not_open";

export interface OutgoingChannel {
  epoch: bigint;
  open: boolean;
  balance: bigint;
  settled: bigint;
  nextIndex: bigint;
  confirmed: bigint;
}

export interface IssuedTicket {
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: string;
}

export type IssueResult =
  | { ok: true; ticket: IssuedTicket; channel: OutgoingChannel }
  | { ok: false; reason: OutgoingRefusal; detail: string };

const ZERO_CHALLENGE = `0x${"00".repeat(32)}`;

export function newOutgoingChannel(chain: { epoch: bigint; open: boolean; balance: bigint; settled: bigint }): OutgoingChannel {
  return { ...chain, nextIndex: 0n, confirmed: chain.settled };
}

/** Funds the payee could still redeem beyond what it already holds tickets for. */
export function spendable(channel: OutgoingChannel): bigint {
  const limit = channel.settled + channel.balance;
  return limit > channel.confirmed ? limit - channel.confirmed : 0n;
}

/** Issues the next conditional ticket paying `amount` once `challenge`'s response is revealed. */
export function issueTicket(channel: OutgoingChannel, amount: bigint, challenge: string): IssueResult {
  if (!channel.open) return { ok: false, reason: "channel_not_open", detail: "the outgoing channel is not open" };
  const cumulative = channel.confirmed + amount;
  if (cumulative > channel.settled + channel.balance) {
    return { ok: false, reason: "outgoing_channel_exhausted", detail: `needs ${cumulative}, channel allows ${channel.settled + channel.balance}` };
  }
  const ticket = { epoch: channel.epoch, cumulative, index: channel.nextIndex, challenge };
  return { ok: true, ticket, channel: { ...channel, nextIndex: channel.nextIndex + 1n } };
}

/** An unconditional voucher for everything confirmed so far (sent when traffic pauses). */
export function issueVoucher(channel: OutgoingChannel): { ticket: IssuedTicket; channel: OutgoingChannel } {
  const ticket = { epoch: channel.epoch, cumulative: channel.confirmed, index: channel.nextIndex, challenge: ZERO_CHALLENGE };
  return { ticket, channel: { ...channel, nextIndex: channel.nextIndex + 1n } };
}

/** The channel after the payee revealed the response of a ticket that paid `amount`. */
export function confirmAmount(channel: OutgoingChannel, amount: bigint): OutgoingChannel {
  return { ...channel, confirmed: channel.confirmed + amount };
}
