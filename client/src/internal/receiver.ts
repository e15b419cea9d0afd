import type { Address, Hex } from "viem";
import type { Link } from "#net";
import {
  createReassembler,
  createSubscribe,
  encodeAddress,
  processPacket,
  toHex,
  type CryptoBackend,
  type PacketFrame,
  type PaidBlindedPath,
  type Reassembler,
} from "#protocol";
import { NoAddressError } from "../errors.ts";
import type { SendMessageReturnType } from "../actions/sendMessage.ts";
import type { ClientLogger, ClientStorage, MessageHandler, ReceivedMessage, RelayInfo } from "../types.ts";
import type { Directory } from "./directory.ts";
import type { ClientNetwork } from "./network.ts";
import { fromJson, hex, nowSeconds, sleep, toJson } from "./utils.ts";

/** An address this client issued: what it needs to recognise packets sent to it and to fetch them. */
export type IssuedAddress = {
  address: string;
  /** The BOLT 4 path_id in the recipient's own hop (0x-hex): packets without it are ignored. */
  pathId: Hex;
  /** Introduction relay (node address). */
  intro: Address;
  /** Home relay (node address): it stores the messages and delivers them on SUBSCRIBE. */
  home: Address;
  expiresAt: bigint;
  createdAt: number;
};

type Subscription = {
  relay: RelayInfo;
  link: Link | undefined;
  drained: Promise<number> | undefined;
  resolveDrained: ((delivered: number) => void) | undefined;
};

const MAX_BUFFERED = 1_000;
const MAX_SEEN = 2_000;
const PENDING_TIMEOUT_MS = 10 * 60_000;

/**
 * The receiving side: issued addresses (persisted), subscriptions to their home relays, peeling and
 * ACKing delivered packets (the ACK is the delivery receipt that pays the home relay), reassembly with
 * deduplication by message id, and hand-off to `onMessage` handlers (or a bounded buffer until one is
 * registered). Packets are only taken (and ACKed) while listening or during `inbox()`; otherwise they stay
 * in the relay's mailbox.
 */
export class Receiver {
  readonly #backend: CryptoBackend;
  readonly #identityKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly #storage: ClientStorage;
  readonly #key: string;
  readonly #seenKey: string;
  readonly #directory: Directory;
  readonly #network: ClientNetwork;
  readonly #logger: ClientLogger;
  readonly #chainId: bigint;
  readonly #reply: (path: PaidBlindedPath, message: Uint8Array | string, options?: { waitForReceipt?: boolean }) => Promise<SendMessageReturnType>;
  readonly #reassembler: Reassembler = createReassembler();
  readonly #replyPaths = new Map<string, { path: PaidBlindedPath; address: string | undefined }>();
  readonly #pendingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #handlers = new Set<MessageHandler>();
  readonly #buffer: ReceivedMessage[] = [];
  readonly #collectors = new Set<ReceivedMessage[]>();
  readonly #subscriptions = new Map<string, Subscription>();
  #addresses: IssuedAddress[] | undefined;
  #seen: string[] | undefined;
  #seenWrites: Promise<void> = Promise.resolve();
  #listening = false;
  #windows = 0;
  #closed = false;
  readonly #reconnecting = new Set<string>();

  constructor(p: {
    backend: CryptoBackend;
    identityKey: Uint8Array;
    storage: ClientStorage;
    prefix: string;
    directory: Directory;
    network: ClientNetwork;
    logger: ClientLogger;
    chainId: number;
    reply: (path: PaidBlindedPath, message: Uint8Array | string, options?: { waitForReceipt?: boolean }) => Promise<SendMessageReturnType>;
  }) {
    this.#backend = p.backend;
    this.#identityKey = p.identityKey;
    this.nodeId = p.backend.publicKeyFromPrivate(p.identityKey);
    this.#storage = p.storage;
    this.#key = `${p.prefix}addresses:${toHex(this.nodeId)}`;
    this.#seenKey = `${p.prefix}seen:${toHex(this.nodeId)}`;
    this.#directory = p.directory;
    this.#network = p.network;
    this.#logger = p.logger;
    this.#chainId = BigInt(p.chainId);
    this.#reply = p.reply;
  }

  get listening(): boolean {
    return this.#listening;
  }

  async addresses(): Promise<IssuedAddress[]> {
    if (!this.#addresses) {
      const text = await this.#storage.get(this.#key);
      this.#addresses = text ? fromJson<IssuedAddress[]>(text) : [];
    }
    return this.#addresses;
  }

