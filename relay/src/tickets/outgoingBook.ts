import type { Address } from "viem";
import type { ChannelState } from "#contracts";
import type { Store } from "../store/store.ts";
import { fromHex, toHex } from "../util/hex.ts";
import { SlotMap } from "../util/slotMap.ts";
import { confirmAmount, issueTicket, issueVoucher, newOutgoingChannel, spendable, type IssueResult, type IssuedTicket, type OutgoingChannel } from "#protocol";

export interface OutgoingEntry {
  channelId: `0x${string}`;
  payee: Address;
  ledger: OutgoingChannel;
  /**
   * Highest cumulative of a ticket or voucher handed to the payee's link so far, and when (memory only; 0
   * after a restart, which only causes one extra voucher). A ticket issued for a packet that then never left
   * does not count: the payee never got it, and a voucher must still cover what it would have.
   */
  lastSigned: bigint;
  lastSignedAt: number;
}

export type RevealOutcome = { ok: true; channelId: `0x${string}`; amount: bigint; write: () => void } | { ok: false; reason: "unknown_challenge" | "old_epoch" };

/** An outgoing ticket waiting for its response: its row is in the store until then (or until pruned). */
interface PendingTicket {
  id: number;
  channelId: `0x${string}`;
  epoch: bigint;
  amount: bigint;
  issuedAt: number;
}

/**
 * The payer's book: one ledger per outgoing channel plus the tickets still waiting for their response
 * (in the store, so a restart resumes at the persisted index and still honours late reveals; in memory by
 * challenge, so a reveal is found without reading the store and the rows can be kept in issue order).
 */
export class OutgoingBook {
  readonly #store: Store;
  readonly #entries = new Map<string, OutgoingEntry>();
  /** Tickets waiting for their response, by challenge (lower-case hex), oldest first; one per packet, so a SlotMap (see there). */
  readonly #pending = new SlotMap<string, PendingTicket>();
  readonly #maxPending: number;
  #nextId = 1;

