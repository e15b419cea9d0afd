import { parseEventLogs, type Address, type PublicClient } from "viem";
import { getChannel, getRelayDirectory, type ChannelState, type RelayRecord, type SottoContracts } from "#contracts";
import { paymentChannelsAbi, relayRegistryAbi } from "#contracts/generated";
import type { Logger } from "../log.ts";
import type { RelayMetrics } from "../metrics.ts";

export interface ChainFollowerOptions {
  client: PublicClient;
  contracts: SottoContracts;
  /** This relay's node address: payee of its incoming channels, payer of its outgoing ones. */
  self: Address;
  confirmations: number;
  pollIntervalMs: number;
  startBlock?: bigint;
  logger: Logger;
  metrics: RelayMetrics;
}

export type ChannelDirection = "incoming" | "outgoing";

export interface ChainFollowerEvents {
  onChannel?: (direction: ChannelDirection, channel: ChannelState) => void;
  onDirectory?: (relays: readonly RelayRecord[]) => void;
}

const key = (address: string) => address.toLowerCase();

/**
 * Follows the chain for what the relay needs: the relay directory and the state of every channel that
 * pays it or that it pays. State counts once it is `confirmations` blocks deep. When the RPC fails the
 * follower keeps its last view (the relay keeps forwarding from it), marks itself unhealthy, and catches
 * up from the last block it processed when the RPC returns.
 */
export class ChainFollower {
  readonly #o: ChainFollowerOptions;
  readonly #events: ChainFollowerEvents;
  #relays: RelayRecord[] = [];
  readonly #byNode = new Map<string, RelayRecord>();
  readonly #byOnionKey = new Map<string, RelayRecord>();
  readonly #byPeerId = new Map<string, RelayRecord>();
  readonly #incoming = new Map<string, ChannelState>();
  readonly #outgoing = new Map<string, ChannelState>();
  #lastBlock: bigint | undefined;
  #healthy = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #failures = 0;
  #polling: Promise<void> | undefined;

  constructor(options: ChainFollowerOptions, events: ChainFollowerEvents = {}) {
    this.#o = options;
    this.#events = events;
  }

