import { encodeFunctionData, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import type { Redemption, SottoWalletClient } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import type { Logger } from "../log.ts";
import type { RelayMetrics } from "../metrics.ts";
import type { Store } from "../store/store.ts";
import type { IncomingBook } from "../tickets/incomingBook.ts";
import { fromHex, toHex } from "../util/hex.ts";

export interface SettlementPolicy {
  minValue: bigint;
  minTickets: number;
  maxAgeMs: number;
  jitterMs: number;
  maxChannelsPerTx: number;
}

export interface SettlementOptions {
  store: Store;
  book: IncomingBook;
  publicClient: PublicClient;
  wallet: SottoWalletClient;
  channels: Address;
  policy: SettlementPolicy;
  logger: Logger;
  metrics: RelayMetrics;
  random?: () => number;
  now?: () => number;
  /** Called after a confirmed settlement so the chain view refreshes at once. */
  onSettled?: () => void;
}

export interface SettlementResult {
  settlementId: number;
  transactionHash: Hex;
  channels: number;
  redeemed: bigint;
  skipped: number;
  gasUsed: bigint;
}

interface PlannedItem {
  channelId: Hex;
  payer: Address;
  epoch: string;
  cumulative: string;
  index: string;
}

/**
 * Redeems the relay's best tickets in batches: when unredeemed value, ticket count or age crosses the
 * policy's threshold (or a payer started closing its channel), after a random delay, many channels per
 * `redeemMany`. Every settlement is written to the store before it is sent, with its nonce; a restart
 * finishes or re-sends it with the same nonce, so at most one transaction per settlement is ever mined
 * (and the contract's `settled` makes a second redemption of a ticket pay nothing).
 */
export class SettlementManager {
  readonly #o: SettlementOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #scheduled: NodeJS.Timeout | undefined;
  #running: Promise<SettlementResult | undefined> | undefined;
  #oldestUnsettled: number | undefined;
  #stopped = true;

  constructor(options: SettlementOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
  }

  async start(checkEveryMs = 1_000): Promise<void> {
    this.#stopped = false;
    await this.recover();
    this.#timer = setInterval(() => this.#evaluate(), checkEveryMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#scheduled) clearTimeout(this.#scheduled);
    this.#scheduled = undefined;
  }

  /** Waits for an in-flight settlement (graceful shutdown). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  /** Unredeemed value per channel, and its total. */
  pending(): { total: bigint; channels: { channelId: string; payer: Address; value: bigint; closing: boolean }[] } {
    const channels = this.#o.book
      .entries()
      .map((e) => ({ channelId: e.channelId, payer: e.payer, value: this.#o.book.redeemable(e.channelId), closing: !e.ledger.open }))
      .filter((c) => c.value > 0n);
    return { total: channels.reduce((sum, c) => sum + c.value, 0n), channels };
  }

  /** Settles now (admin API, `sotto relay settle`), bypassing thresholds and jitter. */
  settleNow(request: { channels?: string[] } = {}): Promise<SettlementResult | undefined> {
    return this.#run(request.channels?.map((c) => c.toLowerCase()));
  }

  #evaluate(): void {
    if (this.#stopped || this.#scheduled || this.#running) return;
    const { total, channels } = this.pending();
    if (channels.length === 0) {
      this.#oldestUnsettled = undefined;
      return;
    }
    const now = this.#now();
    this.#oldestUnsettled ??= now;
    const policy = this.#o.policy;
    const due =
      total >= policy.minValue ||
      this.#o.book.answeredUnsettled() >= policy.minTickets ||
      now - this.#oldestUnsettled >= policy.maxAgeMs ||
      channels.some((c) => c.closing);
    if (!due) return;
    // A closing channel cannot wait out the jitter: its notice period is running.
    const delay = channels.some((c) => c.closing) ? 0 : Math.floor(this.#random() * policy.jitterMs);
    this.#scheduled = setTimeout(() => {
      this.#scheduled = undefined;
      this.#run().catch(() => {});
    }, delay);
    this.#scheduled.unref();
  }

  #run(only?: string[]): Promise<SettlementResult | undefined> {
    if (this.#running) return this.#running;
    this.#running = this.#settle(only).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #settle(only?: string[]): Promise<SettlementResult | undefined> {
    const { store, book, policy } = { store: this.#o.store, book: this.#o.book, policy: this.#o.policy };
    const items: PlannedItem[] = [];
    const redemptions: Redemption[] = [];
    const candidates = this.pending().channels.filter((c) => !only || only.includes(c.channelId)).sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
    for (const candidate of candidates.slice(0, policy.maxChannelsPerTx)) {
      const entry = book.get(candidate.channelId)!;
      const ticket = store.bestIncomingTicket(fromHex(candidate.channelId), entry.ledger.epoch);
      if (!ticket || !ticket.response) continue;
      items.push({ channelId: entry.channelId, payer: entry.payer, epoch: String(ticket.epoch), cumulative: String(ticket.cumulative), index: String(ticket.index) });
      redemptions.push({
        payer: entry.payer,
        payee: this.#o.wallet.account.address,
        epoch: ticket.epoch,
        cumulative: ticket.cumulative,
        index: ticket.index,
        challenge: toHex(ticket.challenge),
        response: toHex(ticket.response),
        signature: toHex(ticket.signature),
      });
    }
    if (redemptions.length === 0) return undefined;
    const total = candidates.slice(0, policy.maxChannelsPerTx).reduce((s, c) => s + c.value, 0n);
    const id = store.writeNow(() => store.planSettlement(JSON.stringify({ items, redemptions: redemptions.map(serialise) }), total, this.#now()));
    return this.#submit(id, redemptions);
  }

  async #submit(id: number, redemptions: Redemption[], knownNonce?: number): Promise<SettlementResult> {
    const { publicClient, wallet, store, logger, metrics } = this.#o;
    const nonce = knownNonce ?? (await publicClient.getTransactionCount({ address: wallet.account.address, blockTag: "pending" }));
    const data = encodeFunctionData({ abi: paymentChannelsAbi, functionName: "redeemMany", args: [redemptions.map((r) => ({ ...r }))] });
    let hash: Hex;
    try {
      // Record the nonce before sending: after a crash the same nonce is reused, never a second one.
      store.writeNow(() => store.updateSettlement(id, { status: "submitted", nonce }, this.#now()));
      const gas = await publicClient.estimateGas({ account: wallet.account, to: this.#o.channels, data });
      hash = await wallet.sendTransaction({ to: this.#o.channels, data, nonce, gas: (gas * 12n) / 10n, chain: wallet.chain });
      store.writeNow(() => store.updateSettlement(id, { status: "submitted", txHash: hash }, this.#now()));
    } catch (error) {
      metrics.settlements.inc({ outcome: "send_failed" });
      store.writeNow(() => store.updateSettlement(id, { status: "failed", error: (error as Error).message.slice(0, 500) }, this.#now()));
      logger.warn({ settlement: id, err: (error as Error).message }, "settlement not sent; tickets stay in the store for the next attempt");
      throw error;
    }
    return this.#await(id, hash, redemptions.length);
  }

  async #await(id: number, hash: Hex, channels: number): Promise<SettlementResult> {
    const { publicClient, store, logger, metrics } = this.#o;
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 120_000 });
    if (receipt.status !== "success") {
      metrics.settlements.inc({ outcome: "reverted" });
      store.writeNow(() => store.updateSettlement(id, { status: "failed", error: "reverted", gasUsed: receipt.gasUsed }, this.#now()));
      throw new Error(`settlement transaction ${hash} reverted`);
    }
    const logs = parseEventLogs({ abi: paymentChannelsAbi, logs: receipt.logs });
    let redeemed = 0n;
    let skipped = 0;
    for (const log of logs) {
      if (log.eventName === "TicketRedeemed") {
        redeemed += log.args.amount;
        this.#o.book.markRedeemed(log.args.channelId.toLowerCase(), BigInt(log.args.epoch), log.args.cumulative, log.args.amount);
      }
      if (log.eventName === "RedemptionSkipped") skipped++;
    }
    store.writeNow(() => {
      // The recorded total becomes what was actually paid.
      store.updateSettlement(id, { status: "confirmed", gasUsed: receipt.gasUsed, total: redeemed, error: skipped ? `${skipped} skipped` : null }, this.#now());
    });
    metrics.settlements.inc({ outcome: "confirmed" });
    metrics.settledValue.inc(Number(redeemed));
    logger.info({ settlement: id, tx: hash, channels, redeemed: String(redeemed), skipped, gasUsed: String(receipt.gasUsed) }, "settled");
    this.#oldestUnsettled = undefined;
    this.#o.onSettled?.();
    return { settlementId: id, transactionHash: hash, channels, redeemed, skipped, gasUsed: receipt.gasUsed };
  }

  /**
   * Finishes what a previous run left: a planned settlement never sent is dropped (its tickets are still
   * in the store); a submitted one is awaited, or re-sent with its recorded nonce if it vanished.
   */
  async recover(): Promise<void> {
    const { store, publicClient, wallet, logger } = this.#o;
    for (const row of store.settlementsWithStatus("planned")) {
      store.writeNow(() => store.updateSettlement(row.id, { status: "failed", error: "not sent before restart" }, this.#now()));
    }
    for (const row of store.settlementsWithStatus("submitted")) {
      const redemptions = (JSON.parse(row.items) as { redemptions: SerialisedRedemption[] }).redemptions.map(deserialise);
      try {
        if (row.txHash) {
          const receipt = await publicClient.getTransactionReceipt({ hash: row.txHash as Hex }).catch(() => undefined);
          if (receipt) {
            await this.#await(row.id, row.txHash as Hex, redemptions.length);
            continue;
          }
        }
        const mined = await publicClient.getTransactionCount({ address: wallet.account.address, blockTag: "latest" });
        if (row.nonce !== null && mined > row.nonce) {
          // Its nonce was used by a transaction we cannot find: treat as done; the chain view is the truth.
          store.writeNow(() => store.updateSettlement(row.id, { status: "failed", error: "nonce used by another transaction" }, this.#now()));
          continue;
        }
        logger.info({ settlement: row.id, nonce: row.nonce }, "re-sending settlement interrupted by a restart, same nonce");
        await this.#submit(row.id, redemptions, row.nonce ?? undefined);
      } catch (error) {
        logger.warn({ settlement: row.id, err: (error as Error).message }, "could not recover settlement; will retry on next start");
      }
    }
  }
}

type SerialisedRedemption = Record<keyof Redemption, string>;

function serialise(r: Redemption): SerialisedRedemption {
  return { payer: r.payer, payee: r.payee, epoch: String(r.epoch), cumulative: String(r.cumulative), index: String(r.index), challenge: r.challenge, response: r.response, signature: r.signature };
}

function deserialise(r: SerialisedRedemption): Redemption {
  return {
    payer: r.payer as Address,
    payee: r.payee as Address,
    epoch: BigInt(r.epoch),
    cumulative: BigInt(r.cumulative),
    index: BigInt(r.index),
    challenge: r.challenge as Hex,
    response: r.response as Hex,
    signature: r.signature as Hex,
  };
}
