import type { Address } from "viem";
import type { ChannelState } from "#contracts";
import type { Store } from "../store/store.ts";
import { fromHex, toHex } from "../util/hex.ts";
import {
  acceptIncomingTicket,
  checkIncomingTicket,
  newIncomingChannel,
  recordResponse,
  redeemableValue,
  type IncomingChannel,
  type IncomingCheck,
  type IncomingTicketFields,
} from "#protocol";

export interface IncomingEntry {
  channelId: `0x${string}`;
  payer: Address;
  ledger: IncomingChannel;
  /** Tickets answered since the last redemption (memory only; for the settlement's count threshold). */
  answeredSinceRedeemed?: number;
}

export interface AcceptedTicket extends IncomingTicketFields {
  channelId: `0x${string}`;
  amountIn: bigint;
  signature: Uint8Array;
}

/**
 * The payee's ticket book: one ledger per incoming channel, merged with the chain's view of the channel,
 * persisted through the store. Methods that change state return the write to commit with the packet's
 * other writes, so a ticket is on disk before the packet is acknowledged.
 */
export class IncomingBook {
  readonly #store: Store;
  readonly #entries = new Map<string, IncomingEntry>();
  readonly #creditWindow: bigint;
  /** Channels with tickets that can no longer pay, to delete a chunk at a time (`pruneSome`). */
  readonly #prunable = new Set<string>();

  constructor(store: Store, options: { creditWindow: bigint }) {
    this.#store = store;
    this.#creditWindow = options.creditWindow;
    for (const row of store.incomingChannels()) {
      const channelId = toHex(row.channelId);
      this.#entries.set(channelId, {
        channelId,
        payer: toHex(row.payer) as Address,
        // Chain fields are filled in by the first chain update; until then the channel counts as closed.
        ledger: { epoch: row.epoch, open: false, balance: 0n, settled: 0n, lastIndex: row.lastIndex, lastBase: row.lastBase, revealed: row.revealed, bestCumulative: row.bestCumulative },
      });
    }
  }

  get(channelId: string): IncomingEntry | undefined {
    return this.#entries.get(channelId.toLowerCase());
  }

  entries(): IncomingEntry[] {
    return [...this.#entries.values()];
  }

  /** Merges the chain's state; a new epoch starts a fresh ledger (old tickets can never pay again). */
  applyChain(state: ChannelState): () => void {
    const channelId = state.channelId.toLowerCase() as `0x${string}`;
    const chain = { epoch: state.epoch, open: state.status === "open", balance: state.balance, settled: state.settled };
    const current = this.#entries.get(channelId);
    const ledger =
      !current || current.ledger.epoch !== state.epoch
        ? newIncomingChannel(chain)
        : {
            ...current.ledger,
            ...chain,
            // What the chain paid out counts as revealed and redeemed, even if this relay lost track.
            revealed: current.ledger.revealed > state.settled ? current.ledger.revealed : state.settled,
            bestCumulative: current.ledger.bestCumulative > state.settled ? current.ledger.bestCumulative : state.settled,
            lastBase: current.ledger.lastBase,
          };
    const settledMoved = !current || current.ledger.epoch !== state.epoch || state.settled > current.ledger.settled;
    const entry: IncomingEntry = { channelId, payer: state.payer, ledger, answeredSinceRedeemed: settledMoved ? 0 : (current?.answeredSinceRedeemed ?? 0) };
    this.#entries.set(channelId, entry);
    if (settledMoved) this.#prunable.add(channelId);
    return () => this.#save(entry);
  }

  /**
   * Deletes up to `limit` tickets that can no longer pay (settled, or of an old epoch); returns how many.
   * Called periodically, so pruning after a settlement of tens of thousands of tickets never blocks the
   * packet path for long.
   */
  pruneSome(limit: number): number {
    let deleted = 0;
    for (const channelId of this.#prunable) {
      const entry = this.#entries.get(channelId);
      if (!entry) {
        this.#prunable.delete(channelId);
        continue;
      }
      const removed = this.#store.pruneSettledTickets(fromHex(channelId), entry.ledger.epoch, entry.ledger.settled, limit - deleted);
      deleted += removed;
      if (deleted >= limit) break;
      this.#prunable.delete(channelId);
    }
    return deleted;
  }

  /** Tickets answered since each channel's last redemption, summed. */
  answeredUnsettled(): number {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.answeredSinceRedeemed ?? 0;
    return total;
  }

  check(channelId: string, ticket: IncomingTicketFields, expected: { challenge: string; amountIn: bigint }): IncomingCheck {
    const entry = this.get(channelId);
    if (!entry) return { ok: false, reason: "channel_not_open", detail: "no funded channel from this payer" };
    return checkIncomingTicket(entry.ledger, ticket, expected, this.#creditWindow);
  }

  /** Records an accepted ticket (response still unknown); returns its write. */
  accept(ticket: AcceptedTicket, now: number): () => void {
    const entry = this.get(ticket.channelId)!;
    entry.ledger = acceptIncomingTicket(entry.ledger, ticket, ticket.amountIn);
    const snapshot = { ...entry, ledger: { ...entry.ledger } };
    return () => {
      this.#store.insertIncomingTicket({
        channelId: fromHex(ticket.channelId),
        epoch: ticket.epoch,
        index: ticket.index,
        cumulative: ticket.cumulative,
        amountIn: ticket.amountIn,
        challenge: fromHex(ticket.challenge),
        signature: ticket.signature,
        response: null,
        receivedAt: now,
      });
      this.#save(snapshot);
    };
  }

  /** The response of an accepted ticket is known: the ticket is now redeemable. Returns its write. */
  respond(ticket: { channelId: string; epoch: bigint; index: bigint; cumulative: bigint; amountIn: bigint }, response: Uint8Array): () => void {
    const entry = this.get(ticket.channelId);
    if (entry && entry.ledger.epoch === ticket.epoch) {
      entry.ledger = recordResponse(entry.ledger, ticket.cumulative, ticket.amountIn);
      entry.answeredSinceRedeemed = (entry.answeredSinceRedeemed ?? 0) + 1;
    }
    const snapshot = entry ? { ...entry, ledger: { ...entry.ledger } } : undefined;
    return () => {
      this.#store.setIncomingResponse(fromHex(ticket.channelId), ticket.epoch, ticket.index, response);
      if (snapshot) this.#save(snapshot);
    };
  }

  /** A redemption of `amount` up to `cumulative` was confirmed on chain (before the chain view catches up). */
  markRedeemed(channelId: string, epoch: bigint, cumulative: bigint, amount: bigint): void {
    const entry = this.get(channelId);
    if (!entry || entry.ledger.epoch !== epoch || cumulative <= entry.ledger.settled) return;
    entry.ledger = { ...entry.ledger, settled: cumulative, balance: entry.ledger.balance > amount ? entry.ledger.balance - amount : 0n };
    entry.answeredSinceRedeemed = 0;
    this.#prunable.add(entry.channelId);
  }

  redeemable(channelId: string): bigint {
    const entry = this.get(channelId);
    return entry ? redeemableValue(entry.ledger) : 0n;
  }

  #save(entry: IncomingEntry): void {
    this.#store.saveIncomingChannel({
      channelId: fromHex(entry.channelId),
      payer: fromHex(entry.payer),
      epoch: entry.ledger.epoch,
      lastIndex: entry.ledger.lastIndex,
      lastBase: entry.ledger.lastBase,
      revealed: entry.ledger.revealed,
      bestCumulative: entry.ledger.bestCumulative,
    });
  }
}
