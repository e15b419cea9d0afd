import type { Address, Hex } from "viem";
import {
  computeChannelId,
  decodeAddress,
  fragmentCapacity,
  ticketTypedData,
  verifyTicket,
  type IssuedTicket,
  type PaidBlindedPath,
  type RouteHop,
  type WireTicket,
} from "#protocol";
import { AddressExpiredError, InvalidRecipientError, NoChannelError, NoRouteError, RelayNotFoundError, TicketSigningError, WalletRequiredError } from "../errors.ts";
import { findRelayChain } from "../routing/findRelayChain.ts";
import type { RelayInfo } from "../types.ts";
import type { ClientState } from "./state.ts";
import { bytes, hex, nowSeconds, randomBytes } from "./utils.ts";

/** A recipient as the sender uses it: a paid blinded path (from a `sotto1…` address or a reply path). */
export type ResolvedRecipient = { path: PaidBlindedPath; expiresAt: bigint | undefined; chainId: bigint | undefined };

/** Decodes and checks `to` (chain, expiry, shape). */
export function resolveRecipient(state: ClientState, to: string | PaidBlindedPath, allowExpired = false): ResolvedRecipient {
  let resolved: ResolvedRecipient;
  if (typeof to === "string") {
    try {
      const decoded = decodeAddress(to.trim());
      resolved = { path: { path: decoded.path, fees: decoded.fees }, expiresAt: decoded.expiresAt, chainId: decoded.chainId };
    } catch (error) {
      throw new InvalidRecipientError({ reason: `not a valid sotto1… address (${(error as Error).message.split("\n")[0]})`, cause: error });
    }
  } else if (to && typeof to === "object" && "path" in to && Array.isArray(to.fees)) {
    resolved = { path: to, expiresAt: undefined, chainId: undefined };
  } else {
    throw new InvalidRecipientError({ reason: "expected a sotto1… address or a reply path" });
  }
  if (resolved.chainId !== undefined && resolved.chainId !== BigInt(state.chainId)) {
    throw new InvalidRecipientError({ reason: `the address is for chain ${resolved.chainId}, this client is on chain ${state.chainId}` });
  }
  if (!allowExpired && resolved.expiresAt !== undefined && resolved.expiresAt <= nowSeconds()) throw new AddressExpiredError({ expiresAt: resolved.expiresAt });
  if (resolved.path.path.hops.length < 1) throw new InvalidRecipientError({ reason: "the blinded path has no hops" });
  return resolved;
}

/** A route for one packet: the sender's plain relays (entry first), then the recipient's blinded path. */
export type RoutePlan = {
  /** The relay the client pays (first plain relay, or the introduction relay when there is none). */
  entry: RelayInfo;
  /** Plain relays, entry first (empty when the entry is the introduction relay). */
  plain: RelayInfo[];
  hops: RouteHop[];
  /** The recipient path's introduction relay (undefined if the path has no relay). */
  intro: RelayInfo | undefined;
  recipient: PaidBlindedPath;
  /** Total fee of one packet: what the ticket to the entry carries. */
  fee: bigint;
};

/**
 * Chooses a route to `recipient` (docs/client.md "Routes"): `routeLength` relays in all, the recipient's
 * blinded relays last; the sender picks the rest stake-weighted among active relays with distinct
 * operators, entry = a relay it has an open channel to (preferring ones that can pay `needed`), consecutive
 * relays joined by funded channels, relays that recently failed avoided.
 */
export async function planRoute(state: ClientState, recipient: PaidBlindedPath, options: { needed?: bigint } = {}): Promise<RoutePlan> {
  const book = state.book;
  if (!book) throw new WalletRequiredError({ operation: "Sending" });
  const relays = await state.directory.list();
  const blinded = recipient.path.hops.length - 1;
  let intro: RelayInfo | undefined;
  if (blinded > 0) {
    intro = await state.directory.byNodeId(recipient.path.introductionNodeId);
    if (!intro) throw new RelayNotFoundError({ relay: hex(recipient.path.introductionNodeId), reason: "(the recipient's introduction node) is not a registered relay" });
    if (!intro.active) throw new NoRouteError({ reason: `the recipient's introduction relay ${intro.node} is not active`, metaMessages: ["Ask the recipient for a fresh address."] });
  }
  const plainCount = Math.max(0, state.options.routeLength - blinded, blinded === 0 ? 1 : 0);
  const entries = await entryChannels(state, relays);
  if (entries.size === 0) throw new NoChannelError({ payer: book.payer });
  const needed = options.needed ?? 0n;
  const rich = new Set([...entries].filter(([, spend]) => spend >= needed).map(([node]) => node));
  const all = new Set(entries.keys());
  const avoid = state.health.avoided();
  const attempt = (allowed: Set<string>, length: number) =>
    findRelayChain({
      relays,
      length,
      firstAllowed: (r) => allowed.has(r.node.toLowerCase()),
      tail: intro,
      hasChannel: (from, to) => state.directory.hasChannel(from, to),
      avoid,
      random: state.options.random,
    });
  let chain: RelayInfo[] | undefined;
  // The route as wanted; else one relay longer (no funded channel from our entries to the introduction
  // relay); else — the only entry we have IS the introduction relay — straight into the blinded path.
  // Healthy entries first (one that can pay `needed`, then any: a top-up beats a relay that just failed),
  // then entries that recently failed.
  const healthy = (set: Set<string>) => new Set([...set].filter((node) => !avoid.has(node)));
  const entrySets = [healthy(rich), healthy(all), rich, all].filter((set) => set.size > 0);
  search: for (const length of intro ? [plainCount, plainCount + 1] : [plainCount]) {
    for (const allowed of entrySets) {
      chain = await attempt(allowed, length);
      if (chain) break search;
    }
  }
  if (!chain && intro && all.has(intro.node.toLowerCase()) && plainCount > 0) {
    state.logger.info("the recipient's introduction relay is this client's entry: sending straight into its blinded path", { intro: intro.node });
    chain = [];
  }
  if (!chain) {
    throw new NoRouteError({
      reason: plainCount === 0 ? `this client has no open channel to the recipient's introduction relay ${intro?.node}` : `no ${plainCount}-relay chain from the relays this client has channels to (${[...all].join(", ")}) ${intro ? `to the introduction relay ${intro.node}` : ""} with distinct operators and funded channels between them`,
      metaMessages: ["Open a channel to another relay (`sotto relays`, `sotto channel open`), or ask the recipient for an address through other relays."],
    });
  }
  const entry = chain[0] ?? intro!;
  const hops = chain.map((r) => ({ nodeId: r.nodeId, fee: r.fee }));
  const fee = hops.reduce((sum, h) => sum + h.fee, 0n) + recipient.fees.reduce((sum, f) => sum + f, 0n);
  return { entry, plain: chain, hops, intro, recipient, fee };
}

