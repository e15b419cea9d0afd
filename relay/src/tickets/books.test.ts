import { join } from "node:path";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import type { ChannelState } from "#contracts";
import { Store } from "../store/store.ts";
import { IncomingBook } from "./incomingBook.ts";
import { OutgoingBook } from "./outgoingBook.ts";
import { tempDirs } from "../../../test/support/tempDirs.ts";

const tempDir = tempDirs("books");

const payer = `0x${"aa".repeat(20)}` as Address;
const payee = `0x${"bb".repeat(20)}` as Address;
const channelId = `0x${"cc".repeat(32)}` as const;
const C = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as `0x${string}`;
const state = (over: Partial<ChannelState> = {}): ChannelState => ({ channelId, payer, payee, balance: 100n, settled: 0n, epoch: 1n, closesAt: 0n, status: "open", ...over });
const dbPath = () => join(tempDir(), "relay.db");

describe("IncomingBook", () => {
  it("keeps its ledger across a restart: an old index stays stale, the best ticket stays redeemable", async () => {
    const path = dbPath();
    let store = new Store(path);
    let book = new IncomingBook(store, { creditWindow: 10n });
    await store.commit(book.applyChain(state()));
    const ticket = { channelId, epoch: 1n, cumulative: 3n, index: 0n, challenge: C(1), amountIn: 3n, signature: new Uint8Array(65) };
    expect(book.check(channelId, ticket, { challenge: C(1), amountIn: 3n })).toEqual({ ok: true });
    await store.commit(book.accept(ticket, 1));
    await store.commit(book.respond(ticket, new Uint8Array(32).fill(9)));
    expect(book.redeemable(channelId)).toBe(3n);
    store.close();

    store = new Store(path);
    book = new IncomingBook(store, { creditWindow: 10n });
    await store.commit(book.applyChain(state()));
    expect(book.check(channelId, ticket, { challenge: C(1), amountIn: 3n })).toMatchObject({ ok: false, reason: "stale_index" });
    expect(book.redeemable(channelId)).toBe(3n);
    expect(store.bestIncomingTicket(new Uint8Array(Buffer.from("cc".repeat(32), "hex")), 1n)?.cumulative).toBe(3n);
    store.close();
  });

  it("starts a fresh ledger on a new epoch and drops the old epoch's tickets", async () => {
    const store = new Store(":memory:");
    const book = new IncomingBook(store, { creditWindow: 10n });
    await store.commit(book.applyChain(state()));
    const ticket = { channelId, epoch: 1n, cumulative: 3n, index: 5n, challenge: C(1), amountIn: 3n, signature: new Uint8Array(65) };
    await store.commit(book.accept(ticket, 1));
    await store.commit(book.applyChain(state({ epoch: 2n })));
    expect(book.pruneSome(10)).toBe(1);
    expect(book.pruneSome(10)).toBe(0);
    expect(book.get(channelId)?.ledger.lastIndex).toBe(-1n);
    expect(store.allIncomingTickets()).toEqual([]);
    expect(book.check(channelId, ticket, { challenge: C(1), amountIn: 3n })).toMatchObject({ ok: false, reason: "wrong_epoch" });
  });
});