  /**
   * `maxPending` bounds the tickets remembered in memory: a next hop that never reveals (it dropped the packet,
   * or the recipient never fetched it) leaves its tickets waiting until they are pruned. Beyond it the oldest
   * is forgotten (its row stays until pruned): a reveal for it then finds nothing, and its payee, who holds the
   * signed ticket, can still redeem it.
   */
  constructor(store: Store, options: { maxPending?: number } = {}) {
    this.#store = store;
    this.#maxPending = options.maxPending ?? 500_000;
    // After a long outage of a next hop there may be more rows than that: the newest are remembered.
    for (const row of store.outgoingTickets(this.#maxPending)) {
      this.#pending.set(toHex(row.challenge), { id: row.id, channelId: toHex(row.channelId), epoch: row.epoch, amount: row.amount, issuedAt: row.issuedAt });
      this.#nextId = row.id + 1;
    }
    for (const row of store.outgoingChannels()) {
      const channelId = toHex(row.channelId);
      this.#entries.set(channelId, {
        channelId,
        payee: toHex(row.payee) as Address,
        ledger: { epoch: row.epoch, open: false, balance: 0n, settled: 0n, nextIndex: row.nextIndex, confirmed: row.confirmed },
        lastSigned: 0n,
        lastSignedAt: 0,
      });
    }
  }

  get(channelId: string): OutgoingEntry | undefined {
    return this.#entries.get(channelId.toLowerCase());
  }

  byPayee(payee: string): OutgoingEntry | undefined {
    const p = payee.toLowerCase();
    for (const entry of this.#entries.values()) if (entry.payee.toLowerCase() === p) return entry;
    return undefined;
  }

  entries(): OutgoingEntry[] {
    return [...this.#entries.values()];
  }

  spendable(payee: string): bigint {
    const entry = this.byPayee(payee);
    return entry ? spendable(entry.ledger) : 0n;
  }

  applyChain(state: ChannelState): () => void {
    const channelId = state.channelId.toLowerCase() as `0x${string}`;
    const chain = { epoch: state.epoch, open: state.status === "open", balance: state.balance, settled: state.settled };
    const current = this.#entries.get(channelId);
    const ledger =
      !current || current.ledger.epoch !== state.epoch
        ? newOutgoingChannel(chain)
        : { ...current.ledger, ...chain, confirmed: current.ledger.confirmed > state.settled ? current.ledger.confirmed : state.settled };
    const fresh = !current || current.ledger.epoch !== state.epoch;
    const entry = { channelId, payee: state.payee, ledger, lastSigned: fresh ? 0n : current.lastSigned, lastSignedAt: fresh ? 0 : current.lastSignedAt };
    this.#entries.set(channelId, entry);
    return () => this.#save(entry);
  }

  /** Signs nothing: returns the next ticket's fields (or why not) and the write that records it. */
  issue(payee: string, amount: bigint, challenge: `0x${string}`, now: number): (IssueResult & { write?: () => void; channelId?: `0x${string}` }) {
    const entry = this.byPayee(payee);
    if (!entry) return { ok: false, reason: "channel_not_open", detail: `no outgoing channel to ${payee}` };
    const result = issueTicket(entry.ledger, amount, challenge);
    if (!result.ok) return result;
    entry.ledger = result.channel;
    const snapshot = { ...entry, ledger: { ...entry.ledger } };
    // Known from now on: its packet leaves only once this write committed, so no reveal can come sooner.
    const pending: PendingTicket = { id: this.#nextId++, channelId: entry.channelId, epoch: result.ticket.epoch, amount, issuedAt: now };
    this.#pending.set(challenge.toLowerCase(), pending);
    if (this.#pending.size > this.#maxPending) this.#pending.delete(this.#pending.keys().next().value!);
    return {
      ...result,
      channelId: entry.channelId,
      write: () => {
        this.#save(snapshot);
        this.#store.insertOutgoingTicket({ ...pending, challenge: fromHex(challenge), channelId: fromHex(entry.channelId) });
      },
    };
  }

  /** A ticket with `cumulative` on `channelId` was handed to the payee's link. */
  sent(channelId: string, cumulative: bigint, now: number): void {
    const entry = this.get(channelId);
    if (!entry) return;
    if (cumulative > entry.lastSigned) entry.lastSigned = cumulative;
    entry.lastSignedAt = now;
  }

  /**
   * The link to `payee` closed: tickets and vouchers still in flight on it may be lost (they are not
   * acknowledged), so everything confirmed is owed a voucher again.
   */
  forgetDelivered(payee: string): void {
    const p = payee.toLowerCase();
    for (const entry of this.#entries.values()) if (entry.payee.toLowerCase() === p) entry.lastSigned = 0n;
  }

  /**
   * Channels owing a voucher: revealed value beyond the highest cumulative signed, and no ticket for
   * `idleMs`. Without one, the payee's best redeemable ticket could miss amounts confirmed after it.
   */
  voucherDue(now: number, idleMs: number): OutgoingEntry[] {
    return this.entries().filter((e) => e.ledger.open && e.ledger.confirmed > e.lastSigned && now - e.lastSignedAt >= idleMs);
  }

  /** An unconditional voucher for everything confirmed on the channel to `payee`. */
  voucher(payee: string, now: number): { ticket: IssuedTicket; channelId: `0x${string}`; write: () => void } | undefined {
    const entry = this.byPayee(payee);
    if (!entry || !entry.ledger.open) return undefined;
    const { ticket, channel } = issueVoucher(entry.ledger);
    entry.ledger = channel;
    entry.lastSigned = ticket.cumulative;
    entry.lastSignedAt = now;
    const snapshot = { ...entry, ledger: { ...entry.ledger } };
    return { ticket, channelId: entry.channelId, write: () => this.#save(snapshot) };
  }

  /** The payee revealed `challenge`'s response: its amount is now owed (confirmed), once. */
  reveal(challenge: `0x${string}`): RevealOutcome {
    const key = challenge.toLowerCase();
    const pending = this.#pending.get(key);
    if (!pending) return { ok: false, reason: "unknown_challenge" };
    const entry = this.get(pending.channelId);
    if (!entry || entry.ledger.epoch !== pending.epoch) return { ok: false, reason: "old_epoch" };
    // A duplicate reveal finds nothing from here on.
    this.#pending.delete(key);
    entry.ledger = confirmAmount(entry.ledger, pending.amount);
    const snapshot = { ...entry, ledger: { ...entry.ledger } };
    return {
      ok: true,
      channelId: entry.channelId,
      amount: pending.amount,
      write: () => {
        this.#save(snapshot);
        this.#store.deleteOutgoingTicket(pending.id);
      },
    };
  }

  /** Tickets waiting for their response. */
  get pendingTickets(): number {
    return this.#pending.size;
  }

  /**
   * Forgets up to `limit` of the tickets issued at or before `issuedBefore` whose response never came, oldest
   * first; returns how many rows went (fewer than `limit`: none of that age is left). Both the memory and the
   * table are in issue order, so a call costs `limit` at most, however many tickets wait.
   */
  prune(issuedBefore: number, limit = 10_000): number {
    let forgotten = 0;
    for (const [key, pending] of this.#pending) {
      if (pending.issuedAt > issuedBefore || forgotten === limit) break;
      this.#pending.delete(key);
      forgotten++;
    }
    return this.#store.pruneOutgoingTickets(issuedBefore, limit);
  }

  #save(entry: OutgoingEntry): void {
    this.#store.saveOutgoingChannel({
      channelId: fromHex(entry.channelId),
      payee: fromHex(entry.payee),
      epoch: entry.ledger.epoch,
      nextIndex: entry.ledger.nextIndex,
      confirmed: entry.ledger.confirmed,
    });
  }
}
