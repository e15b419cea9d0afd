import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import { createMemoryStorage } from "../storage/createMemoryStorage.ts";
import { FakeChain } from "../testing/fakeChain.ts";
import { ChannelBook } from "./channelBook.ts";
import { silentLogger } from "./utils.ts";

const payer = "0x00000000000000000000000000000000000000aa" as Address;
const payee = "0x00000000000000000000000000000000000000bb" as Address;
const channels = "0x00000000000000000000000000000000000000cc" as Address;
const challenge = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

function setup(storage = createMemoryStorage(), chain = new FakeChain()) {
  const book = new ChannelBook({ storage, prefix: "t:", publicClient: chain.publicClient(), channels, payer, logger: silentLogger });
  return { book, storage, chain };
}

describe("ChannelBook (payer ledger persistence, docs/protocol.md §11)", () => {
  it("issues cumulative = confirmed + amount with increasing indices, confirms each reveal once, and survives a restart", async () => {
    const { book, storage, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, settled: 0n, epoch: 1n });
    await book.sync(payee);
    const t0 = await book.issue(payee, 3n, challenge(1));
    const t1 = await book.issue(payee, 3n, challenge(2));
    expect(t0.ok && t1.ok).toBe(true);
    if (!t0.ok || !t1.ok) return;
    expect([t0.ticket.index, t0.ticket.cumulative, t1.ticket.index, t1.ticket.cumulative]).toEqual([0n, 3n, 1n, 3n]);
    expect(await book.confirm(challenge(1))).toEqual({ payee, amount: 3n });
    expect(await book.confirm(challenge(1))).toBeUndefined(); // a duplicate REVEAL changes nothing
    const t2 = await book.issue(payee, 3n, challenge(3));
    expect(t2.ok && t2.ticket.cumulative).toBe(6n);

    // A new process with the same storage carries on where this one stopped.
    const again = setup(storage, chain).book;
    expect(await again.confirm(challenge(2))).toEqual({ payee, amount: 3n });
    const t3 = await again.issue(payee, 3n, challenge(4));
    expect(t3.ok && [t3.ticket.index, t3.ticket.cumulative]).toEqual([3n, 9n]);
    expect(await again.payees()).toEqual([payee]);
  });

  it("refuses to sign beyond settled + balance and reports what it can still pay", async () => {
    const { book, chain } = setup();
    chain.setChannel(payer, payee, { balance: 10n, settled: 5n, epoch: 2n });
    const record = await book.sync(payee);
    expect(record.ledger.confirmed).toBe(5n);
    expect(book.spendable(record)).toBe(10n);
    const over = await book.issue(payee, 11n, challenge(1));
    expect(over).toMatchObject({ ok: false, reason: "outgoing_channel_exhausted" });
    const exact = await book.issue(payee, 10n, challenge(2));
    expect(exact.ok && exact.ticket.cumulative).toBe(15n);
  });

  it("sends a voucher only when the confirmed total passed everything signed, for exactly that total", async () => {
    const { book, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, epoch: 1n });
    await book.sync(payee);
    await book.issue(payee, 3n, challenge(1));
    await book.issue(payee, 3n, challenge(2));
    expect(await book.voucherDue(payee)).toBe(false);
    expect(await book.voucher(payee)).toBeUndefined(); // nothing confirmed beyond the signed cumulative 3
    await book.confirm(challenge(1));
    expect(await book.voucher(payee)).toBeUndefined(); // confirmed 3 = highest signed
    await book.confirm(challenge(2));
    expect(await book.voucherDue(payee)).toBe(true);
    const voucher = await book.voucher(payee);
    expect(voucher).toMatchObject({ cumulative: 6n, index: 2n, challenge: challenge(0) });
    expect(await book.voucherDue(payee)).toBe(false);
    expect(await book.voucher(payee)).toBeUndefined();
  });

  it("the final voucher of a session goes out again for anything unsettled (an earlier one may have been lost)", async () => {
    const { book, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, epoch: 1n });
    await book.sync(payee);
    await book.issue(payee, 3n, challenge(1));
    await book.issue(payee, 3n, challenge(2));
    await book.confirm(challenge(1));
    await book.confirm(challenge(2));
    expect(await book.voucher(payee)).toMatchObject({ cumulative: 6n, index: 2n });
    expect(await book.voucherDue(payee)).toBe(false);
    expect(await book.voucherDue(payee, { final: true })).toBe(true);
    expect(await book.voucher(payee, { final: true })).toMatchObject({ cumulative: 6n, index: 3n });
    // Once the payee redeemed it all, not even a final voucher is due.
    chain.setChannel(payer, payee, { balance: 94n, settled: 6n, epoch: 1n });
    await book.sync(payee);
    expect(await book.voucherDue(payee, { final: true })).toBe(false);
  });

  it("the final voucher is also due while a ticket awaits a reveal: it makes a relay that lost the REVEAL send it again", async () => {
    const { book, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, epoch: 1n });
    await book.sync(payee);
    await book.issue(payee, 3n, challenge(1)); // cumulative 3
    await book.issue(payee, 3n, challenge(2)); // cumulative 3 (same base)
    expect(await book.voucherDue(payee)).toBe(false);
    expect(await book.voucherDue(payee, { final: true })).toBe(true);
    expect(await book.voucher(payee, { final: true })).toMatchObject({ cumulative: 0n, index: 2n });
    // The reveals come back: confirmed 6, the relay's best ticket carries 3, and the next voucher covers 6.
    await book.confirm(challenge(1));
    await book.confirm(challenge(2));
    expect(await book.voucher(payee)).toMatchObject({ cumulative: 6n, index: 3n });
    // Redeemed, nothing pending: nothing is due, not even a final voucher.
    chain.setChannel(payer, payee, { balance: 94n, settled: 6n, epoch: 1n });
    await book.sync(payee);
    expect(await book.voucherDue(payee, { final: true })).toBe(false);
  });

  it("a ticket that is never answered does not hold the voucher back (the payee could not redeem it)", async () => {
    const { book, storage, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, epoch: 1n });
    await book.sync(payee);
    await book.issue(payee, 3n, challenge(1)); // cumulative 3
    await book.issue(payee, 3n, challenge(2)); // cumulative 3 (same base)
    await book.confirm(challenge(1));
    await book.confirm(challenge(2)); // confirmed 6; the payee can redeem 3 with either ticket
    const lost = await book.issue(payee, 3n, challenge(3)); // cumulative 9: signed, but its packet is lost
    expect(lost.ok && lost.ticket.cumulative).toBe(9n);
    expect(await book.voucherDue(payee)).toBe(true);
    // The same after a restart (storage only).
    const again = setup(storage, chain).book;
    expect(await again.voucher(payee)).toMatchObject({ cumulative: 6n, index: 3n });
    expect(await again.voucherDue(payee)).toBe(false);
    // If that ticket is answered after all, the payee can redeem 9, and nothing more is due.
    await again.confirm(challenge(3));
    expect((await again.peek(payee))!.ledger.confirmed).toBe(9n);
    expect(await again.voucherDue(payee)).toBe(false);
  });

  it("follows the chain: redemptions raise settled, a new epoch starts a fresh ledger", async () => {
    const { book, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, epoch: 1n });
    await book.sync(payee);
    await book.issue(payee, 4n, challenge(1));
    await book.confirm(challenge(1));
    chain.setChannel(payer, payee, { balance: 96n, settled: 4n, epoch: 1n });
    let record = await book.sync(payee);
    expect([record.ledger.confirmed, record.ledger.nextIndex, book.spendable(record)]).toEqual([4n, 1n, 96n]);
    chain.setChannel(payer, payee, { balance: 50n, settled: 0n, epoch: 2n });
    record = await book.sync(payee);
    expect([record.ledger.epoch, record.ledger.confirmed, record.ledger.nextIndex, record.pending]).toEqual([2n, 0n, 0n, {}]);
    chain.setChannel(payer, payee, { status: 2, closesAt: 99n });
    record = await book.sync(payee);
    expect(record.ledger.open).toBe(false);
    expect(await book.issue(payee, 1n, challenge(5))).toMatchObject({ ok: false, reason: "channel_not_open" });
  });

  it("forgets a refused ticket, so a late reveal cannot confirm it", async () => {
    const { book, chain } = setup();
    chain.setChannel(payer, payee, { balance: 100n, epoch: 1n });
    await book.sync(payee);
    await book.issue(payee, 3n, challenge(1));
    await book.forget(payee, challenge(1));
    expect(await book.confirm(challenge(1))).toBeUndefined();
  });
});