/** Open channels of this client's wallet to active relays, with what each can still pay (node lowercase → spendable). */
export async function entryChannels(state: ClientState, relays: readonly RelayInfo[]): Promise<Map<string, bigint>> {
  const book = state.book!;
  const out = new Map<string, bigint>();
  const active = new Map(relays.filter((r) => r.active).map((r) => [r.node.toLowerCase(), r]));
  let payees = await book.payees();
  if (payees.length === 0) {
    // Nothing stored (new storage): look for channels this wallet funded elsewhere.
    const found: Address[] = [];
    for (const relay of [...active.values()].slice(0, 64)) if (await state.directory.hasChannel(book.payer, relay.node)) found.push(relay.node);
    payees = found;
  }
  for (const payee of payees) {
    if (!active.has(payee.toLowerCase())) continue;
    const record = await book.get(payee, { maxAgeMs: 15_000 });
    if (record.ledger.open) out.set(payee.toLowerCase(), book.spendable(record));
  }
  return out;
}

/** The most message bytes per packet on `plan`, with and without the reply path (0 if it does not fit). */
export function capacities(plan: RoutePlan, replyPath: PaidBlindedPath | undefined): { first: number; rest: number } {
  const rest = fragmentCapacity({ route: plan.hops, recipient: plan.recipient });
  let first = rest;
  if (replyPath) {
    try {
      first = fragmentCapacity({ route: plan.hops, recipient: plan.recipient, replyPath });
    } catch {
      first = 0;
    }
  }
  return { first, rest };
}

/** A fresh session key: 32 random bytes that are a valid secp256k1 scalar. */
export function sessionKey(state: ClientState): Uint8Array {
  for (;;) {
    const key = randomBytes(32);
    if (state.backend.isValidPrivateKey(key)) return key;
  }
}

/**
 * Signs an issued ticket with the caller's wallet (EIP-712 `signTypedData`: the key never leaves the
 * wallet), normalises the signature to `r ‖ s ‖ v` with low s and v ∈ {27, 28}, and checks it recovers
 * the payer for this channel and domain.
 */
export async function signIssuedTicket(state: ClientState, wallet: { account: { address: Address }; signTypedData: (args: never) => Promise<Hex> }, payee: Address, issued: IssuedTicket): Promise<WireTicket> {
  const payer = bytes(wallet.account.address);
  const challenge = bytes(issued.challenge);
  const channelId = computeChannelId(state.backend, payer, payee);
  const typed = ticketTypedData(state.ticketDomain, { channelId, epoch: issued.epoch, cumulative: issued.cumulative, index: issued.index, challenge });
  let signature: Uint8Array;
  try {
    signature = normaliseSignature(bytes(await wallet.signTypedData({ account: wallet.account, ...typed } as never)));
  } catch (error) {
    throw new TicketSigningError({ cause: error });
  }
  const ticket: WireTicket = { payer, epoch: issued.epoch, cumulative: issued.cumulative, index: issued.index, challenge, signature };
  try {
    verifyTicket(state.backend, { domain: state.ticketDomain, ticket, payee });
  } catch (error) {
    throw new TicketSigningError({ cause: error });
  }
  return ticket;
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** 65-byte r ‖ s ‖ v with low s and v ∈ {27, 28} (wallets may return v ∈ {0, 1} or a high s). */
export function normaliseSignature(signature: Uint8Array): Uint8Array {
  if (signature.length !== 65) throw new Error(`signature of ${signature.length} bytes, expected 65`);
  const out = signature.slice();
  let v = out[64]!;
  if (v < 27) v += 27;
  let s = 0n;
  for (const b of out.subarray(32, 64)) s = (s << 8n) | BigInt(b);
  if (s > N / 2n) {
    s = N - s;
    for (let i = 63; i >= 32; i--) {
      out[i] = Number(s & 0xffn);
      s >>= 8n;
    }
    v = v === 27 ? 28 : 27;
  }
  out[64] = v;
  return out;
}
