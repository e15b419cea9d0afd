import type { Address, Hex } from "viem";
import { hex } from "./utils.ts";
import { signIssuedTicket } from "./plan.ts";
import type { ClientState } from "./state.ts";
import type { VoucherOptions } from "./channelBook.ts";
import { RelayUnreachableError } from "../errors.ts";

type Wallet = { account: { address: Address }; signTypedData: (args: never) => Promise<Hex> };

/**
 * After reveals, once traffic to `payee` pauses for `delayMs`, sends a VOUCHER (unconditional ticket for
 * the confirmed total) so the relay can redeem everything it is owed with one ticket — several packets in
 * flight at once share one base, so their best conditional ticket covers only part of it.
 */
export function scheduleVoucher(state: ClientState, wallet: Wallet | undefined, payee: Address, delayMs = 750): void {
  if (!wallet || !state.book || state.closed) return;
  const key = payee.toLowerCase();
  const existing = state.voucherTimers.get(key);
  if (existing) clearTimeout(existing);
  const timer = setTimeout(() => {
    state.voucherTimers.delete(key);
    void sendVoucher(state, wallet, payee).catch((error: unknown) => state.logger.debug("voucher not sent", { payee }, error));
  }, delayMs);
  (timer as { unref?: () => void }).unref?.();
  state.voucherTimers.set(key, timer);
}

/** Traffic on the channel: postpone its voucher. */
export function postponeVoucher(state: ClientState, wallet: Wallet | undefined, payee: Address): void {
  if (state.voucherTimers.has(payee.toLowerCase())) scheduleVoucher(state, wallet, payee);
}

/** How a VOUCHER went: not due, sent without waiting, or the relay's answer (none within the wait: "unanswered"). */
export type VoucherOutcome = "not_due" | "sent" | "stored" | "refused" | "unanswered";

/**
 * Relays' answers to VOUCHERs (protocol.md §9: REVEAL of the zero response = stored, NACK of the zero
 * challenge = refused), per link. A link carries one channel of this client, and answers come in the order
 * the vouchers went out, so waiters are served first in, first out.
 */
export class VoucherAnswers {
  readonly #waiting = new Map<string, ((answer: "stored" | "refused") => void)[]>();

  /** Waits for the next answer on `peer`'s link, at most `timeoutMs`. Register before sending. */
  expect(peer: string, timeoutMs: number): Promise<"stored" | "refused" | "unanswered"> {
    return new Promise((resolve) => {
      const queue = this.#waiting.get(peer) ?? [];
      this.#waiting.set(peer, queue);
      const waiter = (answer: "stored" | "refused") => {
        clearTimeout(timer);
        resolve(answer);
      };
      const timer = setTimeout(() => {
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        resolve("unanswered");
      }, timeoutMs);
      queue.push(waiter);
    });
  }

  /** An answer arrived on `peer`'s link; false if nobody waited for it. */
  answer(peer: string, answer: "stored" | "refused"): boolean {
    const waiter = this.#waiting.get(peer)?.shift();
    waiter?.(answer);
    return waiter !== undefined;
  }
}

/**
 * Sends the VOUCHER due to `payee`, if one is. The link to the relay may be gone (the relay restarted, or
 * was down when traffic paused): it is dialled again, since without the voucher the relay can never redeem
 * what it revealed beyond the last ticket. A relay that cannot be reached keeps the voucher due (throws
 * RelayUnreachableError); `close()` sends a final voucher (`{ final: true }`) for whatever is unsettled.
 * With `answerTimeoutMs`, waits for the relay's answer.
 */
export async function sendVoucher(state: ClientState, wallet: Wallet, payee: Address, options: VoucherOptions & { answerTimeoutMs?: number } = {}): Promise<VoucherOutcome> {
  const book = state.book!;
  const relay = await state.directory.byNode(payee);
  if (!relay || state.closed) return "not_due";
  if (!(await book.voucherDue(payee, options))) return "not_due";
  const link = (await state.network.existing(relay)) ?? (await state.network.connect(relay));
  const answer = await book.lock(payee, async () => {
    const issued = await book.voucher(payee, options);
    if (!issued) return undefined;
    const ticket = await signIssuedTicket(state, wallet, payee, issued);
    const answer = options.answerTimeoutMs === undefined ? undefined : state.voucherAnswers.expect(link.peer, options.answerTimeoutMs);
    // Not queued (the link closed meanwhile): the caller learns it; `close()` sends a final voucher anyway.
    if (!link.send({ type: "voucher", ticket })) throw new RelayUnreachableError({ relay: payee, cause: new Error("the link closed before the voucher went out") });
    state.logger.debug("voucher sent", { payee, cumulative: issued.cumulative.toString(), challenge: hex(ticket.challenge) });
    return answer ?? ("sent" as const);
  });
  return answer === undefined ? "not_due" : await answer;
}

/**
 * The last vouchers of a session to `payee`: one for everything confirmed and unsettled (or, with tickets
 * still awaiting a reveal, for the confirmed total), then the relay's answer. A relay that lost reveals (it
 * restarted, or the link closed under them) sends them again before it answers; if they confirmed more, one
 * more voucher covers the rest. Without this, a relay restarted mid-session could never redeem packets it
 * carried whose REVEAL died with it.
 */
export async function sendFinalVouchers(state: ClientState, wallet: Wallet, payee: Address, answerTimeoutMs = 2_000): Promise<VoucherOutcome> {
  let outcome = await sendVoucher(state, wallet, payee, { final: true, answerTimeoutMs });
  for (let round = 0; round < 2 && outcome === "stored"; round++) {
    await Promise.all([...state.pending]); // reveals that came before the answer are being recorded
    const next = await sendVoucher(state, wallet, payee, { answerTimeoutMs });
    if (next === "not_due") break;
    outcome = next;
  }
  if (outcome === "refused" || outcome === "unanswered") state.logger.info(`last voucher ${outcome}; it is sent again when this client next closes`, { payee });
  return outcome;
}
