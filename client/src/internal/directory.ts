import type { Address, PublicClient } from "viem";
import { getChannel, getRelayDirectory } from "#contracts";
import { relayRegistryAbi } from "#contracts/generated";
import { fromHex } from "#protocol";
import type { ClientLogger, RelayInfo } from "../types.ts";
import { peerIdFromRegistry } from "./utils.ts";

/**
 * The relay directory, read with `getRelayDirectory` (paginated views at one block) and cached for `ttlMs`;
 * any RelayRegistry event (registration, update, stake change, unstake) invalidates it when watching is on.
 * Also caches whether a channel between two relays is open and funded (route selection asks often).
 */
export class Directory {
  readonly #publicClient: PublicClient;
  readonly #registry: Address;
  readonly #channels: Address;
  readonly #ttlMs: number;
  readonly #logger: ClientLogger;
  #relays: RelayInfo[] | undefined;
  #fetchedAt = 0;
  #inFlight: Promise<RelayInfo[]> | undefined;
  #unwatch: (() => void) | undefined;
  readonly #channelCache = new Map<string, { ok: boolean; at: number }>();
  readonly #channelTtlMs: number;

  constructor(p: { publicClient: PublicClient; registry: Address; channels: Address; ttlMs: number; channelTtlMs?: number; logger: ClientLogger }) {
    this.#publicClient = p.publicClient;
    this.#registry = p.registry;
    this.#channels = p.channels;
    this.#ttlMs = p.ttlMs;
    this.#channelTtlMs = p.channelTtlMs ?? 60_000;
    this.#logger = p.logger;
  }

  /** Every relay in the registry (active or not), from the cache unless it is stale or `refresh` is set. */
  async list(refresh = false): Promise<RelayInfo[]> {
    if (!refresh && this.#relays && Date.now() - this.#fetchedAt < this.#ttlMs) return this.#relays;
    this.#inFlight ??= this.#fetch().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  invalidate(): void {
    this.#fetchedAt = 0;
  }

  async byNode(node: string): Promise<RelayInfo | undefined> {
    const find = (list: RelayInfo[]) => list.find((r) => r.node.toLowerCase() === node.toLowerCase());
    return find(await this.list()) ?? find(await this.list(true));
  }

  async byNodeId(nodeId: Uint8Array): Promise<RelayInfo | undefined> {
    const find = (list: RelayInfo[]) => list.find((r) => equal(r.nodeId, nodeId));
    return find(await this.list()) ?? find(await this.list(true));
  }

  /** Follows RelayRegistry events (polling `eth_getLogs`); falls back to the TTL alone if the RPC cannot. */
  watch(pollingInterval: number): void {
    if (this.#unwatch) return;
    try {
      this.#unwatch = this.#publicClient.watchContractEvent({
        address: this.#registry,
        abi: relayRegistryAbi,
        poll: true,
        pollingInterval,
        onLogs: (logs) => {
          this.#logger.debug("relay registry changed: directory refresh on next use", { events: logs.length });
          this.invalidate();
        },
        onError: (error) => this.#logger.debug("watching the relay registry failed; relying on the cache TTL", {}, error),
      });
    } catch (error) {
      this.#logger.debug("cannot watch the relay registry; relying on the cache TTL", {}, error);
    }
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  /** Whether `payer` has an open channel to `payee` with a balance of at least `minBalance` (cached). */
  async hasChannel(payer: string, payee: string, minBalance = 1n): Promise<boolean> {
    const k = `${payer.toLowerCase()}>${payee.toLowerCase()}`;
    const cached = this.#channelCache.get(k);
    if (cached && Date.now() - cached.at < this.#channelTtlMs) return cached.ok;
    let ok = false;
    try {
      const state = await getChannel(this.#publicClient, { channels: this.#channels, payer: payer as Address, payee: payee as Address });
      ok = state.status === "open" && state.balance >= minBalance;
    } catch (error) {
      this.#logger.debug("channel look-up failed", { payer, payee }, error);
    }
    this.#channelCache.set(k, { ok, at: Date.now() });
    return ok;
  }

  async #fetch(): Promise<RelayInfo[]> {
    const records = await getRelayDirectory(this.#publicClient, { registry: this.#registry });
    const relays: RelayInfo[] = [];
    for (const r of records) {
      try {
        relays.push({ ...r, nodeId: fromHex(r.onionKey, 33), peer: peerIdFromRegistry(r.peerId) });
      } catch (error) {
        this.#logger.debug("skipping a relay record with a malformed key", { node: r.node }, error);
      }
    }
    this.#relays = relays;
    this.#fetchedAt = Date.now();
    return relays;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
