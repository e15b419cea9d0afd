import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Libp2p } from "libp2p";
import { createPublicClient, createWalletClient, defineChain, http, type Address, type PublicClient } from "viem";
import { hashTicketDomain, type CryptoBackend } from "#protocol";
import type { ChannelState, SottoContracts, SottoWalletClient } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import { createAdminApi } from "./api/adminApi.ts";
import { ChainFollower } from "./chain/chainFollower.ts";
import { ChannelStrategy } from "./channels/channelStrategy.ts";
import type { RelayConfig } from "./config/relayConfig.ts";
import { relayBackend } from "./crypto.ts";
import type { RelayKeys } from "./keys/keyFile.ts";
import type { Logger } from "./log.ts";
import { Mailbox } from "./mailbox/mailbox.ts";
import { createRelayMetrics, type RelayMetrics } from "./metrics.ts";
import { LinkManager, peerIdString, type Link } from "#net";
import { createHost } from "#net/node";
import { HopReliability } from "./pipeline/hopReliability.ts";
import { cryptoRandom } from "./pipeline/mixingDelay.ts";
import { createPacketCrypto, defaultCryptoWorkers, type PacketCrypto } from "./pipeline/packetCrypto.ts";
import { PacketPipeline } from "./pipeline/packetPipeline.ts";
import { ReplayCache } from "./pipeline/replayCache.ts";
import { TAG_FILTER_MAX_BYTES } from "./pipeline/tagFilter.ts";
import { heapFlagsWarning, youngGenerationMiB } from "./runtime/heapFlags.ts";
import { SettlementManager } from "./settlement/settlementManager.ts";
import { Store } from "./store/store.ts";
import { IncomingBook } from "./tickets/incomingBook.ts";
import { OutgoingBook } from "./tickets/outgoingBook.ts";
import { toHex } from "./util/hex.ts";

/** Unrevealed outgoing tickets forgotten per turn of the event loop once they can no longer be answered. */
const OUTGOING_PRUNE_CHUNK = 2_000;

export class RelayStartError extends Error {
  override name = "RelayStartError" as const;
}

export interface RelayInit {
  config: RelayConfig;
  keys: RelayKeys;
  logger: Logger;
  backend?: CryptoBackend;
  /** Separate metric registries per relay (several relays in one process, in tests). */
  metrics?: RelayMetrics;
}

/**
 * A running Sotto relay: libp2p host, packet pipeline, ticket books, settlement, channel strategy,
 * mailbox, chain follower, admin API. `start()` brings everything up in dependency order; `stop()`
 * takes it down gracefully (stops accepting, finishes what is in flight, flushes the store).
 */
export class Relay {
  readonly config: RelayConfig;
  readonly keys: RelayKeys;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  readonly backend: CryptoBackend;
  readonly startedAt = Date.now();
  store!: Store;
  host!: Libp2p;
  links!: LinkManager;
  follower!: ChainFollower;
  incoming!: IncomingBook;
  outgoing!: OutgoingBook;
  mailbox!: Mailbox;
  replay!: ReplayCache;
  pipeline!: PacketPipeline;
  settlement!: SettlementManager;
  strategy!: ChannelStrategy;
  api!: FastifyInstance;
  packetCrypto!: PacketCrypto;
  publicClient!: PublicClient;
  apiUrl = "";
  readonly #recipients = new Map<string, Link>();
  #timers: NodeJS.Timeout[] = [];
  #stopping: Promise<void> | undefined;

  constructor(init: RelayInit) {
    this.config = init.config;
    this.keys = init.keys;
    this.logger = init.logger;
    this.backend = init.backend ?? relayBackend();
    this.metrics = init.metrics ?? createRelayMetrics();
  }

