import type { Address, Hex } from "viem";
import type { SottoWalletClient } from "#contracts";
import { NackReason, buildPacket, decodeAddress, equalBytes, toHex, type Fragment, type MessageTooLargeErrorType, type PaidBlindedPath } from "#protocol";
import {
  ChannelStateError,
  DeliveryFailedError,
  InsufficientChannelFundsError,
  RelayUnreachableError,
  WalletRequiredError,
  type AddressExpiredErrorType,
  type ClientClosedErrorType,
  type DeliveryFailedErrorType,
  type InsufficientChannelFundsErrorType,
  type InvalidRecipientErrorType,
  type NoChannelErrorType,
  type NoRouteErrorType,
  type RelayNotFoundErrorType,
  type TicketSigningErrorType,
  type WalletRequiredErrorType,
} from "../errors.ts";
import { AttemptWatch } from "../internal/inflight.ts";
import { capacities, planRoute, resolveRecipient, sessionKey, signIssuedTicket, type RoutePlan } from "../internal/plan.ts";
import { getState, type ClientState } from "../internal/state.ts";
import { hex, randomBytes, sleep } from "../internal/utils.ts";
import { postponeVoucher, scheduleVoucher } from "../internal/vouchers.ts";
import { splitForRoute } from "../messages/splitForRoute.ts";
import type { RouteRelay } from "../types.ts";
import { createAddress } from "./createAddress.ts";
import { fundChannel } from "./fundChannel.ts";

/** Progress of a send, for UIs and the CLI's stderr lines. */
export type SendProgress =
  | { type: "route"; route: RouteRelay[]; fee: bigint; fragments: number }
  | { type: "topUp"; relay: Address; amount: bigint }
  | { type: "sent"; fragment: number; attempt: number; entry: Address }
  | { type: "accepted"; fragment: number; attempt: number }
  | { type: "delivered"; fragment: number; attempt: number }
  | { type: "retry"; fragment: number; attempt: number; reason: string };

export type SendMessageParameters = {
  /** A `sotto1…` address, or a reply path (`ReceivedMessage.replyPath`). */
  to: string | PaidBlindedPath;
  /** Bytes, or a string sent as UTF-8. At most 65,536 bytes. */
  message: Uint8Array | string;
  /**
   * A path the recipient can answer on. Default (true): this client's newest address when it has an
   * identity (one is created if there is none); false: none; or an explicit path. Travels in one fragment.
   */
  replyPath?: boolean | PaidBlindedPath | undefined;
  /** Resolve only once every fragment's delivery receipt is back (default true); false: once the relays took it. */
  waitForReceipt?: boolean | undefined;
  /** Overrides the client's: how long the entry relay has to ACK a packet. */
  ackTimeoutMs?: number | undefined;
  /** Overrides the client's: how long to wait for a fragment's receipt before trying another route. */
  receiptTimeoutMs?: number | undefined;
  /** Overrides the client's: attempts per fragment (each a fresh packet, possibly on another route). */
  maxAttempts?: number | undefined;
  /** Overrides the client's `autoTopUp`. */
  autoTopUp?: boolean | bigint | undefined;
  /** Send to an address whose advisory expiry has passed. */
  allowExpired?: boolean | undefined;
  onProgress?: ((event: SendProgress) => void) | undefined;
};

/** A fragment's end-to-end delivery receipt. */
export type FragmentReceipt = {
  fragment: number;
  /** The recipient's ack secret for the packet that arrived: keccak256 of it equals the packet's receipt challenge. */
  recipientAck: Hex;
  /** The packet's receipt challenge (what the recipient's ack secret hashes to). */
  receiptChallenge: Hex;
  /** Which attempt got through (1 = first). */
  attempt: number;
  /** The sender-chosen relays of that packet (entry first); the recipient's blinded relays are not known. */
  route: RouteRelay[];
  /** What that packet paid in all (the ticket to the entry). */
  fee: bigint;
};

export type SendMessageReturnType = {
  messageId: Hex;
  fragments: number;
  /** True when every fragment's receipt came back (always, unless `waitForReceipt: false`). */
  delivered: boolean;
  /** One per fragment when delivered; empty with `waitForReceipt: false`. */
  receipts: FragmentReceipt[];
  /** Fees of the packets that carried the fragments (one per fragment). */
  fee: bigint;
  /** Packets sent, retries included. */
  packets: number;
  /** The first route used. */
  route: RouteRelay[];
  /** Whether a reply path went along. */
  replyPath: boolean;
};

