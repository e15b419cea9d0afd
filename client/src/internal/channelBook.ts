import type { Address, PublicClient } from "viem";
import { getChannel, type ChannelState } from "#contracts";
import { confirmAmount, issueTicket, issueVoucher, newOutgoingChannel, spendable, type IssueResult, type IssuedTicket, type OutgoingChannel } from "#protocol";
import type { ClientLogger, ClientStorage } from "../types.ts";
import { KeyedMutex, fromJson, toJson } from "./utils.ts";

/** Everything the payer keeps about one outgoing channel (persisted as JSON through `ClientStorage`). */
export type ChannelRecord = {
  payee: Address;
  /** The payer ledger of docs/protocol.md §11 (`#protocol` payerLedger). */
  ledger: OutgoingChannel;
  /** Chain status as last read. */
  status: ChannelState["status"];
  closesAt: bigint;
  /** Highest cumulative signed in this epoch. */
  highestSigned: bigint;
  /**
   * Highest cumulative the payee can redeem: of a ticket whose response it revealed, or of a voucher (at
   * least the chain's `settled`). A voucher is due when `confirmed` passes it. (Absent in records written
   * before it existed: `highestSigned` stands in.) A signed ticket that is never answered — its packet lost
   * after the relay, or the relay went down before taking it — never becomes redeemable, so it must not
   * hold vouchers back.
   */
  redeemable?: bigint;
  /** Tickets whose response the payee has not revealed yet: challenge (0x-hex) → amount. */
  pending: Record<string, bigint>;
  /** Cumulative of each pending ticket: challenge (0x-hex) → cumulative. */
  pendingCumulative?: Record<string, bigint>;
  /** When the chain state was last read (ms). */
  syncedAt: number;
};

const MAX_PENDING = 4096;

/**
 * The client's payer ledgers, one per payee, persisted through `ClientStorage` and reconciled with the chain
 * (a new epoch starts a fresh ledger; balance and settled follow the chain; the confirmed total and the
 * next index are the payer's own and never go back). All changes to one channel are serialised.
 */
export class ChannelBook {
  readonly #storage: ClientStorage;
  readonly #prefix: string;
  readonly #publicClient: PublicClient;
  readonly #channels: Address;
  readonly #payer: Address;
  readonly #logger: ClientLogger;
  readonly #records = new Map<string, ChannelRecord>();
  readonly #locks = new KeyedMutex();
  #loadedIndex = false;

  constructor(p: { storage: ClientStorage; prefix: string; publicClient: PublicClient; channels: Address; payer: Address; logger: ClientLogger }) {
    this.#storage = p.storage;
    this.#prefix = `${p.prefix}channel:${p.payer.toLowerCase()}:`;
    this.#publicClient = p.publicClient;
    this.#channels = p.channels;
    this.#payer = p.payer;
    this.#logger = p.logger;
  }

  get payer(): Address {
    return this.#payer;
  }

  /** Runs `task` with the channel to `payee` locked (ticket issuing, signing and sending stay in index order). */
  lock<T>(payee: Address, task: () => Promise<T>): Promise<T> {
    return this.#locks.run(payee.toLowerCase(), task);
  }

  /** Payees with a stored ledger (channels this client has used or funded). */
  async payees(): Promise<Address[]> {
    await this.#loadIndex();
    return [...this.#records.values()].map((r) => r.payee);
  }

  /** The record for `payee`, read from storage, and from the chain if older than `maxAgeMs` (default 0: always). */
  async get(payee: Address, options: { maxAgeMs?: number } = {}): Promise<ChannelRecord> {
    const record = await this.#load(payee);
    if (record && Date.now() - record.syncedAt <= (options.maxAgeMs ?? 0)) return record;
    return this.sync(payee);
  }

  /** The stored record without a chain read (undefined if none). */
  async peek(payee: Address): Promise<ChannelRecord | undefined> {
    return this.#load(payee);
  }

  /** Reads the channel from the chain and reconciles the ledger with it. */
  async sync(payee: Address): Promise<ChannelRecord> {
    const chain = await getChannel(this.#publicClient, { channels: this.#channels, payer: this.#payer, payee });
    return this.#locks.run(payee.toLowerCase(), async () => {
      const stored = await this.#load(payee);
      const record = reconcile(stored, payee, chain);
      if (stored && stored.ledger.epoch !== record.ledger.epoch) this.#logger.info("channel entered a new epoch: fresh ledger", { payee, epoch: record.ledger.epoch.toString() });
      await this.#save(record);
      return record;
    });
  }

  /** Issues the next conditional ticket (call under `lock`). Persisted before it is returned. */
  async issue(payee: Address, amount: bigint, challenge: string): Promise<IssueResult & { record?: ChannelRecord }> {
    const record = await this.#load(payee);
    if (!record) return { ok: false, reason: "channel_not_open", detail: "no channel to this relay" };
    const result = issueTicket(record.ledger, amount, challenge);
    if (!result.ok) return result;
    record.ledger = result.channel;
    record.pending[challenge.toLowerCase()] = amount;
    (record.pendingCumulative ??= {})[challenge.toLowerCase()] = result.ticket.cumulative;
    if (result.ticket.cumulative > record.highestSigned) record.highestSigned = result.ticket.cumulative;
    trimPending(record);
    await this.#save(record);
    return { ...result, record };
  }

  /** Whether the payee was confirmed more than any ticket it can redeem carries (a voucher is due). */
  async voucherDue(payee: Address, options: VoucherOptions = {}): Promise<boolean> {
    const record = await this.#load(payee);
    return record !== undefined && isVoucherDue(record, options);
  }

