import { randomBytes } from "node:crypto";
import type { Libp2p } from "libp2p";
import type { Address, Hex } from "viem";
import { fundChannel, getChannel, sendContractTransaction } from "#contracts";
import { paymentChannelsAbi } from "#contracts/generated";
import { multiaddr } from "@multiformats/multiaddr";
import { LINK_PROTOCOL, Link, LinkManager } from "#net";
import { createHost } from "#net/node";
import {
  buildPacket,
  createRecipientPath,
  hashTicketDomain,
  signTicket,
  type BuildPacketReturnType,
  type Frame,
  type PacketFrame,
  type PaidBlindedPath,
} from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { startLocalNetwork, type LocalNetwork, type LocalNetworkOptions, type LocalRelay } from "../../cli/src/devnet/localNetwork.ts";

export const backend = getNativeBackend();
export const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex"));
export const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

/** A relay's counter from its Prometheus text, summed over label sets matching `labels`. */
export async function metric(relay: LocalRelay, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await relay.admin<string>("/metrics");
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? "";
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** A recipient nobody is listening for: its blinded path ends at `home`. */
export function offlineRecipient(home: LocalRelay): { key: Uint8Array; path: PaidBlindedPath } {
  const key = randomBytes(32);
  const path = createRecipientPath(backend, { sessionKey: randomBytes(32), relays: [{ nodeId: bytes(home.onionKey), fee: home.fee }], recipientNodeId: backend.publicKeyFromPrivate(key), pathId: randomBytes(16) });
  return { key, path };
}

export interface TicketOverrides {
  epoch?: bigint;
  cumulative?: bigint;
  index?: bigint;
  challenge?: Uint8Array;
  chainId?: number;
  verifyingContract?: Address;
  signerKey?: Hex;
}

/**
 * A sender built from protocol/ primitives only (no SDK): it funds a channel to an entry relay, builds
 * packets, signs their tickets (optionally wrong on purpose) and records every frame the entry sends back.
 */
export class RawSender {
  readonly key: Hex;
  readonly address: Address;
  readonly received: Frame[] = [];
  #host: Libp2p | undefined;
  #links: LinkManager | undefined;
  #link: Link | undefined;
  #index = 0n;
  #confirmed = 0n;
  readonly #net: LocalNetwork;
  readonly #entry: LocalRelay;
  epoch = 0n;

  constructor(net: LocalNetwork, entry: LocalRelay, accountIndex: number) {
    this.#net = net;
    this.#entry = entry;
    this.key = net.devnet.accountKey(accountIndex);
    this.address = net.devnet.wallet(this.key).account.address;
  }

  async open(deposit: bigint): Promise<void> {
    const wallet = this.#net.devnet.wallet(this.key);
    await this.#net.devnet.fund(this.address, { tokens: deposit });
    await fundChannel(this.#net.devnet.publicClient, wallet, { contracts: this.#net.devnet.contracts, payee: this.#entry.node, amount: deposit });
    this.epoch = (await getChannel(this.#net.devnet.publicClient, { channels: this.#net.devnet.contracts.channels, payer: this.address, payee: this.#entry.node })).epoch;
    await this.connect();
  }

  /** Adds `amount` to the channel on chain (the relay learns of it at its next poll, or when it reads the channel). */
  async topUp(amount: bigint): Promise<void> {
    await this.#net.devnet.fund(this.address, { tokens: amount });
    await fundChannel(this.#net.devnet.publicClient, this.#net.devnet.wallet(this.key), { contracts: this.#net.devnet.contracts, payee: this.#entry.node, amount });
  }

  /**
   * Closes the channel on chain (announce, wait out the notice period on the devnet's clock, finalize: the
   * channel's epoch moves on) and funds it again with `deposit`; tickets start over in the new epoch.
   */
  async reopen(deposit: bigint): Promise<void> {
    const { publicClient, contracts } = this.#net.devnet;
    const wallet = this.#net.devnet.wallet(this.key);
    const call = (functionName: "initiateClose" | "finalizeClose") =>
      sendContractTransaction(publicClient, wallet, { address: contracts.channels, abi: paymentChannelsAbi, functionName, args: [this.#entry.node] });
    await call("initiateClose");
    await this.#net.devnet.increaseTime(Number(await publicClient.readContract({ address: contracts.channels, abi: paymentChannelsAbi, functionName: "noticePeriod" })) + 1);
    await call("finalizeClose");
    await this.topUp(deposit);
    this.epoch = (await getChannel(publicClient, { channels: contracts.channels, payer: this.address, payee: this.#entry.node })).epoch;
    this.#confirmed = 0n;
  }

  async connect(): Promise<void> {
    this.#host ??= await createHost({ listen: [] });
    this.#links ??= new LinkManager(this.#host, { onFrame: (f) => this.#onFrame(f) }, { maxQueue: 10_000 });
    this.#link = await this.#links.connect(this.#entry.peerId, [this.#entry.multiaddr]);
  }

  #onFrame(frame: Frame): void {
    this.received.push(frame);
    if (frame.type === "reveal" && this.autoConfirm) {
      const key = hex(backend.keccak256(frame.response));
      const amount = this.#pending.get(key);
      if (amount !== undefined) {
        this.#pending.delete(key);
        this.#confirmed += amount;
      }
    }
  }

  /** Confirm amounts as REVEALs arrive, like an honest payer (otherwise call `confirm` by hand). */
  autoConfirm = false;
  readonly #pending = new Map<string, bigint>();

  /** Builds a packet over `route` (entry first) to `recipient`, with an honest ticket unless overridden. */
  build(route: LocalRelay[], recipient: PaidBlindedPath | { nodeId: Uint8Array }, overrides: TicketOverrides = {}, message = "hi"): { frame: PacketFrame; built: BuildPacketReturnType } {
    const built = buildPacket(backend, {
      sessionKey: randomBytes(32),
      route: route.map((r) => ({ nodeId: bytes(r.onionKey), fee: r.fee })),
      recipient,
      fragment: { messageId: randomBytes(16), index: 0, count: 1, data: new TextEncoder().encode(message) },
    });
    const domain = hashTicketDomain(backend, { chainId: overrides.chainId ?? this.#net.devnet.chainId, verifyingContract: overrides.verifyingContract ?? this.#net.devnet.contracts.channels });
    const amount = built.ticket!.amount;
    const index = overrides.index ?? this.#index++;
    const ticket = signTicket(backend, {
      domain,
      privateKey: bytes(overrides.signerKey ?? this.key),
      payer: bytes(this.address),
      payee: this.#entry.node,
      epoch: overrides.epoch ?? this.epoch,
      cumulative: overrides.cumulative ?? this.#confirmed + amount,
      index,
      challenge: overrides.challenge ?? built.ticket!.challenge,
    });
    this.#pending.set(hex(ticket.challenge), amount);
    return { frame: { type: "packet", pathKey: built.pathKey, onion: built.onion, ticket }, built };
  }

  /** An unconditional voucher for everything confirmed, as an honest payer sends when traffic pauses. */
  voucher(overrides: { signerKey?: Hex } = {}): Frame {
    const domain = hashTicketDomain(backend, { chainId: this.#net.devnet.chainId, verifyingContract: this.#net.devnet.contracts.channels });
    const ticket = signTicket(backend, {
      domain,
      privateKey: bytes(overrides.signerKey ?? this.key),
      payer: bytes(this.address),
      payee: this.#entry.node,
      epoch: this.epoch,
      cumulative: this.#confirmed,
      index: this.#index++,
      challenge: new Uint8Array(32),
    });
    return { type: "voucher", ticket };
  }

  /** Counts a packet's amount as confirmed (as an honest payer does when its REVEAL arrives). */
  confirm(amount: bigint): void {
    this.#confirmed += amount;
  }

  send(frame: Frame): void {
    if (!this.#link || this.#link.closed) throw new Error("not connected to the entry relay");
    this.#link.send(frame);
  }

  framesOfType<T extends Frame["type"]>(type: T): Extract<Frame, { type: T }>[] {
    return this.received.filter((f): f is Extract<Frame, { type: T }> => f.type === type);
  }

  async close(): Promise<void> {
    await this.#links?.stop();
    await this.#host?.stop();
  }

  /**
   * Opens a second link to the entry over the same connection, as when both sides dial at once: the entry
   * keeps its first link as the one it sends to this peer on. Frames arriving on it go to `onFrame`.
   */
  async secondLink(onFrame: (frame: Frame) => void): Promise<Link> {
    if (!this.#host) throw new Error("connect() first");
    const stream = await this.#host.dialProtocol(multiaddr(this.#entry.multiaddr), LINK_PROTOCOL);
    const ignore = () => undefined;
    return new Link(this.#entry.peerId, stream, { onFrame, onBadFrame: ignore, onFramingError: ignore, onDrop: ignore, onClose: ignore }, { maxQueue: 1_000 });
  }

  /** Drops the connection to the entry (host and all); `connect()` comes back as a new peer, same payer. */
  async disconnect(): Promise<string | undefined> {
    const peer = this.#host?.peerId.toString();
    await this.close();
    this.#host = undefined;
    this.#links = undefined;
    this.#link = undefined;
    return peer;
  }
}

/**
 * The fault tests' setup: relay processes on the embedded chain (logging at warn, or E2E_LOG) and a raw
 * sender, on test account `account`, with a channel of `deposit` to relay 1.
 */
export async function startWithRawSender(
  options: Omit<LocalNetworkOptions, "logLevel">,
  p: { account: number; deposit: bigint; autoConfirm?: boolean },
): Promise<{ net: LocalNetwork; sender: RawSender }> {
  const net = await startLocalNetwork({ logLevel: process.env.E2E_LOG ?? "warn", ...options });
  try {
    const sender = new RawSender(net, net.relays[0]!, p.account);
    sender.autoConfirm = p.autoConfirm ?? false;
    await sender.open(p.deposit);
    return { net, sender };
  } catch (error) {
    await net.stop();
    throw error;
  }
}