export type SendMessageErrorType =
  | WalletRequiredErrorType
  | InvalidRecipientErrorType
  | AddressExpiredErrorType
  | RelayNotFoundErrorType
  | NoChannelErrorType
  | NoRouteErrorType
  | InsufficientChannelFundsErrorType
  | DeliveryFailedErrorType
  | TicketSigningErrorType
  | MessageTooLargeErrorType
  | ClientClosedErrorType
  | Error;

type Outcome = { ok: true; receipt: FragmentReceipt | undefined; attempts: number; fee: bigint } | { ok: false; error: Error };

/**
 * Sends a message: splits it into fragments that fit the route (the reply path in the first), builds one
 * onion per fragment over `routeLength` relays (sender-chosen plain relays, then the recipient's blinded
 * path), pays the entry relay with a conditional ticket signed by the wallet, and waits for each
 * fragment's delivery receipt (checked against the packet's receipt challenge). A NACK or a timeout sends
 * the fragment again, with a fresh onion and another route where one exists (same message id: the
 * recipient deduplicates); nothing is retried once its receipt is in.
 *
 * @param client - A client from `createSottoClient` with a `wallet` and an open channel to a relay.
 * @param parameters - {@link SendMessageParameters}
 * @returns Receipts, fees and route. {@link SendMessageReturnType}
 *
 * @example
 * const { receipts, fee } = await sendMessage(client, { to: "sotto1…", message: "hello" });
 */
export async function sendMessage(client: object, parameters: SendMessageParameters): Promise<SendMessageReturnType> {
  const state = getState(client);
  const wallet = (client as { wallet?: SottoWalletClient }).wallet;
  if (!wallet || !state.book) throw new WalletRequiredError({ operation: "Sending" });
  const recipient = resolveRecipient(state, parameters.to, parameters.allowExpired);
  const message = typeof parameters.message === "string" ? new TextEncoder().encode(parameters.message) : parameters.message;
  const progress = parameters.onProgress ?? (() => {});
  const waitForReceipt = parameters.waitForReceipt ?? true;
  const options = {
    ackTimeoutMs: parameters.ackTimeoutMs ?? state.options.ackTimeoutMs,
    receiptTimeoutMs: parameters.receiptTimeoutMs ?? state.options.receiptTimeoutMs,
    maxAttempts: Math.max(1, parameters.maxAttempts ?? state.options.maxAttempts),
  };
  const autoTopUp = parameters.autoTopUp === undefined ? state.options.autoTopUp : parameters.autoTopUp === true ? 0n : parameters.autoTopUp === false ? false : parameters.autoTopUp;

  let replyPath = await resolveReplyPath(client, state, parameters.replyPath);
  let plan = await planRoute(state, recipient.path);
  let caps = capacities(plan, replyPath);
  if (replyPath && caps.first < 1) {
    state.logger.warn("the reply path does not fit in a packet on this route; sending without it");
    replyPath = undefined;
    caps = capacities(plan, undefined);
  }
  const messageId = randomBytes(16);
  const fragments = splitForRoute({ message, messageId, first: caps.first, rest: caps.rest });
  const needed = plan.fee * BigInt(fragments.length);
  plan = await ensureFunds(client, state, plan, needed, autoTopUp, progress);
  progress({ type: "route", route: routeOf(plan), fee: plan.fee, fragments: fragments.length });

  let packets = 0;
  const outcomes: Outcome[] = new Array(fragments.length);
  let next = 0;
  const worker = async () => {
    while (next < fragments.length) {
      const i = next++;
      try {
        const result = await deliverFragment(state, wallet, {
          fragment: fragments[i]!,
          replyPath: i === 0 ? replyPath : undefined,
          recipient: recipient.path,
          plan,
          waitForReceipt,
          ...options,
          progress,
          onPacket: () => void packets++,
        });
        outcomes[i] = { ok: true, ...result };
      } catch (error) {
        outcomes[i] = { ok: false, error: error as Error };
        next = fragments.length; // stop starting new fragments: the message cannot be reassembled anyway
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(state.options.concurrency, fragments.length) }, worker));
  scheduleVoucher(state, wallet, plan.entry.node);
  const failed = outcomes.find((o): o is { ok: false; error: Error } => o !== undefined && !o.ok);
  if (failed) throw failed.error;
  const done = outcomes as Extract<Outcome, { ok: true }>[];
  const receipts = done.flatMap((o) => (o.receipt ? [o.receipt] : []));
  return {
    messageId: hex(messageId),
    fragments: fragments.length,
    delivered: receipts.length === fragments.length,
    receipts,
    fee: done.reduce((sum, o) => sum + o.fee, 0n),
    packets,
    route: routeOf(plan),
    replyPath: replyPath !== undefined,
  };
}

