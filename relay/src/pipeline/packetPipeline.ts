import type { Address } from "viem";
import {
  BaseError,
  NackReason,
  answersVoucher,
  computeChallenge,
  computeChannelId,
  decodeFrame,
  encodeFrame,
  signTicket,
  verifySubscribe,
  verifyTicket,
  voucherRefused,
  voucherStored,
  type CryptoBackend,
  type Frame,
  type PacketFrame,
  type SubscribeFrame,
  type WireTicket,
} from "#protocol";
import type { RelayRecord } from "#contracts";
import type { Logger } from "../log.ts";
import type { Mailbox } from "../mailbox/mailbox.ts";
import type { RelayMetrics } from "../metrics.ts";
import { peerIdString, type Link } from "#net";
import type { MailboxEntry, Store } from "../store/store.ts";
import type { IncomingBook } from "../tickets/incomingBook.ts";
import type { OutgoingBook } from "../tickets/outgoingBook.ts";
import { toHex } from "../util/hex.ts";
import { ExpiringMap } from "./expiringMap.ts";
import type { PacketCrypto } from "./packetCrypto.ts";
import type { HopReliability } from "./hopReliability.ts";
import { sampleMixingDelay } from "./mixingDelay.ts";
import type { ReplayCache } from "./replayCache.ts";

/** Why a packet was dropped (the `reason` label of sotto_packets_dropped_total). */
export type DropReason =
  | "bad_onion"
  | "unexpected_final_hop"
  | "replay"
  | "missing_ticket"
  | "no_channel"
  | "bad_signature"
  | "fee_too_low"
  | "unknown_next_hop"
  | "next_hop_unreliable"
  | "no_outgoing_channel"
  | "mailbox_full"
  | "link_unavailable"
  | "store_error"
  | "fault_injected"
  | "overloaded"
  | `ticket_${string}`;

export interface PipelineConfig {
  fee: bigint;
  /** Fault injection for tests: fraction of packets silently ignored. */
  dropRate: number;
  meanDelayMs: number;
  maxDelayMs: number;
  ackTimeoutMs: number;
  receiptTtlMs: number;
}

/** How the pipeline reaches other nodes. */
export interface PipelineNetwork {
  relayByOnionKey(onionKeyHex: string): RelayRecord | undefined;
  relayByNode(node: string): RelayRecord | undefined;
  /** An open link to a relay, dialling its registered addresses if needed. */
  linkToRelay(relay: RelayRecord): Promise<Link>;
  /** An open link to a peer by libp2p id, if one exists. */
  linkToPeer(peer: string): Link | undefined;
  /** A connected recipient's link, by its node id (hex). */
  recipientLink(nodeIdHex: string): Link | undefined;
  /** Remembers `link` as the way to a subscribed recipient (until the link closes). */
  addRecipient(nodeIdHex: string, link: Link): void;
}

export interface PipelineDeps {
  backend: CryptoBackend;
  /** Per-packet public-key work (inline or on worker threads). */
  crypto: PacketCrypto;
  onionPrivateKey: Uint8Array;
  onionPublicKey: Uint8Array;
  nodeAddress: Address;
  nodePrivateKey: Uint8Array;
  /** EIP-712 domain separator of PaymentChannels on this chain. */
  ticketDomain: Uint8Array;
  store: Store;
  incoming: IncomingBook;
  outgoing: OutgoingBook;
  mailbox: Mailbox;
  replay: ReplayCache;
  reliability: HopReliability;
  network: PipelineNetwork;
  /** Makes sure the incoming channel from `payer` is known (reads the chain if not). */
  ensureIncomingChannel(payer: Address): Promise<void>;
  /** A packet needed an outgoing channel to `payee` that does not exist or is exhausted. */
  wantChannel(payee: Address): void;
  config: PipelineConfig;
  metrics: RelayMetrics;
  logger: Logger;
  random: () => number;
  now?: () => number;
}

/** What the relay remembers about a packet it accepted, keyed by the incoming ticket's challenge. */
interface Circuit {
  /**
   * The link the packet came in on. Everything this relay sends back for it (ACK, REVEAL, RECEIPT, NACK) goes
   * on that link while it is open, so it arrives in order: two nodes that dialled each other at once have
   * two links, and frames split across them can overtake each other.
   */
  upstream: Link;
  payer: Address;
  channelId: `0x${string}`;
  epoch: bigint;
  index: bigint;
  cumulative: bigint;
  amountIn: bigint;
  amountOut: bigint;
  /** This relay's ack secret for the packet (it keys the receipt upstream). */
  ackSecret: Uint8Array;
  nextHop: string | undefined;
  outgoingChallenge: string | undefined;
  forwardedAt: number;
  state: "forwarding" | "acked" | "failed";
  timer: NodeJS.Timeout | undefined;
  /** Whether this relay's REVEAL upstream is waiting for its commit ("pending") or went out ("sent"). */
  reveal?: "pending" | "sent";
  /** A delivery receipt that arrived while the REVEAL was pending: it follows the REVEAL. */
  receipt?: Uint8Array;
  /** A NACK for it went upstream (at most one does). */
  nacked?: boolean;
  /** The next hop's peer id, once the packet was handed to its link. */
  downstreamPeer?: string;
}

