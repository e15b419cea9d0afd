/**
 * The payee's rules for conditional cumulative tickets on one incoming channel (docs/protocol.md, "Ticket
 * rules"). Pure: the caller checks the signature, persists what `accept` returns, and feeds back acks.
 *
 * A ticket pays `cumulative − settled` once its response is known. The payer computes
 * `cumulative = confirmed + amountIn`, where `confirmed` is the sum of amounts whose responses the payee
 * revealed to it, so `base = cumulative − amountIn` must keep up with what the payee has revealed: the
 * payee tolerates a lag of at most `creditWindow` (reveals in flight), then stops serving the payer.
 */

export type IncomingRejectReason =
  | "wrong_epoch"
  | "channel_not_open"
  | "stale_index"
  | "challenge_mismatch"
  | "amount_short"
  | "cumulative_backwards"
  | "payer_behind"
  | "insufficient_balance";

export interface IncomingChannel {
  epoch: bigint;
  open: boolean;
  /** On-chain funds left in the channel. */
  balance: bigint;
  /** On-chain cumulative already paid out this epoch. */
  settled: bigint;
  /** Highest ticket index accepted this epoch (−1 before the first). */
  lastIndex: bigint;
  /** `cumulative − amountIn` of the last accepted ticket: the payer's confirmed total when it signed. */
  lastBase: bigint;
  /** Sum of `amountIn` over tickets whose response this payee has learnt (and reveals to the payer). */
  revealed: bigint;
  /** The redeemable ticket with the highest cumulative, if any. */
  bestCumulative: bigint;
}

export interface IncomingTicketFields {
  epoch: bigint;
  cumulative: bigint;
  index: bigint;
  challenge: string;
}

export type IncomingCheck = { ok: true } | { ok: false; reason: IncomingRejectReason; detail: string };

export function newIncomingChannel(chain: { epoch: bigint; open: boolean; balance: bigint; settled: bigint }): IncomingChannel {
  return { ...chain, lastIndex: -1n, lastBase: chain.settled, revealed: chain.settled, bestCumulative: chain.settled };
}

/** Checks a ticket against the channel and what the onion says it must carry. Does not mutate. */
export function checkIncomingTicket(
  channel: IncomingChannel,
  ticket: IncomingTicketFields,
  expected: { challenge: string; amountIn: bigint },
  creditWindow: bigint,
): IncomingCheck {
  const reject = (reason: IncomingRejectReason, detail: string): IncomingCheck => ({ ok: false, reason, detail });
  if (ticket.epoch !== channel.epoch) return reject("wrong_epoch", `ticket epoch ${ticket.epoch}, channel epoch ${channel.epoch}`);
  if (!channel.open) return reject("channel_not_open", "the channel is closing or closed");
  if (ticket.index <= channel.lastIndex) return reject("stale_index", `index ${ticket.index} ≤ last accepted ${channel.lastIndex}`);
  if (ticket.challenge.toLowerCase() !== expected.challenge.toLowerCase()) return reject("challenge_mismatch", "ticket challenge differs from the onion's");
  if (ticket.cumulative < expected.amountIn) return reject("amount_short", `cumulative ${ticket.cumulative} < amount ${expected.amountIn}`);
  const base = ticket.cumulative - expected.amountIn;
  if (base < channel.lastBase) return reject("cumulative_backwards", `base ${base} < previous base ${channel.lastBase}`);
  if (channel.revealed - base > creditWindow) return reject("payer_behind", `payer owes ${channel.revealed - base} revealed value, credit window ${creditWindow}`);
  if (ticket.cumulative > channel.settled + channel.balance) return reject("insufficient_balance", `cumulative ${ticket.cumulative} > redeemable ${channel.settled + channel.balance}`);
  return { ok: true };
}

/** The channel after accepting `ticket` (its response still unknown). */
export function acceptIncomingTicket(channel: IncomingChannel, ticket: IncomingTicketFields, amountIn: bigint): IncomingChannel {
  return { ...channel, lastIndex: ticket.index, lastBase: ticket.cumulative - amountIn };
}

/** The channel after learning the response of an accepted ticket. */
export function recordResponse(channel: IncomingChannel, cumulative: bigint, amountIn: bigint): IncomingChannel {
  return {
    ...channel,
    revealed: channel.revealed + amountIn,
    bestCumulative: cumulative > channel.bestCumulative ? cumulative : channel.bestCumulative,
  };
}

/** What redeeming the best ticket now would pay. */
export function redeemableValue(channel: IncomingChannel): bigint {
  return channel.bestCumulative > channel.settled ? channel.bestCumulative - channel.settled : 0n;
}
