import type { Address, PublicClient } from "viem";
import { fundChannel, type ChannelState, type RelayRecord, type SottoContracts, type SottoWalletClient } from "#contracts";
import { stakeWeightedOrder } from "#protocol";
import type { Logger } from "../log.ts";
import type { RelayMetrics } from "../metrics.ts";

export interface ChannelStrategyPolicy {
  /** Most tokens locked in outgoing channels in total (sum of their balances). */
  budget: bigint;
  deposit: bigint;
  topUpBelow: bigint;
  maxPeers: number;
}

export interface ChannelStrategyOptions {
  self: Address;
  contracts: SottoContracts;
  publicClient: PublicClient;
  wallet: SottoWalletClient;
  policy: ChannelStrategyPolicy;
  relays: () => readonly RelayRecord[];
  outgoing: () => readonly ChannelState[];
  /** Spendable value left on the channel to `payee` as the payer's book sees it. */
  spendable: (payee: Address) => bigint;
  logger: Logger;
  metrics: RelayMetrics;
  random?: () => number;
}

export type StrategyAction = { kind: "open" | "top_up"; payee: Address; amount: bigint };

/**
 * Decides which outgoing channels to open or top up: up to `maxPeers` other active relays, picked
 * stake-weighted at random, never locking more than `budget` in total. Pure planning in `plan`, chain
 * writes in `run`.
 */
export class ChannelStrategy {
  readonly #o: ChannelStrategyOptions;
  readonly #random: () => number;
  readonly #wanted = new Set<string>();
  #running: Promise<StrategyAction[]> | undefined;

  constructor(options: ChannelStrategyOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
  }

  /** Asks for a channel to `payee` at the next run (a packet needed it), budget permitting. */
  want(payee: Address): void {
    this.#wanted.add(payee.toLowerCase());
  }

  plan(): StrategyAction[] {
    const { policy, self } = this.#o;
    const outgoing = this.#o.outgoing().filter((c) => c.status === "open");
    let locked = outgoing.reduce((sum, c) => sum + c.balance, 0n);
    const actions: StrategyAction[] = [];
    const afford = (amount: bigint) => policy.deposit > 0n && locked + amount <= policy.budget;

    for (const channel of outgoing) {
      if (this.#o.spendable(channel.payee) < policy.topUpBelow && afford(policy.deposit)) {
        actions.push({ kind: "top_up", payee: channel.payee, amount: policy.deposit });
        locked += policy.deposit;
      }
    }
    const have = new Set(this.#o.outgoing().map((c) => c.payee.toLowerCase()));
    let slots = policy.maxPeers - outgoing.length;
    const candidates = this.#o
      .relays()
      .filter((r) => r.active && r.node.toLowerCase() !== self.toLowerCase() && !have.has(r.node.toLowerCase()));
    // Relays a packet asked for come first, then a stake-weighted draw among the rest.
    const wanted = candidates.filter((r) => this.#wanted.has(r.node.toLowerCase()));
    const rest = stakeWeightedOrder(candidates.filter((r) => !this.#wanted.has(r.node.toLowerCase())), this.#random);
    for (const relay of [...wanted, ...rest]) {
      if (slots <= 0 || !afford(policy.deposit)) break;
      actions.push({ kind: "open", payee: relay.node, amount: policy.deposit });
      locked += policy.deposit;
      slots--;
    }
    return actions;
  }

  /** Plans and executes; one run at a time. Returns what was done. */
  run(): Promise<StrategyAction[]> {
    this.#running ??= this.#execute().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #execute(): Promise<StrategyAction[]> {
    const done: StrategyAction[] = [];
    for (const action of this.plan()) {
      try {
        await fundChannel(this.#o.publicClient, this.#o.wallet, { contracts: this.#o.contracts, payee: action.payee, amount: action.amount });
        this.#wanted.delete(action.payee.toLowerCase());
        this.#o.logger.info({ action: action.kind, payee: action.payee, amount: String(action.amount) }, "funded outgoing channel");
        done.push(action);
      } catch (error) {
        this.#o.metrics.chainErrors.inc({ op: "fund" });
        this.#o.logger.warn({ payee: action.payee, err: (error as Error).message }, "could not fund outgoing channel; check the node account's token and ETH balance");
        break;
      }
    }
    return done;
  }
}
