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

/**
 * Sends the VOUCHER due to `payee`, if one is. The link to the relay may be gone (the relay restarted, or
 * was down when traffic paused): it is dialled again, since without the voucher the relay can never redeem
 * what it revealed beyond the last ticket. A relay that cannot be reached keeps the voucher due (throws
 * RelayUnreachableError); `close()` sends a final voucher (`{ final: true }`) for whatever is unsettled.
 */
export async function sendVoucher(state: ClientState, wallet: Wallet, payee: Address, options: VoucherOptions = {}): Promise<boolean> {
  const book = state.book!;
  const relay = await state.directory.byNode(payee);
  if (!relay || state.closed) return false;
  if (!(await book.voucherDue(payee, options))) return false;
  const link = (await state.network.existing(relay)) ?? (await state.network.connect(relay));
  return book.lock(payee, async () => {
    const issued = await book.voucher(payee, options);
    if (!issued) return false;
    const ticket = await signIssuedTicket(state, wallet, payee, issued);
    // Not queued (the link closed meanwhile): the caller learns it; `close()` sends a final voucher anyway.
    if (!link.send({ type: "voucher", ticket })) throw new RelayUnreachableError({ relay: payee, cause: new Error("the link closed before the voucher went out") });
    state.logger.debug("voucher sent", { payee, cumulative: issued.cumulative.toString(), challenge: hex(ticket.challenge) });
    return true;
  });
}