  /** An unconditional voucher for the confirmed total, if it exceeds what the payee can redeem (call under `lock`). */
  async voucher(payee: Address, options: VoucherOptions = {}): Promise<IssuedTicket | undefined> {
    const record = await this.#load(payee);
    if (!record || !isVoucherDue(record, options)) return undefined;
    const { ticket, channel } = issueVoucher(record.ledger);
    record.ledger = channel;
    if (ticket.cumulative > record.highestSigned) record.highestSigned = ticket.cumulative;
    record.redeemable = ticket.cumulative;
    await this.#save(record);
    return ticket;
  }

  /** A REVEAL: if `challenge` is one of our pending tickets, its amount is now confirmed (once). */
  async confirm(challenge: string): Promise<{ payee: Address; amount: bigint } | undefined> {
    await this.#loadIndex();
    const k = challenge.toLowerCase();
    for (const record of this.#records.values()) {
      const amount = record.pending[k];
      if (amount === undefined) continue;
      return this.#locks.run(record.payee.toLowerCase(), async () => {
        const current = (await this.#load(record.payee))!;
        const still = current.pending[k];
        if (still === undefined) return undefined;
        delete current.pending[k];
        const cumulative = current.pendingCumulative?.[k];
        delete current.pendingCumulative?.[k];
        if (cumulative !== undefined && cumulative > redeemableOf(current)) current.redeemable = cumulative;
        current.ledger = confirmAmount(current.ledger, still);
        await this.#save(current);
        return { payee: current.payee, amount: still };
      });
    }
    return undefined;
  }

  /** Forgets a ticket the payee refused (it will never be revealed). */
  async forget(payee: Address, challenge: string): Promise<void> {
    await this.#locks.run(payee.toLowerCase(), async () => {
      const record = await this.#load(payee);
      if (!record || record.pending[challenge.toLowerCase()] === undefined) return;
      delete record.pending[challenge.toLowerCase()];
      delete record.pendingCumulative?.[challenge.toLowerCase()];
      await this.#save(record);
    });
  }

  spendable(record: ChannelRecord): bigint {
    return spendable(record.ledger);
  }

  async #loadIndex(): Promise<void> {
    if (this.#loadedIndex) return;
    const index = await this.#storage.get(`${this.#prefix}index`);
    for (const payee of index ? fromJson<string[]>(index) : []) await this.#load(payee as Address);
    this.#loadedIndex = true;
  }

  async #load(payee: Address): Promise<ChannelRecord | undefined> {
    const k = payee.toLowerCase();
    const cached = this.#records.get(k);
    if (cached) return cached;
    const text = await this.#storage.get(this.#prefix + k);
    if (!text) return undefined;
    const record = fromJson<ChannelRecord>(text);
    this.#records.set(k, record);
    return record;
  }

  async #save(record: ChannelRecord): Promise<void> {
    const k = record.payee.toLowerCase();
    const isNew = !this.#records.has(k) || !(await this.#storage.get(this.#prefix + k));
    this.#records.set(k, record);
    await this.#storage.set(this.#prefix + k, toJson(record));
    if (isNew) {
      await this.#loadIndex();
      const payees = [...this.#records.keys()];
      await this.#storage.set(`${this.#prefix}index`, toJson(payees));
    }
  }
}

/** The stored ledger brought up to date with the chain's view of the channel. */
export function reconcile(stored: ChannelRecord | undefined, payee: Address, chain: ChannelState): ChannelRecord {
  const open = chain.status === "open";
  const base = { payee, status: chain.status, closesAt: chain.closesAt, syncedAt: Date.now() };
  if (!stored || stored.ledger.epoch !== chain.epoch) {
    return { ...base, ledger: newOutgoingChannel({ epoch: chain.epoch, open, balance: chain.balance, settled: chain.settled }), highestSigned: chain.settled, redeemable: chain.settled, pending: {}, pendingCumulative: {} };
  }
  const confirmed = stored.ledger.confirmed > chain.settled ? stored.ledger.confirmed : chain.settled;
  const redeemable = redeemableOf(stored) > chain.settled ? redeemableOf(stored) : chain.settled;
  return {
    ...stored,
    ...base,
    redeemable,
    ledger: { ...stored.ledger, open, balance: chain.balance, settled: chain.settled, confirmed },
  };
}

const redeemableOf = (record: ChannelRecord): bigint => record.redeemable ?? record.highestSigned;

/**
 * `final`: the last voucher of a session is due whenever anything confirmed is unsettled, even if a voucher
 * for it went out before (one sent just before the relay crashed, or still in its commit when it was killed,
 * is lost, and without a later ticket on the channel the relay could never redeem what it revealed beyond
 * its best ticket), and whenever tickets still await a reveal: the voucher is what makes a relay that lost
 * reveals send them again. Sending it costs one signature.
 */
export type VoucherOptions = { final?: boolean };

function isVoucherDue(record: ChannelRecord, options: VoucherOptions): boolean {
  if (!record.ledger.open) return false;
  if (options.final) return record.ledger.confirmed > record.ledger.settled || Object.keys(record.pending).length > 0;
  return record.ledger.confirmed > redeemableOf(record);
}

function trimPending(record: ChannelRecord): void {
  const keys = Object.keys(record.pending);
  for (let i = 0; i < keys.length - MAX_PENDING; i++) {
    delete record.pending[keys[i]!];
    delete record.pendingCumulative?.[keys[i]!];
  }
}