async function resolveReplyPath(client: object, state: ClientState, option: SendMessageParameters["replyPath"]): Promise<PaidBlindedPath | undefined> {
  if (option === false) return undefined;
  if (option && typeof option === "object") return option;
  if (!state.receiver) return undefined;
  const current = (await state.receiver.current()) ?? (await createAddress(client, {}));
  return decodeAddress(current.address);
}

/** Makes sure the entry channel can pay `needed`: another entry that can, a top-up, or InsufficientChannelFundsError. */
async function ensureFunds(client: object, state: ClientState, plan: RoutePlan, needed: bigint, autoTopUp: false | bigint, progress: (e: SendProgress) => void): Promise<RoutePlan> {
  const book = state.book!;
  let record = await book.get(plan.entry.node, { maxAgeMs: 10_000 });
  if (book.spendable(record) >= needed) return plan;
  const other = await planRoute(state, plan.recipient, { needed });
  record = await book.get(other.entry.node, { maxAgeMs: 10_000 });
  if (book.spendable(record) >= needed) return other;
  const spendable = book.spendable(record);
  if (autoTopUp === false) throw new InsufficientChannelFundsError({ payee: other.entry.node, needed, spendable });
  const amount = needed - spendable > autoTopUp ? needed - spendable : autoTopUp;
  progress({ type: "topUp", relay: other.entry.node, amount });
  state.logger.info("topping up the entry channel", { relay: other.entry.node, amount: amount.toString() });
  await fundChannel(client, { relay: other.entry.node, amount });
  return other;
}

const routeOf = (plan: RoutePlan): RouteRelay[] => (plan.plain.length > 0 ? plan.plain : [plan.entry]).map((r) => ({ node: r.node, fee: r.fee }));

const nackName = (reason: number) => Object.entries(NackReason).find(([, v]) => v === reason)?.[0] ?? `reason ${reason}`;

type FragmentJob = {
  fragment: Fragment;
  replyPath: PaidBlindedPath | undefined;
  recipient: PaidBlindedPath;
  plan: RoutePlan;
  waitForReceipt: boolean;
  ackTimeoutMs: number;
  receiptTimeoutMs: number;
  maxAttempts: number;
  progress: (event: SendProgress) => void;
  onPacket: () => void;
};

/** One fragment, attempt after attempt, until its receipt (or acceptance) or the attempts run out. */
async function deliverFragment(state: ClientState, wallet: SottoWalletClient, job: FragmentJob): Promise<{ receipt: FragmentReceipt | undefined; attempts: number; fee: bigint }> {
  const { fragment } = job;
  const reasons: string[] = [];
  const watches: AttemptWatch[] = [];
  let receipt: FragmentReceipt | undefined;
  let plan = job.plan;
  try {
    for (let attempt = 1; attempt <= job.maxAttempts; attempt++) {
      if (attempt > 1) {
        try {
          plan = await planRoute(state, job.recipient);
        } catch (error) {
          reasons.push(`no other route (${(error as Error).message.split("\n")[0]})`);
          break;
        }
      }
      const built = buildPacket(state.backend, { sessionKey: sessionKey(state), route: plan.hops, recipient: job.recipient, fragment, replyPath: job.replyPath });
      const route = routeOf(plan);
      const watch = new AttemptWatch({
        ackKey: toHex(built.hops[0]!.ackChallenge, true),
        ticketKey: toHex(built.ticket!.challenge, true),
        receiptChallenge: built.receiptChallenge,
        entryPeer: plan.entry.peer,
        onReceipt: (recipientAck) => {
          receipt ??= { fragment: fragment.index, recipientAck: hex(recipientAck), receiptChallenge: hex(built.receiptChallenge), attempt, route, fee: built.ticket!.amount };
        },
      });
      state.inflight.register(watch);
      watches.push(watch);
      const settled = () => receipt !== undefined || watch.nack !== undefined || watch.entryGone;
      try {
        await transmit(state, wallet, plan, built);
      } catch (error) {
        if (error instanceof InsufficientChannelFundsError) throw error;
        state.health.penalize(plan.entry.node);
        reasons.push(`attempt ${attempt}: ${(error as Error).message.split("\n")[0]}`);
        if (!(error instanceof RelayUnreachableError)) throw error;
        job.progress({ type: "retry", fragment: fragment.index, attempt, reason: reasons.at(-1)! });
        continue;
      }
      job.onPacket();
      state.logger.debug("packet sent", { messageId: toHex(fragment.messageId), fragment: fragment.index, attempt, bytes: fragment.data.length, entry: plan.entry.node, receiptChallenge: toHex(built.receiptChallenge) });
      job.progress({ type: "sent", fragment: fragment.index, attempt, entry: plan.entry.node });

      await watch.until(() => watch.acked || settled(), job.ackTimeoutMs);
      if (receipt) break;
      if (!watch.acked) {
        if (watch.nack !== undefined) {
          // The entry refused it: that ticket will never be revealed.
          await state.book!.forget(plan.entry.node, watch.ticketKey);
          reasons.push(`attempt ${attempt}: the entry relay refused it (${nackName(watch.nack)})`);
          await afterNack(state, plan, watch.nack, true);
        } else {
          state.health.penalize(plan.entry.node);
          reasons.push(watch.entryGone ? `attempt ${attempt}: the entry relay went away before its ACK` : `attempt ${attempt}: no ACK from the entry relay within ${job.ackTimeoutMs} ms`);
        }
        job.progress({ type: "retry", fragment: fragment.index, attempt, reason: reasons.at(-1)! });
        continue;
      }
      state.health.succeeded(plan.entry.node);

      if (!job.waitForReceipt) {
        // Accepted once the second relay took it (REVEAL) and no refusal followed quickly.
        await watch.until(() => watch.revealed || settled(), job.ackTimeoutMs * 2);
        if (watch.nack === undefined) await watch.until(settled, Math.min(1_000, job.ackTimeoutMs));
        if (receipt) break;
        if (watch.nack === undefined && !(watch.entryGone && !watch.revealed)) {
          job.progress({ type: "accepted", fragment: fragment.index, attempt });
          return { receipt: undefined, attempts: attempt, fee: built.ticket!.amount };
        }
      } else {
        await watch.until(settled, job.receiptTimeoutMs);
        if (receipt) break;
      }
      if (watch.nack !== undefined) {
        reasons.push(`attempt ${attempt}: refused further along the route (${nackName(watch.nack)})`);
        await afterNack(state, plan, watch.nack, false);
      } else if (watch.entryGone) {
        state.health.penalize(plan.entry.node);
        reasons.push(`attempt ${attempt}: the entry relay went away before the receipt came back`);
      } else {
        reasons.push(`attempt ${attempt}: no receipt within ${job.receiptTimeoutMs} ms`);
      }
      job.progress({ type: "retry", fragment: fragment.index, attempt, reason: reasons.at(-1)! });
    }
    // A receipt for an earlier attempt may still have arrived while the last one was being prepared.
    if (receipt) {
      job.progress({ type: "delivered", fragment: fragment.index, attempt: receipt.attempt });
      return { receipt, attempts: watches.length, fee: receipt.fee };
    }
    throw new DeliveryFailedError({ messageId: toHex(fragment.messageId, true), fragment: fragment.index, attempts: watches.length, reasons });
  } finally {
    for (const watch of watches) state.inflight.unregister(watch);
  }
}