/** The next hop's ticket for a packet, signed, and its store write. */
interface OutgoingTicket {
  ok: true;
  channelId: `0x${string}`;
  cumulative: bigint;
  write: () => void;
  ticket: WireTicket;
}

const hex = (bytes: Uint8Array) => toHex(bytes);

/** Packets queued for the crypto workers at most; about 1 s of work at full speed. */
const MAX_PENDING_CRYPTO = 2_048;

/**
 * The relay's packet pipeline (DESIGN.md §1, §3): for every PACKET frame, peel one layer, reject replays,
 * check the ticket that pays this hop, persist, ack upstream, wait the mixing delay, and forward with a
 * smaller ticket; then turn the next hop's ack into the response that makes the incoming ticket
 * redeemable and reveal it upstream. Every rejection is counted by reason and, where the sender
 * of the packet can act on it, answered with a NACK.
 */
export class PacketPipeline {
  readonly #d: PipelineDeps;
  readonly #now: () => number;
  readonly #circuits: ExpiringMap<string, Circuit>;
  /** Outgoing challenge → incoming challenge, to find a circuit from a downstream NACK. */
  readonly #byOutgoing: ExpiringMap<string, string>;
  #inFlight = 0;
  #mixing = 0;
  readonly #nodeAddressBytes: Uint8Array;
  /** Channel ids of payers with a channel, and of this relay's outgoing channels, by counterparty. */
  readonly #channelIds = new Map<string, Uint8Array>();
  readonly #outgoingChannelIds = new Map<string, Uint8Array>();
  /** Payers recently found to have no channel (negative cache, bounded). */
  readonly #unknownPayers = new ExpiringMap<string, true>({ ttlMs: 5_000, maxSize: 10_000 });
  /** Payers whose channel was read again because a ticket outran what the relay knew of it (one read per payer every 2 s). */
  readonly #reread = new ExpiringMap<string, true>({ ttlMs: 2_000, maxSize: 10_000 });
  readonly #payerLookups = new Map<string, Promise<void>>();
  /** Delivery receipts (by incoming challenge) whose writes are not committed yet. */
  readonly #receiptsCommitting = new Set<string>();
  /** Incoming channels whose reveals must be sent again (the relay restarted; some may have been lost). */
  readonly #revealResend = new Set<string>();

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#nodeAddressBytes = hexBytes(deps.nodeAddress);
    for (const entry of deps.incoming.entries()) this.#revealResend.add(entry.channelId);
    this.#now = deps.now ?? Date.now;
    this.#circuits = new ExpiringMap({ ttlMs: deps.config.receiptTtlMs, maxSize: 500_000, onExpire: (_k, c) => c.timer && clearTimeout(c.timer) });
    this.#byOutgoing = new ExpiringMap({ ttlMs: deps.config.ackTimeoutMs * 2 + deps.config.maxDelayMs, maxSize: 500_000 });
  }

  /** Reads a payer's channel from the chain, one lookup per payer at a time. */
  #lookupPayer(payer: Address): Promise<void> {
    let lookup = this.#payerLookups.get(payer);
    if (!lookup) {
      lookup = this.#d
        .ensureIncomingChannel(payer)
        .catch(() => undefined)
        .finally(() => this.#payerLookups.delete(payer));
      this.#payerLookups.set(payer, lookup);
    }
    return lookup;
  }

  /** Whether a fresher view of the channel could turn this refusal into an acceptance. */
  #chainMayHaveMoved(reason: string, channelId: string, ticketEpoch: bigint): boolean {
    if (reason === "insufficient_balance") return true;
    const known = this.#d.incoming.get(channelId)?.ledger.epoch;
    return reason === "wrong_epoch" && known !== undefined && ticketEpoch > known;
  }

  /** Packets accepted but not yet handed to the next hop (mixing or awaiting a link). */
  get inFlight(): number {
    return this.#inFlight;
  }

  get circuits(): number {
    return this.#circuits.size;
  }

  /** Outgoing challenges of circuits, by which a downstream NACK finds its circuit. */
  get outgoingChallenges(): number {
    return this.#byOutgoing.size;
  }

  /** Entry point for every frame arriving on a link. */
  onFrame(frame: Frame, link: Link): void {
    switch (frame.type) {
      case "packet":
        this.#d.metrics.packetsIn.inc({ from: "link" });
        if (this.#d.config.dropRate > 0 && this.#d.random() < this.#d.config.dropRate) {
          this.#drop("fault_injected");
          return;
        }
        void this.#onPacket(frame, link).catch((error: unknown) => this.#internalError(error));
        return;
      case "ack":
        this.#onAck(frame.ackSecret);
        return;
      case "reveal":
        if (answersVoucher(frame)) this.#d.metrics.revealsReceived.inc({ outcome: "voucher_stored" });
        else this.#onReveal(frame.response);
        return;
      case "receipt":
        this.#onReceipt(frame.ackSecret, frame.recipientAckSecret);
        return;
      case "nack":
        if (answersVoucher(frame)) this.#onVoucherRefused(frame.reason, link);
        else this.#onNack(frame.challenge, frame.reason);
        return;
      case "voucher":
        void this.#onVoucher(frame.ticket, link).catch((error: unknown) => this.#internalError(error));
        return;
      case "subscribe":
        this.#onSubscribe(frame, link);
        return;
      case "drained":
        this.#d.metrics.framesRejected.inc({ reason: "unexpected_drained" });
        return;
    }
  }

  /**
   * A recipient subscribes to the packets addressed to its node id: after checking its signature, send the
   * mailbox backlog, DRAINED, and from then on new packets live. Messages stay stored until their ACK.
   */
  #onSubscribe(frame: SubscribeFrame, link: Link): void {
    const d = this.#d;
    const check = verifySubscribe(d.backend, frame, { relayNodeId: d.onionPublicKey, nowSeconds: BigInt(Math.floor(this.#now() / 1000)) });
    if (!check.ok) {
      d.metrics.framesRejected.inc({ reason: `subscribe_${check.reason}` });
      return;
    }
    const id = hex(frame.recipientNodeId);
    d.network.addRecipient(id, link);
    const backlog = d.mailbox.list(frame.recipientNodeId, this.#now(), 100_000);
    // Paced: a backlog larger than the link's queue waits for the queue to drain instead of being dropped.
    void link
      .sendPaced(backlog.map((entry) => decodeFrame(entry.frame)))
      .then((sent) => {
        d.metrics.packetsOut.inc({ to: "recipient" }, sent);
        if (sent === backlog.length) link.send({ type: "drained", delivered: sent });
      })
      .catch((error: unknown) => this.#internalError(error));
  }

  /**
   * Sends REVEAL again for every response this relay knows on `channelId`: after a crash some may not have
   * reached the payer, whose tickets would then lag behind what it owes. Payers ignore duplicates.
   */
  resendReveals(channelId: string, link: Link): number {
    this.#revealResend.delete(channelId);
    const entry = this.#d.incoming.get(channelId);
    if (!entry) return 0;
    const rows = this.#d.store.respondedTickets(Buffer.from(channelId.slice(2), "hex"), entry.ledger.epoch);
    for (const row of rows) if (row.amountIn > 0n) link.send({ type: "reveal", response: row.response! });
    return rows.length;
  }

  /** Channels still waiting for a reveal resend, with their payers. */
  pendingRevealResends(): { channelId: string; payer: Address }[] {
    return [...this.#revealResend].flatMap((channelId) => {
      const entry = this.#d.incoming.get(channelId);
      return entry ? [{ channelId, payer: entry.payer }] : [];
    });
  }

  /**
   * Sends a VOUCHER (unconditional, cumulative = confirmed) on every outgoing channel where revealed
   * value exceeds the highest cumulative signed and traffic paused, so the payee can redeem all of it.
   */
  async sendVouchers(idleMs: number): Promise<number> {
    const d = this.#d;
    const now = this.#now();
    let sent = 0;
    for (const due of d.outgoing.voucherDue(now, idleMs)) {
      const relay = d.network.relayByNode(due.payee);
      if (!relay) continue;
      const previous = { lastSigned: due.lastSigned, lastSignedAt: due.lastSignedAt };
      const voucher = d.outgoing.voucher(due.payee, now);
      if (!voucher) continue;
      const ticket = signTicket(d.backend, {
        domain: d.ticketDomain,
        privateKey: d.nodePrivateKey,
        payer: hexBytes(d.nodeAddress),
        payee: due.payee,
        epoch: voucher.ticket.epoch,
        cumulative: voucher.ticket.cumulative,
        index: voucher.ticket.index,
        challenge: new Uint8Array(32),
      });
      await d.store.commit(voucher.write);
      try {
        const link = d.network.linkToPeer(peerIdString(relay.peerId)) ?? (await d.network.linkToRelay(relay));
        if (!link.send({ type: "voucher", ticket })) throw new Error("the link closed before the voucher went out");
        d.metrics.ticketsIssued.inc();
        sent++;
      } catch (error) {
        // Not delivered: make the channel due again (the voucher's index is simply skipped).
        Object.assign(due, previous);
        d.logger.debug({ payee: due.payee, err: (error as Error).message }, "could not send voucher; will retry");
      }
    }
    return sent;
  }

  /** Periodic housekeeping: expired circuits. */
  sweep(now = this.#now()): void {
    this.#circuits.sweep(now);
    this.#byOutgoing.sweep(now);
  }

  #drop(reason: DropReason, detail?: string): void {
    this.#d.metrics.packetsDropped.inc({ reason });
    if (detail) this.#d.logger.debug({ reason, detail }, "packet dropped");
  }

  #nack(link: Link, challenge: Uint8Array, reason: number): void {
    link.send({ type: "nack", challenge, reason });
  }

  async #onPacket(frame: PacketFrame, link: Link): Promise<void> {
    const d = this.#d;
    const received = performance.now();
    const now = this.#now();
    const ticket = frame.ticket;
    if (!ticket) return this.#drop("missing_ticket");

    // 1. Peel (authentication fails for any tampered or mis-addressed onion) and check the ticket's
    //    signature: the public-key work, on a worker thread when the machine has cores to spare.
    // Bounded queue: beyond this many packets waiting for crypto, shed load rather than buffer without end.
    if (d.crypto.pending >= MAX_PENDING_CRYPTO) {
      this.#drop("overloaded");
      this.#nack(link, ticket.challenge, NackReason.overloaded);
      return;
    }
    const payer = hex(ticket.payer) as Address;
    const channelIdBytes = this.#channelIds.get(payer) ?? computeChannelId(d.backend, ticket.payer, d.nodeAddress);
    const channelId = hex(channelIdBytes) as `0x${string}`;
    const inbound = await d.crypto.inbound({ onion: frame.onion, pathKey: frame.pathKey, ticket, channelId: channelIdBytes });
    const instruction = inbound.instruction;
    if (!instruction) {
      this.#drop("bad_onion", inbound.peelError);
      this.#nack(link, ticket.challenge, NackReason.badOnion);
      return;
    }
    if (instruction.type !== "forward") return this.#drop("unexpected_final_hop");

    // 2. Replay: the same onion layer is never processed twice, also across restarts.
    const replay = d.replay.check(instruction.replayTag, now);
    if (replay.replay) {
      this.#drop("replay");
      return;
    }

    // Until this packet's writes commit, only memory knows its tag: it is kept there while the packet is handled.
    try {
      // 3. The ticket that pays this hop.
      const badSignature = () => {
        d.metrics.ticketsRejected.inc({ reason: "bad_signature" });
        this.#drop("bad_signature", inbound.signatureError);
        this.#nack(link, ticket.challenge, NackReason.badTicket);
      };
      // While a payer's channel is being looked up, its later packets wait on the same lookup even if the
      // channel is already known: the earlier ones are still waiting, and tickets are checked in index order
      // (a later packet going first would make theirs stale).
      const lookup = this.#payerLookups.get(payer);
      if (lookup) await lookup;
      if (!d.incoming.get(channelId)) {
        // An unknown payer costs a chain read: only for a ticket that really is signed by that payer, and at
        // most once per payer every few seconds, so garbage cannot turn into RPC load.
        if (!inbound.signatureOk) return badSignature();
        if (!this.#unknownPayers.has(payer, now)) {
          await this.#lookupPayer(payer);
        }
        if (!d.incoming.get(channelId)) {
          this.#unknownPayers.set(payer, true, now);
          d.metrics.ticketsRejected.inc({ reason: "no_channel" });
          this.#drop("no_channel");
          this.#nack(link, ticket.challenge, NackReason.badTicket);
          return;
        }
      }
      const fields = { epoch: ticket.epoch, cumulative: ticket.cumulative, index: ticket.index, challenge: hex(ticket.challenge) };
      const expected = { challenge: hex(instruction.incomingChallenge), amountIn: instruction.amountIn };
      let check = d.incoming.check(channelId, fields, expected);
      if (!check.ok && inbound.signatureOk && this.#chainMayHaveMoved(check.reason, channelId, ticket.epoch) && !this.#reread.has(payer, now)) {
        // The payer may have topped the channel up, or reopened it in a new epoch, since the last chain poll
        // (a client does that, then sends at once): read the channel again before refusing. Later packets of
        // this payer wait on the same read.
        this.#reread.set(payer, true, now);
        await this.#lookupPayer(payer);
        check = d.incoming.check(channelId, fields, expected);
      }
      if (!check.ok) {
        d.metrics.ticketsRejected.inc({ reason: check.reason });
        this.#drop(`ticket_${check.reason}`, check.detail);
        this.#nack(link, ticket.challenge, nackReasonFor(check.reason));
        return;
      }
      const amountOut = instruction.outgoing?.amount ?? 0n;
      if (instruction.amountIn - amountOut < d.config.fee) {
        d.metrics.ticketsRejected.inc({ reason: "fee_too_low" });
        this.#drop("fee_too_low");
        this.#nack(link, ticket.challenge, NackReason.amountShort);
        return;
      }
      if (!inbound.signatureOk) return badSignature();
      // Payers with a channel are few: remember their channel ids (a keccak each time otherwise).
      if (!this.#channelIds.has(payer) && this.#channelIds.size < 100_000) this.#channelIds.set(payer, channelIdBytes);

      if (this.#revealResend.has(channelId)) this.resendReveals(channelId, link);

      // 4. Where it goes next.
      const isExit = instruction.outgoing === undefined;
      let next: RelayRecord | undefined;
      if (!isExit) {
        next = d.network.relayByOnionKey(hex(instruction.nextNodeId));
        if (!next || !next.active) {
          this.#drop("unknown_next_hop");
          this.#nack(link, ticket.challenge, NackReason.unknownNextHop);
          return;
        }
        if (d.reliability.isUnreliable(next.node, now)) {
          this.#drop("next_hop_unreliable");
          this.#nack(link, ticket.challenge, NackReason.unknownNextHop);
          return;
        }
      }

      // 5. Accept: everything this packet changes is committed before the ack goes upstream.
      const writes: (() => void)[] = [replay.write];
      writes.push(d.incoming.accept({ channelId, ...fields, amountIn: instruction.amountIn, signature: ticket.signature }, now));
      const nextFrame: PacketFrame = { type: "packet", pathKey: instruction.nextPathKey, onion: instruction.nextOnion, ticket: undefined };
      // The next hop's ticket is issued only when the packet can leave (after its mixing delay, once a link to
      // the next hop is there), so that tickets reach the next hop in index order and no index is spent on a
      // packet that never left. Without a delay and with the link up, that is now: the ticket is then
      // committed with the incoming one, in the same transaction.
      const delay = isExit ? 0 : sampleMixingDelay(d.config.meanDelayMs, d.config.maxDelayMs, d.random);
      let leavesNow: { downstream: Link; outgoing: OutgoingTicket } | undefined;
      if (next && instruction.outgoing) {
        const downstream = delay === 0 ? d.network.linkToPeer(peerIdString(next.peerId)) : undefined;
        if (downstream && !downstream.closed) {
          const issued = this.#issue(next, instruction.outgoing);
          if (!issued.ok) {
            this.#drop("no_outgoing_channel", issued.detail);
            this.#nack(link, ticket.challenge, NackReason.overloaded);
            return;
          }
          leavesNow = { downstream, outgoing: issued };
          writes.push(issued.write);
        } else if (d.outgoing.spendable(next.node) < instruction.outgoing.amount) {
          d.wantChannel(next.node);
          this.#drop("no_outgoing_channel", `outgoing channel to ${next.node} cannot pay ${instruction.outgoing.amount}`);
          this.#nack(link, ticket.challenge, NackReason.overloaded);
          return;
        }
      }
      if (isExit) {
        const stored = d.mailbox.put(
          {
            recipient: instruction.nextNodeId,
            frame: encodeFrame(nextFrame),
            challengeIn: instruction.incomingChallenge,
            upstream: link.peer,
            ackSecret: instruction.ackSecret,
            ticket: { channelId: channelIdBytes, epoch: ticket.epoch, index: ticket.index },
          },
          now,
        );
        if (!stored.ok) {
          this.#drop("mailbox_full");
          this.#nack(link, ticket.challenge, NackReason.overloaded);
          return;
        }
        writes.push(stored.write);
      }
      try {
        await d.store.commit(() => writes.forEach((w) => w()));
      } catch (error) {
        this.#drop("store_error", (error as Error).message);
        return;
      }
      d.metrics.ticketsAccepted.inc();
      link.send({ type: "ack", ackSecret: instruction.ackSecret });
      d.metrics.acksSent.inc();

      const circuit: Circuit = {
        upstream: link,
        payer,
        channelId,
        epoch: ticket.epoch,
        index: ticket.index,
        cumulative: ticket.cumulative,
        amountIn: instruction.amountIn,
        amountOut,
        // A copy: from a crypto worker, the instruction's bytes are views into one buffer per batch of packets.
        ackSecret: instruction.ackSecret.slice(),
        nextHop: next?.node,
        outgoingChallenge: instruction.outgoing ? hex(instruction.outgoing.challenge) : undefined,
        forwardedAt: 0,
        state: "forwarding",
        timer: undefined,
      };
      const key = hex(instruction.incomingChallenge);
      this.#circuits.set(key, circuit, now);
      if (circuit.outgoingChallenge) this.#byOutgoing.set(circuit.outgoingChallenge, key, now);

      if (isExit) {
        d.metrics.mailboxStored.inc();
        const recipient = d.network.recipientLink(hex(instruction.nextNodeId));
        if (recipient) {
          recipient.send(nextFrame);
          d.metrics.packetsOut.inc({ to: "recipient" });
        }
        d.metrics.hopLatency.observe((performance.now() - received) / 1000);
        return;
      }
      if (leavesNow) {
        this.#forward(key, circuit, leavesNow.downstream, nextFrame, leavesNow.outgoing, performance.now() - received);
        return;
      }

      // 6. Mix, then forward.
      const processing = performance.now() - received;
      this.#inFlight++;
      if (delay > 0) {
        this.#mixing++;
        d.metrics.queueDepth.set({ queue: "mixing" }, this.#mixing);
        await new Promise((resolve) => setTimeout(resolve, delay));
        this.#mixing--;
        d.metrics.queueDepth.set({ queue: "mixing" }, this.#mixing);
      }
      const sendStarted = performance.now();
      let downstream: Link;
      try {
        downstream = d.network.linkToPeer(peerIdString(next!.peerId)) ?? (await d.network.linkToRelay(next!));
      } catch (error) {
        this.#inFlight--;
        this.#fail(key, circuit, "link_unavailable", (error as Error).message);
        return;
      }
      // Commit the next hop's ticket before the packet leaves: a reveal for it must be honoured even after a
      // crash, and its index must never be reused.
      const outgoingTicket = this.#issue(next!, instruction.outgoing!);
      if (!outgoingTicket.ok) {
        this.#inFlight--;
        this.#fail(key, circuit, "no_outgoing_channel", outgoingTicket.detail);
        return;
      }
      try {
        await d.store.commit(outgoingTicket.write);
      } catch (error) {
        this.#inFlight--;
        this.#fail(key, circuit, "store_error", (error as Error).message);
        return;
      }
      this.#inFlight--;
      this.#forward(key, circuit, downstream, nextFrame, outgoingTicket, processing + (performance.now() - sendStarted));
    } finally {
      replay.release();
    }
  }

  /**
   * Hands the packet, with its committed outgoing ticket, to the next hop's link. Called right after the
   * ticket's commit resolves, with no await in between: commits resolve in the order they were submitted,
   * which is the order the tickets were issued, so the next hop receives them in index order.
   */
  #forward(key: string, circuit: Circuit, downstream: Link, frame: PacketFrame, outgoing: OutgoingTicket, latencyMs: number): void {
    const d = this.#d;
    frame.ticket = outgoing.ticket;
    if (!downstream.send(frame)) {
      this.#fail(key, circuit, "link_unavailable", "downstream queue full or closed");
      return;
    }
    d.outgoing.sent(outgoing.channelId, outgoing.cumulative, this.#now());
    circuit.downstreamPeer = downstream.peer;
    circuit.forwardedAt = performance.now();
    d.metrics.packetsOut.inc({ to: "relay" });
    d.metrics.hopLatency.observe(latencyMs / 1000);
    circuit.timer = setTimeout(() => this.#onAckTimeout(key, circuit), d.config.ackTimeoutMs);
    circuit.timer.unref?.();
  }

  /** Issues the next hop's ticket on this relay's channel to it and signs it; it is due to be committed. */
  #issue(next: RelayRecord, outgoing: { amount: bigint; challenge: Uint8Array }): OutgoingTicket | { ok: false; detail: string } {
    const d = this.#d;
    const issued = d.outgoing.issue(next.node, outgoing.amount, hex(outgoing.challenge), this.#now());
    if (!issued.ok) {
      d.wantChannel(next.node);
      return { ok: false, detail: issued.detail };
    }
    let channelId = this.#outgoingChannelIds.get(issued.channelId!);
    if (!channelId) {
      channelId = hexBytes(issued.channelId!);
      this.#outgoingChannelIds.set(issued.channelId!, channelId);
    }
    const presigned = d.crypto.presignatures > 0;
    const ticket = d.crypto.sign({
      payee: next.node,
      channelId,
      epoch: issued.ticket.epoch,
      cumulative: issued.ticket.cumulative,
      index: issued.ticket.index,
      challenge: outgoing.challenge,
    });
    d.metrics.ticketsIssued.inc();
    d.metrics.ticketSignatures.inc({ nonce: presigned ? "presigned" : "fresh" });
    return { ok: true, channelId: issued.channelId!, cumulative: issued.ticket.cumulative, write: issued.write!, ticket };
  }

  /**
   * Every link to `peer` closed. Packets this relay handed to it that have no receipt yet will not get one: a
   * relay sends receipts only on an open link, and one that stopped forgot its circuits. NACK them upstream so
   * their senders reroute now instead of at their receipt timeout; payments still follow the ACKs. Returns
   * how many.
   */
  downstreamGone(peer: string): number {
    let lost = 0;
    for (const [key, circuit] of this.#circuits.entries()) {
      if (circuit.downstreamPeer !== peer || circuit.nacked || circuit.receipt || circuit.state === "failed") continue;
      lost++;
      if (circuit.state === "forwarding") {
        if (circuit.timer) clearTimeout(circuit.timer);
        this.#fail(key, circuit, "link_unavailable", "the next hop's link closed before it acknowledged");
        continue;
      }
      circuit.nacked = true;
      this.#upstream(circuit)?.send({ type: "nack", challenge: Buffer.from(key.slice(2), "hex"), reason: NackReason.unknownNextHop });
    }
    this.#d.metrics.circuitsLost.inc(lost);
    return lost;
  }

  /** The next hop never took the packet: nobody is paid for it; tell upstream so the sender reroutes. */
  #fail(key: string, circuit: Circuit, reason: DropReason, detail: string): void {
    circuit.state = "failed";
    circuit.nacked = true;
    this.#drop(reason, detail);
    this.#upstream(circuit)?.send({ type: "nack", challenge: Buffer.from(key.slice(2), "hex"), reason: NackReason.unknownNextHop });
  }

  #onAckTimeout(key: string, circuit: Circuit): void {
    if (circuit.state !== "forwarding") return;
    this.#d.metrics.ackTimeouts.inc();
    if (circuit.nextHop) this.#d.reliability.record(circuit.nextHop, false, this.#now());
    this.#fail(key, circuit, "link_unavailable", "next hop did not acknowledge in time");
  }

  /**
   * The next hop (or, at the exit, the recipient) accepted a packet: its ack secret is the response to
   * this relay's incoming ticket. Persist it, then reveal it to the payer so it raises its cumulative.
   */
  #onAck(ackSecret: Uint8Array): void {
    const d = this.#d;
    const key = hex(computeChallenge(d.backend, ackSecret));
    const now = this.#now();
    const circuit = this.#circuits.get(key, now);
    if (circuit && circuit.nextHop && circuit.reveal === undefined) {
      // Late (after the ack timeout failed the circuit) still proves the next hop took the packet: this relay
      // pays it once it reveals, so it is paid too.
      this.#acknowledged(key, circuit, ackSecret, circuit.state === "failed" ? "late" : "ok");
      return;
    }
    // At the exit, the recipient's ack answers a stored message (possibly from before a restart). One whose
    // writes still wait for their commit is already answered (though still in the mailbox on disk).
    const mail = this.#receiptsCommitting.has(key) ? undefined : d.mailbox.byChallenge(Buffer.from(key.slice(2), "hex"));
    if (mail) {
      d.metrics.acksReceived.inc({ outcome: "delivery_receipt" });
      this.#onDeliveryReceipt(key, ackSecret, mail);
      return;
    }
    d.metrics.acksReceived.inc({ outcome: circuit ? "duplicate" : "unknown" });
  }

  /**
   * The next hop took the packet (its ACK, or a RECEIPT carrying the same ack secret that overtook it): the
   * secret is the response to this relay's incoming ticket. Earn it and reveal it upstream.
   */
  #acknowledged(key: string, circuit: Circuit, ackSecret: Uint8Array, outcome: "ok" | "late" | "by_receipt"): void {
    const d = this.#d;
    if (circuit.timer) clearTimeout(circuit.timer);
    if (circuit.state === "forwarding") d.metrics.ackLatency.observe((performance.now() - circuit.forwardedAt) / 1000);
    circuit.state = "acked";
    d.reliability.record(circuit.nextHop!, true, this.#now());
    d.metrics.acksReceived.inc({ outcome });
    this.#earn(key, circuit, ackSecret);
  }

  #onDeliveryReceipt(key: string, recipientAck: Uint8Array, mail: MailboxEntry): void {
    const d = this.#d;
    const { upstream: upstreamPeer, ackSecret: ownAck } = mail;
    const ticketRow = mail.ticket ? d.store.incomingTicket(mail.ticket.channelId, mail.ticket.epoch, mail.ticket.index) : undefined;
    const circuit = this.#circuits.get(key, this.#now());
    const writes = [d.mailbox.remove(mail.id)];
    if (ticketRow && !ticketRow.response) {
      const entry = { channelId: hex(ticketRow.channelId), epoch: ticketRow.epoch, index: ticketRow.index, cumulative: ticketRow.cumulative, amountIn: ticketRow.amountIn };
      writes.push(d.incoming.respond(entry, recipientAck));
      d.metrics.earnedValue.inc(Number(ticketRow.amountIn));
    }
    // The exit's part of the circuit ends here (no RECEIPT comes back to it): free it now, not after
    // receiptTtlMs, or an exit would hold every message of the last ten minutes in memory.
    if (circuit) {
      circuit.state = "acked";
      this.#circuits.delete(key);
    }
    this.#receiptsCommitting.add(key);
    d.store
      .commit(() => writes.forEach((w) => w()))
      .finally(() => this.#receiptsCommitting.delete(key))
      .then(() => {
        const upstream = (circuit && this.#upstream(circuit)) ?? (upstreamPeer ? d.network.linkToPeer(upstreamPeer) : undefined);
        this.#reveal(ticketRow ? hex(ticketRow.channelId) : undefined, upstream, recipientAck);
        if (!upstream) return;
        if (ownAck) {
          upstream.send({ type: "receipt", ackSecret: ownAck, recipientAckSecret: recipientAck });
          d.metrics.receiptsRelayed.inc();
        }
      })
      .catch((error: unknown) => this.#internalError(error));
  }

  /**
   * Records the response of the circuit's incoming ticket and reveals it upstream. A delivery receipt for the
   * packet that arrives meanwhile (it needs no commit, and often comes in the same chunk as the ACK) waits
   * and follows the REVEAL: a sender that stops once its receipts are in would otherwise miss the REVEAL,
   * and its ledger the amount the relay can redeem. Both then leave in one write.
   */
  #earn(key: string, circuit: Circuit, response: Uint8Array): void {
    const d = this.#d;
    const write = d.incoming.respond(circuit, response);
    // What this hop keeps; the rest pays the next hop's ticket.
    d.metrics.earnedValue.inc(Number(circuit.amountIn - circuit.amountOut));
    circuit.reveal = "pending";
    d.store
      .commit(write)
      .then(() => {
        circuit.reveal = "sent";
        this.#reveal(circuit.channelId, this.#upstream(circuit), response);
        if (circuit.receipt) this.#relayReceipt(key, circuit, circuit.receipt);
      })
      .catch((error: unknown) => this.#internalError(error));
  }

  /**
   * Sends a REVEAL upstream. One that cannot be handed to the payer's link (it closed) would be lost, and the
   * payer's tickets would lag behind what it owes: the channel's reveals go out again on the payer's next
   * PACKET or VOUCHER.
   */
  #reveal(channelId: string | undefined, upstream: Link | undefined, response: Uint8Array): void {
    if (upstream?.send({ type: "reveal", response })) return;
    if (channelId) this.#revealResend.add(channelId);
  }

  /** The payee of one of this relay's outgoing tickets revealed its response: that amount is now owed. */
  #onReveal(response: Uint8Array): void {
    const d = this.#d;
    const challenge = hex(computeChallenge(d.backend, response));
    const outcome = d.outgoing.reveal(challenge);
    if (!outcome.ok) {
      d.metrics.revealsReceived.inc({ outcome: outcome.reason });
      return;
    }
    d.metrics.revealsReceived.inc({ outcome: "ok" });
    d.store.commit(outcome.write).catch((error: unknown) => this.#internalError(error));
  }

  /** A delivery receipt travelling back: pass it to the hop this relay got the packet from. */
  #onReceipt(ackSecret: Uint8Array, recipientAck: Uint8Array): void {
    const d = this.#d;
    const key = hex(computeChallenge(d.backend, ackSecret));
    const circuit = this.#circuits.get(key, this.#now());
    if (!circuit) {
      d.metrics.framesRejected.inc({ reason: "receipt_unknown_circuit" });
      return;
    }
    // The RECEIPT carries the next hop's ack secret: if it overtook the ACK (or the ACK was lost), it
    // proves the same thing. The receipt then waits for the REVEAL, as below.
    if (circuit.reveal === undefined && circuit.nextHop) this.#acknowledged(key, circuit, ackSecret, "by_receipt");
    if (circuit.reveal === "pending") {
      circuit.receipt ??= recipientAck;
      return;
    }
    this.#relayReceipt(key, circuit, recipientAck);
  }

  /** The circuit's link upstream: the one the packet came in on, or (closed) any open link to that peer. */
  #upstream(circuit: Circuit): Link | undefined {
    return circuit.upstream.closed ? this.#d.network.linkToPeer(circuit.upstream.peer) : circuit.upstream;
  }

  #relayReceipt(key: string, circuit: Circuit, recipientAck: Uint8Array): void {
    const d = this.#d;
    const upstream = this.#upstream(circuit);
    if (!upstream) return;
    upstream.send({ type: "receipt", ackSecret: circuit.ackSecret, recipientAckSecret: recipientAck });
    d.metrics.receiptsRelayed.inc();
    this.#circuits.delete(key);
    // A NACK for it could only find a circuit that is gone; without this the entry would wait out its TTL.
    if (circuit.outgoingChallenge) this.#byOutgoing.delete(circuit.outgoingChallenge);
  }

  /**
   * The next hop refused a packet this relay forwarded, or (after its ACK) a hop further on could not pass it
   * on: pass the refusal upstream, so the sender reroutes now instead of at its receipt timeout. After the
   * ACK the circuit stays acked: the next hop took the packet, and payments follow that.
   */
  #onNack(challenge: Uint8Array, reason: number): void {
    const d = this.#d;
    const now = this.#now();
    const key = this.#byOutgoing.get(hex(challenge), now);
    const circuit = key ? this.#circuits.get(key, now) : undefined;
    if (!key || !circuit || circuit.state === "failed" || circuit.nacked) {
      d.metrics.framesRejected.inc({ reason: "nack_unknown" });
      return;
    }
    circuit.nacked = true;
    if (circuit.state === "forwarding") {
      if (circuit.timer) clearTimeout(circuit.timer);
      circuit.state = "failed";
      d.metrics.acksReceived.inc({ outcome: "nack" });
    } else {
      d.metrics.acksReceived.inc({ outcome: "nack_after_ack" });
    }
    this.#upstream(circuit)?.send({ type: "nack", challenge: Buffer.from(key.slice(2), "hex"), reason });
  }

  /**
   * An unconditional voucher: immediately redeemable for everything the payer confirmed. Answered on its
   * link (stored, or refused with the reason), after any reveals the payer is owed: a payer closing its
   * session waits for the answer, so reveals lost with a restart still reach it and its last voucher covers them.
   */
  async #onVoucher(ticket: WireTicket, link: Link): Promise<void> {
    const d = this.#d;
    const payer = hex(ticket.payer) as Address;
    const channelId = hex(computeChannelId(d.backend, ticket.payer, d.nodeAddress)) as `0x${string}`;
    const refuse = (reason: string, nack: number) => {
      d.metrics.ticketsRejected.inc({ reason: `voucher_${reason}` });
      link.send(voucherRefused(nack));
    };
    if (!d.incoming.get(channelId)) await d.ensureIncomingChannel(payer).catch(() => undefined);
    const entry = d.incoming.get(channelId);
    if (!entry) return refuse("channel_not_open", NackReason.badTicket);
    try {
      verifyTicket(d.backend, { domain: d.ticketDomain, ticket, payee: d.nodeAddress });
    } catch {
      return refuse("bad_signature", NackReason.badTicket);
    }
    // Signed by the payer: the link is the payer's, and may have the reveals it missed.
    if (this.#revealResend.has(channelId)) this.resendReveals(channelId, link);
    const fields = { epoch: ticket.epoch, cumulative: ticket.cumulative, index: ticket.index, challenge: hex(ticket.challenge) };
    const check = d.incoming.check(channelId, fields, { challenge: fields.challenge, amountIn: 0n });
    if (!check.ok) return refuse(check.reason, nackReasonFor(check.reason));
    const now = this.#now();
    const accept = d.incoming.accept({ channelId, ...fields, amountIn: 0n, signature: ticket.signature }, now);
    const respond = d.incoming.respond({ channelId, epoch: ticket.epoch, index: ticket.index, cumulative: ticket.cumulative, amountIn: 0n }, new Uint8Array(32));
    await d.store.commit(() => {
      accept();
      respond();
    });
    d.metrics.ticketsAccepted.inc();
    link.send(voucherStored());
  }

  /** A payee refused one of this relay's vouchers; the next voucher round sends a fresh one if one is still due. */
  #onVoucherRefused(reason: number, link: Link): void {
    this.#d.metrics.acksReceived.inc({ outcome: "voucher_refused" });
    this.#d.logger.warn({ peer: link.peer, reason }, "a payee refused this relay's voucher");
  }

  #internalError(error: unknown): void {
    if (error instanceof BaseError) this.#d.logger.warn({ err: error.message }, "protocol error in pipeline");
    else this.#d.logger.error({ err: error instanceof Error ? error.stack : String(error) }, "internal error in packet pipeline");
  }
}

function nackReasonFor(reason: string): number {
  switch (reason) {
    case "challenge_mismatch":
      return NackReason.challengeMismatch;
    case "amount_short":
      return NackReason.amountShort;
    case "payer_behind":
      return NackReason.payerBehind;
    default:
      return NackReason.badTicket;
  }
}

function hexBytes(address: string): Uint8Array {
  return new Uint8Array(Buffer.from(address.slice(2), "hex"));
}