describe("OutgoingBook", () => {
  it("confirms a revealed amount once, resumes indexes after a restart and honours late reveals", async () => {
    const path = dbPath();
    let store = new Store(path);
    let book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    const a = book.issue(payee, 2n, C(1), 1);
    const b = book.issue(payee, 2n, C(2), 1);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect([a.ticket.index, b.ticket.index]).toEqual([0n, 1n]);
    await Promise.all([store.commit(a.write!), store.commit(b.write!)]);

    const first = book.reveal(C(1));
    expect(first).toMatchObject({ ok: true, amount: 2n });
    expect(book.reveal(C(1))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    if (first.ok) await store.commit(first.write);
    expect(book.reveal(C(1))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    store.close();

    store = new Store(path);
    book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    expect(book.byPayee(payee)?.ledger).toMatchObject({ nextIndex: 2n, confirmed: 2n });
    const late = book.reveal(C(2));
    expect(late).toMatchObject({ ok: true, amount: 2n });
    const next = book.issue(payee, 1n, C(3), 2);
    expect(next.ok && next.ticket).toMatchObject({ index: 2n, cumulative: 5n });
    store.close();
  });

  it("owes a voucher for confirmed value no ticket handed to the payee covers, even if such a ticket was issued", async () => {
    const store = new Store(":memory:");
    const book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    const issueAndSend = async (challenge: `0x${string}`, send: boolean) => {
      const issued = book.issue(payee, 2n, challenge, 10);
      if (!issued.ok) throw new Error(issued.detail);
      await store.commit(issued.write!);
      if (send) book.sent(issued.channelId!, issued.ticket.cumulative, 10);
      return issued.ticket.cumulative;
    };
    expect([await issueAndSend(C(1), true), await issueAndSend(C(2), true)]).toEqual([2n, 2n]);
    expect(book.reveal(C(1))).toMatchObject({ ok: true });
    // Its packet never leaves (the link to the payee closed): the payee does not hold this ticket.
    expect(await issueAndSend(C(3), false)).toBe(4n);
    expect(book.reveal(C(2))).toMatchObject({ ok: true });
    // Confirmed 4, while the best ticket the payee holds says 2: a voucher is owed.
    expect(book.voucherDue(10_000, 1_000).map((e) => e.channelId)).toEqual([channelId]);
    expect(book.voucher(payee, 10_000)?.ticket.cumulative).toBe(4n);
    expect(book.voucherDue(20_000, 1_000)).toEqual([]);
    // The link to the payee closed: that voucher may not have arrived, so one is owed again.
    book.forgetDelivered(payee);
    expect(book.voucherDue(20_000, 1_000).map((e) => e.channelId)).toEqual([channelId]);
  });

  it("forgets, in memory and on disk, the tickets whose response never came once pruned", async () => {
    const path = dbPath();
    let store = new Store(path);
    let book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    for (const [challenge, issuedAt] of [[C(1), 10], [C(2), 100]] as const) {
      const issued = book.issue(payee, 2n, challenge, issuedAt);
      if (!issued.ok) throw new Error(issued.detail);
      await store.commit(issued.write!);
    }
    expect(book.pendingTickets).toBe(2);
    expect(book.prune(50)).toBe(1);
    expect(book.reveal(C(1))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    store.close();

    store = new Store(path);
    book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    expect(book.pendingTickets).toBe(1);
    expect(book.reveal(C(1))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    const late = book.reveal(C(2));
    expect(late).toMatchObject({ ok: true, amount: 2n });
    if (late.ok) await store.commit(late.write);
    expect(store.outgoingTickets()).toEqual([]);
    // Issue order goes on after the ids that were used.
    const next = book.issue(payee, 1n, C(3), 200);
    if (!next.ok) throw new Error(next.detail);
    await store.commit(next.write!);
    expect(store.outgoingTickets().map((t) => t.id)).toEqual([3]);
    store.close();
  });

  it("remembers at most maxPending unrevealed tickets, forgetting the oldest first", async () => {
    const store = new Store(":memory:");
    const book = new OutgoingBook(store, { maxPending: 2 });
    await store.commit(book.applyChain(state()));
    for (const n of [1, 2, 3]) {
      const issued = book.issue(payee, 1n, C(n), n);
      if (!issued.ok) throw new Error(issued.detail);
      await store.commit(issued.write!);
    }
    expect(book.pendingTickets).toBe(2);
    expect(book.reveal(C(1))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    expect(book.reveal(C(3))).toMatchObject({ ok: true, amount: 1n });
    expect(book.reveal(C(2))).toMatchObject({ ok: true, amount: 1n });
  });

  it("after a restart with more unrevealed tickets than maxPending, remembers the newest and goes on after the last id", async () => {
    const path = dbPath();
    let store = new Store(path);
    let book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    for (const n of [1, 2, 3, 4]) {
      const issued = book.issue(payee, 1n, C(n), n);
      if (!issued.ok) throw new Error(issued.detail);
      await store.commit(issued.write!);
    }
    store.close();

    store = new Store(path);
    book = new OutgoingBook(store, { maxPending: 2 });
    await store.commit(book.applyChain(state()));
    expect(book.pendingTickets).toBe(2);
    expect(book.reveal(C(2))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    // The forgotten ones stay on disk until pruned (their payee can redeem them regardless).
    expect(store.outgoingTickets().map((t) => t.issuedAt)).toEqual([1, 2, 3, 4]);
    const next = book.issue(payee, 1n, C(5), 5);
    if (!next.ok) throw new Error(next.detail);
    await store.commit(next.write!);
    expect(store.outgoingTickets().map((t) => t.id)).toEqual([1, 2, 3, 4, 5]);
    const late = book.reveal(C(4));
    expect(late).toMatchObject({ ok: true, amount: 1n });
    if (late.ok) await store.commit(late.write);
    expect(store.outgoingTickets().map((t) => t.id)).toEqual([1, 2, 3, 5]);
    store.close();
  });

  it("prunes a chunk at a time, oldest first, and stops at the first ticket young enough to be answered", async () => {
    const store = new Store(":memory:");
    const book = new OutgoingBook(store);
    await store.commit(book.applyChain(state()));
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      const issued = book.issue(payee, 1n, C(n), n * 10);
      if (!issued.ok) throw new Error(issued.detail);
      await store.commit(issued.write!);
    }
    expect(book.prune(50, 2)).toBe(2);
    expect(book.prune(50, 2)).toBe(2);
    expect(book.prune(50, 2)).toBe(1);
    expect(book.prune(50, 2)).toBe(0);
    expect(book.pendingTickets).toBe(2);
    expect(store.outgoingTickets().map((t) => t.issuedAt)).toEqual([60, 70]);
    for (const n of [1, 5]) expect(book.reveal(C(n))).toMatchObject({ ok: false, reason: "unknown_challenge" });
    expect(book.reveal(C(6))).toMatchObject({ ok: true, amount: 1n });
  });

  it("refuses to issue without a channel or beyond its funds", async () => {
    const store = new Store(":memory:");
    const book = new OutgoingBook(store);
    expect(book.issue(payee, 1n, C(1), 0)).toMatchObject({ ok: false, reason: "channel_not_open" });
    await store.commit(book.applyChain(state({ balance: 1n })));
    expect(book.issue(payee, 2n, C(1), 0)).toMatchObject({ ok: false, reason: "outgoing_channel_exhausted" });
  });
});