/** Relays to avoid after a refusal; a payer that is behind waits for its reveals instead. */
async function afterNack(state: ClientState, plan: RoutePlan, reason: number, atEntry: boolean): Promise<void> {
  if (reason === NackReason.payerBehind || reason === NackReason.overloaded) {
    await sleep(500);
    return;
  }
  if (atEntry && reason !== NackReason.unknownNextHop) {
    state.health.penalize(plan.entry.node);
    return;
  }
  // Refused downstream (or the entry could not reach the next hop): avoid the relays after the entry.
  const downstream = plan.plain.slice(1);
  for (const relay of downstream.length > 0 ? downstream : atEntry ? [plan.entry] : []) state.health.penalize(relay.node);
}

/** Issues the entry ticket (in index order, under the channel's lock), signs it with the wallet, sends the PACKET. */
async function transmit(state: ClientState, wallet: SottoWalletClient, plan: RoutePlan, built: ReturnType<typeof buildPacket>): Promise<void> {
  const book = state.book!;
  const link = await state.network.connect(plan.entry);
  const payee = plan.entry.node;
  await book.lock(payee, async () => {
    const issued = await book.issue(payee, built.ticket!.amount, toHex(built.ticket!.challenge, true));
    if (!issued.ok && issued.reason === "channel_not_open") throw new ChannelStateError({ payee, reason: "the channel is not open (closed or closing)", hint: "Fund a channel to another relay, or finalize the close and fund this one again." });
    if (!issued.ok) {
      const record = await book.peek(payee);
      throw new InsufficientChannelFundsError({ payee, needed: built.ticket!.amount, spendable: record ? book.spendable(record) : 0n });
    }
    const ticket = await signIssuedTicket(state, wallet, payee, issued.ticket);
    if (!equalBytes(ticket.challenge, built.ticket!.challenge)) throw new Error("internal: ticket challenge mismatch");
    if (!link.send({ type: "packet", pathKey: built.pathKey, onion: built.onion, ticket })) {
      throw new RelayUnreachableError({ relay: payee, cause: new Error("the link to the entry relay is closed") });
    }
  });
  postponeVoucher(state, wallet, payee);
}