  async addAddress(issued: IssuedAddress): Promise<void> {
    const list = await this.addresses();
    list.push(issued);
    await this.#storage.set(this.#key, toJson(list));
    if (this.#listening) await this.#subscribeHomes().catch((error: unknown) => this.#logger.warn("could not subscribe at the new address's home relay", { home: issued.home }, error));
  }

  /** The newest address that has not expired (the one used as reply path). */
  async current(now = nowSeconds()): Promise<IssuedAddress | undefined> {
    const list = await this.addresses();
    return [...list].reverse().find((a) => a.expiresAt > now);
  }

  onMessage(handler: MessageHandler): () => void {
    this.#handlers.add(handler);
    const buffered = this.#buffer.splice(0);
    for (const message of buffered) this.#dispatch(message);
    return () => void this.#handlers.delete(handler);
  }

  /** Subscribes at every home relay and keeps the links up (reconnecting) until `stop()`. */
  async listen(): Promise<{ relays: Address[]; delivered: number }> {
    if ((await this.addresses()).length === 0) throw new NoAddressError();
    this.#listening = true;
    return this.#subscribeHomes();
  }

  stopListening(): void {
    this.#listening = false;
  }

  /** Connects, subscribes, collects every stored message until each home relay says DRAINED, returns them. */
  async inbox(options: { timeoutMs?: number } = {}): Promise<ReceivedMessage[]> {
    if ((await this.addresses()).length === 0) throw new NoAddressError();
    const collected: ReceivedMessage[] = this.#buffer.splice(0);
    this.#collectors.add(collected);
    this.#windows++;
    try {
      await this.#subscribeHomes(options.timeoutMs);
      return collected;
    } finally {
      this.#windows--;
      this.#collectors.delete(collected);
    }
  }

  /** A PACKET from a home relay: peel, check the path id, ACK, reassemble, deliver. */
  onPacket(frame: PacketFrame, link: Link): void {
    if (this.#closed || (!this.#listening && this.#windows === 0)) return; // leave it in the mailbox
    let delivered;
    try {
      delivered = processPacket(this.#backend, { onion: frame.onion, pathKey: frame.pathKey, privateKey: this.#identityKey });
    } catch (error) {
      this.#logger.debug("undecodable packet from a relay ignored", { peer: link.peer, pathKey: frame.pathKey ? toHex(frame.pathKey) : null, ephemeral: toHex(frame.onion.subarray(1, 34)) }, error);
      return;
    }
    if (delivered.type !== "deliver") return;
    const addresses = this.#addresses ?? [];
    const pathId = delivered.pathId ? hex(delivered.pathId) : undefined;
    const issued = pathId ? addresses.find((a) => a.pathId.toLowerCase() === pathId) : undefined;
    if (!issued) {
      this.#logger.debug("packet for a path this client did not issue ignored", { peer: link.peer });
      return;
    }
    this.#logger.debug("fragment received", { messageId: toHex(delivered.fragment.messageId), index: delivered.fragment.index, count: delivered.fragment.count, bytes: delivered.fragment.data.length });
    // The ACK is the delivery receipt: it pays the home relay and travels back to the sender.
    link.send({ type: "ack", ackSecret: delivered.ackSecret });
    const id = toHex(delivered.fragment.messageId);
    if (delivered.replyPath && !this.#replyPaths.has(id)) this.#replyPaths.set(id, { path: delivered.replyPath, address: undefined });
    let result;
    try {
      result = this.#reassembler.add(delivered.fragment);
    } catch (error) {
      this.#logger.warn("inconsistent fragments: message dropped", { messageId: id }, error);
      this.#forget(id);
      return;
    }
    for (const evicted of result.evicted) this.#forget(toHex(evicted));
    if (result.status === "pending") {
      if (!this.#pendingTimers.has(id)) {
        const timer = setTimeout(() => {
          this.#reassembler.drop(delivered.fragment.messageId);
          this.#forget(id);
        }, PENDING_TIMEOUT_MS);
        (timer as { unref?: () => void }).unref?.();
        this.#pendingTimers.set(id, timer);
      }
      return;
    }
    if (result.status === "duplicate") return;
    const reply = this.#replyPaths.get(id)?.path;
    this.#forget(id);
    this.#complete(id, result.message, reply, issued.address);
  }

  onDrained(delivered: number, link: Link): void {
    for (const sub of this.#subscriptions.values()) {
      if (sub.link === link && sub.resolveDrained) {
        sub.resolveDrained(delivered);
        sub.resolveDrained = undefined;
      }
    }
  }

  onLinkClose(link: Link): void {
    for (const [home, sub] of this.#subscriptions) {
      if (sub.link !== link) continue;
      sub.link = undefined;
      if (this.#listening && !this.#closed) void this.#reconnect(home);
    }
  }

  close(): void {
    this.#closed = true;
    this.#listening = false;
    for (const timer of this.#pendingTimers.values()) clearTimeout(timer);
    this.#pendingTimers.clear();
  }

  async #reconnect(home: string): Promise<void> {
    if (this.#reconnecting.has(home)) return;
    this.#reconnecting.add(home);
    try {
      for (let delay = 500; this.#listening && !this.#closed; delay = Math.min(delay * 2, 30_000)) {
        await sleep(delay);
        if (!this.#listening || this.#closed) return;
        const sub = this.#subscriptions.get(home);
        if (!sub || sub.link) return;
        try {
          await this.#subscribe(sub.relay);
          this.#logger.info("resubscribed at home relay", { home });
          return;
        } catch (error) {
          this.#logger.debug("resubscribe failed; retrying", { home, delayMs: delay }, error);
        }
      }
    } finally {
      this.#reconnecting.delete(home);
    }
  }

  async #subscribeHomes(timeoutMs = 15_000): Promise<{ relays: Address[]; delivered: number }> {
    await this.#seenIds();
    const homes = [...new Set((await this.addresses()).map((a) => a.home.toLowerCase()))];
    const relays: RelayInfo[] = [];
    for (const home of homes) {
      const relay = await this.#directory.byNode(home);
      if (!relay) {
        this.#logger.warn("home relay no longer in the directory: its messages cannot be fetched", { home });
        continue;
      }
      relays.push(relay);
    }
    const outcomes = await Promise.allSettled(relays.map((r) => this.#subscribe(r, timeoutMs)));
    let delivered = 0;
    const reached: Address[] = [];
    let failure: unknown;
    outcomes.forEach((outcome, i) => {
      const relay = relays[i]!;
      if (outcome.status === "fulfilled") {
        delivered += outcome.value;
        reached.push(relay.node);
        return;
      }
      failure = outcome.reason;
      this.#logger.warn("could not subscribe at a home relay", { home: relay.node }, outcome.reason);
      const sub = this.#subscriptions.get(relay.node.toLowerCase());
      if (sub) sub.link = undefined;
      if (this.#listening) void this.#reconnect(relay.node.toLowerCase());
    });
    // Some home relays answering is enough (the others are retried while listening); none is an error.
    if (reached.length === 0 && failure !== undefined) throw failure;
    return { relays: reached, delivered };
  }

  /** SUBSCRIBE at `relay` (signed with the identity key) and wait for its DRAINED. */
  async #subscribe(relay: RelayInfo, timeoutMs = 15_000): Promise<number> {
    const k = relay.node.toLowerCase();
    let sub = this.#subscriptions.get(k);
    if (!sub) {
      sub = { relay, link: undefined, drained: undefined, resolveDrained: undefined };
      this.#subscriptions.set(k, sub);
    }
    sub.relay = relay;
    const link = await this.#network.connect(relay);
    sub.link = link;
    const drained = new Promise<number>((resolve) => (sub.resolveDrained = resolve));
    link.send(createSubscribe(this.#backend, { privateKey: this.#identityKey, relayNodeId: relay.nodeId, timestamp: nowSeconds() }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<number>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`relay ${relay.node} did not answer SUBSCRIBE within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Synchronous, so that every message of a backlog is handed over before its DRAINED is processed. */
  #complete(id: string, message: Uint8Array, replyPath: PaidBlindedPath | undefined, address: string): void {
    const seen = (this.#seen ??= []);
    if (seen.includes(id)) return;
    seen.push(id);
    if (seen.length > MAX_SEEN) seen.splice(0, seen.length - MAX_SEEN);
    const snapshot = toJson(seen);
    this.#seenWrites = this.#seenWrites
      .then(() => this.#storage.set(this.#seenKey, snapshot))
      .catch((error: unknown) => this.#logger.warn("could not persist delivered message ids", {}, error));
    let from: string | undefined;
    if (replyPath) {
      try {
        from = encodeAddress({ ...replyPath, chainId: this.#chainId });
      } catch {
        from = undefined;
      }
    }
    const received: ReceivedMessage = {
      messageId: `0x${id}` as Hex,
      message,
      text: new TextDecoder().decode(message),
      receivedAt: Date.now(),
      replyPath,
      from,
      address,
      reply: replyPath ? (reply, options) => this.#reply(replyPath, reply, options) : undefined,
    };
    for (const collected of this.#collectors) collected.push(received);
    if (this.#collectors.size > 0 && this.#handlers.size === 0) return;
    this.#dispatch(received);
  }

  #dispatch(message: ReceivedMessage): void {
    if (this.#handlers.size === 0) {
      this.#buffer.push(message);
      if (this.#buffer.length > MAX_BUFFERED) this.#buffer.shift();
      return;
    }
    for (const handler of this.#handlers) {
      try {
        const result = handler(message);
        if (result && typeof (result as Promise<void>).catch === "function") {
          (result as Promise<void>).catch((error: unknown) => this.#logger.error("onMessage handler failed", { messageId: message.messageId }, error));
        }
      } catch (error) {
        this.#logger.error("onMessage handler failed", { messageId: message.messageId }, error);
      }
    }
  }

  async #seenIds(): Promise<string[]> {
    if (!this.#seen) {
      const text = await this.#storage.get(this.#seenKey);
      this.#seen = text ? fromJson<string[]>(text) : [];
    }
    return this.#seen;
  }

  #forget(id: string): void {
    this.#replyPaths.delete(id);
    const timer = this.#pendingTimers.get(id);
    if (timer) clearTimeout(timer);
    this.#pendingTimers.delete(id);
  }
}