  get address(): Address {
    return this.keys.node.address;
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  async start(): Promise<void> {
    const { config, logger } = this;
    const contracts: SottoContracts = { token: "0x0000000000000000000000000000000000000000", registry: config.chain.registry as Address, channels: config.chain.channels as Address };
    const chain = defineChain({ id: config.chain.chainId, name: `chain-${config.chain.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [config.chain.rpcUrl] } } });
    const transport = http(config.chain.rpcUrl, { retryCount: 1, timeout: 10_000 });
    this.publicClient = createPublicClient({ chain, transport }) as PublicClient;
    const wallet = createWalletClient({ account: this.keys.node, chain, transport }) as SottoWalletClient;

    // A relay pointed at the wrong chain would sign tickets nobody can redeem: refuse to start.
    const rpcChainId = await this.publicClient.getChainId().catch(() => undefined);
    if (rpcChainId !== undefined && rpcChainId !== config.chain.chainId) {
      throw new RelayStartError(`the RPC at ${config.chain.rpcUrl} serves chain ${rpcChainId}, but the config says chain.chainId = ${config.chain.chainId}; fix chain.rpcUrl or chain.chainId`);
    }
    if (rpcChainId !== undefined) {
      contracts.token = await this.publicClient.readContract({ address: contracts.channels, abi: paymentChannelsAbi, functionName: "token" }).catch(() => {
        throw new RelayStartError(`no PaymentChannels contract answers at ${contracts.channels} on chain ${config.chain.chainId}; check chain.channels`);
      });
    }

    this.store = new Store(join(config.dataDir, "relay.db"), {
      synchronous: config.store.synchronous,
      commitWindowMs: config.store.commitWindowMs,
      onBatch: (size) => this.metrics.storeBatch.observe(size),
      backgroundCheckpoint: true,
      onCheckpoint: (stats) => this.metrics.storeCheckpoint.observe(stats.ms / 1000),
      onWritesHeld: (ms) => this.metrics.storeWritesHeld.observe(ms / 1000),
      onCheckpointError: (error) => logger.warn({ err: error.message }, "store checkpoint failed"),
      onThread: (name, worker) => this.metrics.trackWorker(name, worker),
    });
    this.incoming = new IncomingBook(this.store, { creditWindow: config.tickets.creditWindow });
    this.outgoing = new OutgoingBook(this.store);
    this.mailbox = new Mailbox(this.store, config.mailbox);
    // protocol.md §8: tags are kept for as long as the onion key is in use (key rotation is what retires them).
    const replay = new ReplayCache(this.store, {
      onOverflow: () =>
        logger.warn(
          { tags: this.replay.stored.tags, maxBytes: TAG_FILTER_MAX_BYTES },
          "the in-memory filter of replay tags reached its memory bound: every packet's tag is now looked up in the database, which is correct but costs a read per packet",
        ),
    });
    this.replay = replay;
    const loadingTags = performance.now();
    void replay.load().then(
      (tags) => {
        if (tags > 0) logger.info({ tags, filterBytes: replay.stored.filterBytes, ms: Math.round(performance.now() - loadingTags) }, "stored replay tags read into memory");
      },
      (error: unknown) => {
        // Stopped meanwhile (the store is closed), or a read failed: tags are then looked up in the store.
        if (this.store.db.open) logger.warn({ err: (error as Error).message }, "could not read the stored replay tags into memory; every packet's tag is looked up in the store");
      },
    );
    const reliability = new HopReliability();

    const applyChannel = (direction: "incoming" | "outgoing", state: ChannelState) => {
      const write = direction === "incoming" ? this.incoming.applyChain(state) : this.outgoing.applyChain(state);
      void this.store.commit(write).catch((error: unknown) => logger.error({ err: (error as Error).message }, "could not persist channel state"));
    };
    this.follower = new ChainFollower(
      { client: this.publicClient, contracts, self: this.address, confirmations: config.chain.confirmations, pollIntervalMs: config.chain.pollIntervalMs, logger, metrics: this.metrics },
      { onChannel: applyChannel },
    );
    try {
      await this.follower.start();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, "chain not reachable at start; starting from stored state and retrying in the background");
    }

    this.host = await createHost({ privateKey: this.keys.libp2p, listen: config.p2p.listen, announce: config.p2p.announce });
    this.links = new LinkManager(
      this.host,
      {
        onFrame: (frame, link) => this.pipeline.onFrame(frame, link),
        onBadFrame: (error, type) => {
          this.metrics.framesRejected.inc({ reason: `bad_frame_${type}` });
          logger.debug({ err: error.message, type }, "invalid frame skipped");
        },
        onFramingError: (error, link) => {
          this.metrics.framesRejected.inc({ reason: "framing" });
          logger.debug({ err: error.message, peer: link.peer }, "link framing broken; stream aborted");
        },
        onDrop: (reason, count) => this.metrics.packetsDropped.inc({ reason }, count),
        onLinkOpen: () => this.metrics.peers.set(this.links.size),
        onLinkClose: (link) => {
          for (const [id, l] of this.#recipients) if (l === link) this.#recipients.delete(id);
          // A voucher in flight to a relay that went away (or restarted) may be lost: owe it one again.
          const relay = this.follower?.relays.find((r) => peerIdString(r.peerId) === link.peer);
          if (relay) this.outgoing.forgetDelivered(relay.node);
          // The next hop went away: its circuits' senders learn it now (not while this relay itself stops).
          if (!this.#stopping && !this.links.get(link.peer)) {
            const lost = this.pipeline.downstreamGone(link.peer);
            if (lost > 0) logger.info({ peer: link.peer, packets: lost }, "next hop went away before its receipts came back; NACKed upstream");
          }
          this.metrics.peers.set(this.links.size);
        },
      },
      { maxQueue: config.limits.queueDepth, lingerMs: config.p2p.feedbackLingerMs },
    );
    await this.links.start();

    this.strategy = new ChannelStrategy({
      self: this.address,
      contracts,
      publicClient: this.publicClient,
      wallet,
      policy: config.channelStrategy,
      relays: () => this.follower.relays,
      outgoing: () => this.follower.outgoingChannels(),
      spendable: (payee) => this.outgoing.spendable(payee),
      logger,
      metrics: this.metrics,
    });

    const domain = hashTicketDomain(this.backend, { chainId: config.chain.chainId, verifyingContract: contracts.channels });
    this.packetCrypto = createPacketCrypto(
      this.backend,
      { onionPrivateKey: this.keys.onionPrivateKey, nodePrivateKey: Buffer.from(this.keys.nodePrivateKey.slice(2), "hex"), nodeAddress: Buffer.from(this.address.slice(2), "hex"), ticketDomain: domain },
      config.performance.cryptoWorkers < 0 ? defaultCryptoWorkers() : config.performance.cryptoWorkers,
      { onThread: (name, worker) => this.metrics.trackWorker(name, worker) },
    );
    this.pipeline = new PacketPipeline({
      backend: this.backend,
      crypto: this.packetCrypto,
      onionPrivateKey: this.keys.onionPrivateKey,
      onionPublicKey: this.backend.publicKeyFromPrivate(this.keys.onionPrivateKey),
      nodeAddress: this.address,
      nodePrivateKey: Buffer.from(this.keys.nodePrivateKey.slice(2), "hex"),
      ticketDomain: domain,
      store: this.store,
      incoming: this.incoming,
      outgoing: this.outgoing,
      mailbox: this.mailbox,
      replay,
      reliability,
      network: {
        relayByOnionKey: (key) => this.follower.relayByOnionKey(key),
        relayByNode: (node) => this.follower.relayByNode(node),
        linkToRelay: (relay) => this.links.connect(peerIdString(relay.peerId), relay.multiaddrs),
        linkToPeer: (peer) => this.links.get(peer),
        recipientLink: (id) => {
          const link = this.#recipients.get(id);
          return link && !link.closed ? link : undefined;
        },
        addRecipient: (id, link) => this.#recipients.set(id, link),
      },
      ensureIncomingChannel: async (payer) => {
        await this.follower.refreshChannel("incoming", payer);
      },
      wantChannel: (payee) => {
        this.strategy.want(payee);
        void this.strategy.run().catch(() => undefined);
      },
      config: { fee: config.fee, dropRate: config.faults.dropRate, meanDelayMs: config.mixing.meanDelayMs, maxDelayMs: config.mixing.maxDelayMs, ackTimeoutMs: config.tickets.ackTimeoutMs, receiptTtlMs: config.tickets.receiptTtlMs },
      metrics: this.metrics,
      logger,
      random: cryptoRandom,
    });

    this.settlement = new SettlementManager({
      store: this.store,
      book: this.incoming,
      publicClient: this.publicClient,
      wallet,
      channels: contracts.channels,
      policy: config.settlement,
      logger,
      metrics: this.metrics,
      onSettled: () => void this.follower.poll().catch(() => undefined),
    });
    await this.settlement.start();

    // A ticket whose response has not come by the time its message could still sit in a mailbox never will.
    const answerWindowMs = config.mailbox.ttlSeconds * 1000 + config.tickets.receiptTtlMs;
    this.#every(10_000, () => {
      const now = Date.now();
      this.pipeline.sweep();
      replay.sweep(now);
      this.store.pruneUnansweredTickets(now - answerWindowMs);
      void this.#pruneOutgoing(now - answerWindowMs);
      for (const expired of this.mailbox.expire(Date.now())) {
        this.metrics.mailboxExpired.inc();
        logger.info({ recipient: toHex(expired.recipient) }, "mailbox message expired unread; it will not be paid");
      }
    });
    // Settled tickets are deleted a chunk at a time, in their own short transactions.
    this.#every(200, () => this.store.writeNow(() => this.incoming.pruneSome(2_000)));
    this.#every(Math.max(5_000, config.chain.pollIntervalMs), () => void this.strategy.run().catch(() => undefined));
    this.#every(1_000, () => void this.pipeline.sendVouchers(config.tickets.voucherIdleMs).catch((error: unknown) => logger.warn({ err: (error as Error).message }, "voucher round failed")));
    void this.#resendRevealsToRelays();
    void this.strategy.run().catch(() => undefined);

    this.api = createAdminApi({ token: config.api.token, backend: this.#adminBackend(), metrics: this.metrics });
    this.apiUrl = await this.api.listen({ host: config.api.host, port: config.api.port });
    const heapWarning = heapFlagsWarning();
    if (heapWarning !== undefined) logger.warn({ youngGenerationMiB: youngGenerationMiB() }, heapWarning);
    if (config.faults.dropRate > 0) logger.warn({ dropRate: config.faults.dropRate }, "fault injection on: this relay drops packets on purpose (faults.dropRate)");
    logger.info({ node: this.address, peerId: this.peerId, addrs: this.host.getMultiaddrs().map(String), api: this.apiUrl }, "relay started");
  }

  /** After a restart, gives relay payers back every response this relay knows (some REVEALs may be lost). */
  async #resendRevealsToRelays(): Promise<void> {
    for (const { channelId, payer } of this.pipeline.pendingRevealResends()) {
      const relay = this.follower.relayByNode(payer);
      if (!relay) continue; // a client payer: resent on its next packet
      try {
        const link = await this.links.connect(peerIdString(relay.peerId), relay.multiaddrs);
        const count = this.pipeline.resendReveals(channelId, link);
        if (count > 0) this.logger.info({ payer, reveals: count }, "resent reveals after restart");
      } catch (error) {
        this.logger.debug({ payer, err: (error as Error).message }, "could not reach payer to resend reveals; will resend on its next packet");
      }
    }
  }

  #pruningOutgoing = false;

  /** Forgets unrevealed outgoing tickets that can no longer be answered, a chunk at a time, the event loop free in between. */
  async #pruneOutgoing(issuedBefore: number): Promise<void> {
    if (this.#pruningOutgoing) return;
    this.#pruningOutgoing = true;
    try {
      while (!this.#stopping && this.outgoing.prune(issuedBefore, OUTGOING_PRUNE_CHUNK) === OUTGOING_PRUNE_CHUNK) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.#pruningOutgoing = false;
    }
  }

  #every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Graceful shutdown: stop taking traffic, let in-flight work finish, flush and close the store. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.logger.info("relay stopping");
      for (const timer of this.#timers) clearInterval(timer);
      if (this.api) await this.api.close();
      this.settlement?.stop();
      this.follower?.stop();
      const deadline = Date.now() + 5_000;
      while (this.pipeline && this.pipeline.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await this.settlement?.idle();
      await this.links?.stop().catch(() => undefined);
      if (this.host) await this.host.stop();
      await this.packetCrypto?.close();
      this.store?.close();
      this.logger.info("relay stopped");
    })();
    return this.#stopping;
  }

  #adminBackend() {
    const str = (v: bigint) => v.toString();
    return {
      status: () => ({
        node: this.address,
        peerId: this.peerId,
        addrs: this.host.getMultiaddrs().map(String),
        chain: { healthy: this.follower.healthy, lastBlock: this.follower.lastBlock?.toString() ?? null, chainId: this.config.chain.chainId },
        fee: str(this.config.fee),
        uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
        inFlight: this.pipeline.inFlight,
        circuits: this.pipeline.circuits,
        outgoingChallenges: this.pipeline.outgoingChallenges,
        replayTags: this.replay.stored,
        outgoingTicketsUnrevealed: this.outgoing.pendingTickets,
        replayTagsInFlight: this.replay.inFlight,
        relaysKnown: this.follower.relays.length,
        registered: this.follower.relayByNode(this.address) !== undefined,
        youngGenerationMiB: youngGenerationMiB(),
      }),
      peers: () => this.host.getConnections().map((c) => ({ peer: c.remotePeer.toString(), addr: c.remoteAddr.toString(), direction: c.direction })),
      channels: () => ({
        incoming: this.incoming.entries().map((e) => ({
          channelId: e.channelId,
          payer: e.payer,
          epoch: str(e.ledger.epoch),
          open: e.ledger.open,
          balance: str(e.ledger.balance),
          settled: str(e.ledger.settled),
          bestCumulative: str(e.ledger.bestCumulative),
          redeemable: str(this.incoming.redeemable(e.channelId)),
          revealed: str(e.ledger.revealed),
          ...this.store.channelTicketCounts(Buffer.from(e.channelId.slice(2), "hex"), e.ledger.epoch),
        })),
        outgoing: this.outgoing.entries().map((e) => ({
          channelId: e.channelId,
          payee: e.payee,
          epoch: str(e.ledger.epoch),
          open: e.ledger.open,
          balance: str(e.ledger.balance),
          settled: str(e.ledger.settled),
          confirmed: str(e.ledger.confirmed),
          nextIndex: str(e.ledger.nextIndex),
        })),
      }),
      tickets: () => {
        const pending = this.settlement.pending();
        return {
          storedTickets: this.store.incomingTicketCount(),
          answeredTickets: this.store.answeredTicketCount(),
          unredeemedValue: str(pending.total),
          earnedOnChain: str(this.store.confirmedEarnings()),
          settlements: this.store.settlementCounts(),
          recentSettlements: this.store.recentSettlements(10).map((s) => ({ id: s.id, status: s.status, txHash: s.txHash, total: str(s.total), gasUsed: s.gasUsed?.toString() ?? null, error: s.error })),
        };
      },
      mailbox: () => ({ ...this.mailbox.stats(Date.now()), connectedRecipients: this.#recipients.size }),
      settleNow: async (request: { channels?: string[] }) => {
        let result;
        try {
          result = await this.settlement.settleNow(request);
        } catch (error) {
          // The tickets stay in the store; tell the operator why nothing was settled this time.
          throw Object.assign(new Error(`settlement failed: ${(error as Error).message.split("\n")[0]}; the tickets are kept and will be settled when the chain is reachable`), { statusCode: 503 });
        }
        return result
          ? { settled: true, transactionHash: result.transactionHash, channels: result.channels, redeemed: str(result.redeemed), skipped: result.skipped, gasUsed: str(result.gasUsed) }
          : { settled: false, reason: "nothing redeemable" };
      },
      health: () => {
        const checks = { chain: this.follower.healthy, p2p: this.host.status === "started", store: this.store.db.open };
        return { ok: checks.p2p && checks.store, checks };
      },
    };
  }
}