  get healthy(): boolean {
    return this.#healthy;
  }
  get lastBlock(): bigint | undefined {
    return this.#lastBlock;
  }
  get relays(): readonly RelayRecord[] {
    return this.#relays;
  }
  relayByNode(node: string): RelayRecord | undefined {
    return this.#byNode.get(key(node));
  }
  relayByOnionKey(onionKey: string): RelayRecord | undefined {
    return this.#byOnionKey.get(key(onionKey));
  }
  relayByPeerId(peerIdHex: string): RelayRecord | undefined {
    return this.#byPeerId.get(key(peerIdHex));
  }
  incomingFrom(payer: string): ChannelState | undefined {
    for (const channel of this.#incoming.values()) if (key(channel.payer) === key(payer)) return channel;
    return undefined;
  }
  incomingChannels(): ChannelState[] {
    return [...this.#incoming.values()];
  }
  outgoingTo(payee: string): ChannelState | undefined {
    for (const channel of this.#outgoing.values()) if (key(channel.payee) === key(payee)) return channel;
    return undefined;
  }
  outgoingChannels(): ChannelState[] {
    return [...this.#outgoing.values()];
  }

  /** First full sync; throws if the chain cannot be read (the caller decides whether to start anyway). */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.poll();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Reads a channel's state right now (e.g. a payer the relay has not seen yet) and caches it. */
  async refreshChannel(direction: ChannelDirection, counterparty: Address): Promise<ChannelState> {
    const self = this.#o.self;
    const [payer, payee] = direction === "incoming" ? [counterparty, self] : [self, counterparty];
    const state = await this.#o.client
      .getBlockNumber({ cacheTime: 0 })
      .then((head) => getChannel(this.#o.client, { channels: this.#o.contracts.channels, payer, payee, blockNumber: this.#finalBlock(head) }))
      .catch((error: unknown) => {
        this.#o.metrics.chainErrors.inc({ op: "getChannel" });
        throw error;
      });
    this.#storeChannel(direction, state);
    return state;
  }

  /** One catch-up step: apply every confirmed log since the last processed block. */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  #finalBlock(head: bigint): bigint {
    const target = head - BigInt(this.#o.confirmations);
    return target < 0n ? 0n : target;
  }

  async #pollOnce(): Promise<void> {
    const { client, contracts, self } = this.#o;
    try {
      const target = this.#finalBlock(await client.getBlockNumber({ cacheTime: 0 }));
      const from = this.#lastBlock === undefined ? (this.#o.startBlock ?? 0n) : this.#lastBlock + 1n;
      if (this.#lastBlock === undefined || target >= from) {
        const [channelLogs, registryLogs] = await Promise.all([
          target >= from ? client.getLogs({ address: contracts.channels, fromBlock: from, toBlock: target }) : [],
          target >= from ? client.getLogs({ address: contracts.registry, fromBlock: from, toBlock: target }) : [],
        ]);
        const touched = new Map<string, { direction: ChannelDirection; counterparty: Address }>();
        for (const log of parseEventLogs({ abi: paymentChannelsAbi, logs: channelLogs })) {
          const args = log.args as { payer?: Address; payee?: Address };
          if (!args.payer || !args.payee) continue;
          if (key(args.payee) === key(self)) touched.set(`in:${key(args.payer)}`, { direction: "incoming", counterparty: args.payer });
          if (key(args.payer) === key(self)) touched.set(`out:${key(args.payee)}`, { direction: "outgoing", counterparty: args.payee });
        }
        for (const { direction, counterparty } of touched.values()) {
          const [payer, payee] = direction === "incoming" ? [counterparty, self] : [self, counterparty];
          this.#storeChannel(direction, await getChannel(client, { channels: contracts.channels, payer, payee, blockNumber: target }));
        }
        const registryChanged = parseEventLogs({ abi: relayRegistryAbi, logs: registryLogs }).length > 0;
        if (registryChanged || this.#lastBlock === undefined) {
          this.#setDirectory(await getRelayDirectory(client, { registry: contracts.registry, blockNumber: target }));
        }
        this.#lastBlock = target;
      }
      if (!this.#healthy) this.#o.logger.info({ block: String(this.#lastBlock) }, "chain reachable");
      this.#healthy = true;
      this.#failures = 0;
      this.#o.metrics.chainHealthy.set(1);
    } catch (error) {
      this.#failures++;
      if (this.#healthy || this.#failures === 1) {
        this.#o.logger.warn({ err: (error as Error).message, rpc: "unreachable or failing" }, "chain poll failed; relaying from cached state, will retry");
      }
      this.#healthy = false;
      this.#o.metrics.chainHealthy.set(0);
      this.#o.metrics.chainErrors.inc({ op: "poll" });
      throw error;
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    // Back off up to 8× the poll interval while the RPC keeps failing.
    const delay = this.#o.pollIntervalMs * Math.min(8, 2 ** Math.min(this.#failures, 3));
    this.#timer = setTimeout(() => {
      this.poll()
        .catch(() => {})
        .finally(() => this.#schedule());
    }, delay);
    this.#timer.unref();
  }

  #storeChannel(direction: ChannelDirection, state: ChannelState): void {
    const map = direction === "incoming" ? this.#incoming : this.#outgoing;
    // A channel never funded is not worth remembering (anyone can make the relay look one up).
    if (state.status === "none" && !map.has(key(state.channelId))) return;
    const previous = map.get(key(state.channelId));
    map.set(key(state.channelId), state);
    const changed =
      !previous ||
      previous.balance !== state.balance ||
      previous.settled !== state.settled ||
      previous.epoch !== state.epoch ||
      previous.status !== state.status;
    if (changed) this.#events.onChannel?.(direction, state);
  }

  #setDirectory(relays: RelayRecord[]): void {
    this.#relays = relays;
    this.#byNode.clear();
    this.#byOnionKey.clear();
    this.#byPeerId.clear();
    for (const relay of relays) {
      this.#byNode.set(key(relay.node), relay);
      this.#byOnionKey.set(key(relay.onionKey), relay);
      this.#byPeerId.set(key(relay.peerId), relay);
    }
    this.#events.onDirectory?.(relays);
  }
}
