import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store, decodeAmount, encodeAmount } from "./store.ts";

const bytes = (n: number, len = 32) => new Uint8Array(len).fill(n);

describe("Store", () => {
  it("orders amounts numerically as text", () => {
    const values = [0n, 1n, 15n, 16n, 255n, 2n ** 64n, 2n ** 127n];
    const encoded = values.map(encodeAmount);
    expect([...encoded].sort()).toEqual(encoded);
    expect(encoded.map(decodeAmount)).toEqual(values);
  });

  it("commits grouped writes durably: a reopened store sees them", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sotto-store-")), "relay.db");
    const store = new Store(path);
    const channelId = bytes(1);
    await Promise.all([
      store.commit(() => store.addReplayTag(bytes(9, 16), Date.now() + 60_000)),
      store.commit(() =>
        store.insertIncomingTicket({ channelId, epoch: 1n, index: 0n, cumulative: 3n, amountIn: 3n, challenge: bytes(2), signature: bytes(3, 65), response: null, receivedAt: 1 }),
      ),
      store.commit(() =>
        store.insertIncomingTicket({ channelId, epoch: 1n, index: 1n, cumulative: 6n, amountIn: 3n, challenge: bytes(4), signature: bytes(5, 65), response: null, receivedAt: 2 }),
      ),
    ]);
    await store.commit(() => store.setIncomingResponse(channelId, 1n, 0n, bytes(7)));
    store.close();

    const reopened = new Store(path);
    expect(reopened.hasReplayTag(bytes(9, 16))).toBe(true);
    expect(reopened.hasReplayTag(bytes(8, 16))).toBe(false);
    const best = reopened.bestIncomingTicket(channelId, 1n);
    expect(best?.cumulative).toBe(3n);
    expect(best?.response).toEqual(bytes(7));
    expect(reopened.incomingTicketByChallenge(bytes(4))?.index).toBe(1n);
    expect(reopened.pruneSettledTickets(channelId, 1n, 3n)).toBe(1);
    expect(reopened.allIncomingTickets().map((t) => t.index)).toEqual([1n]);
    reopened.close();
  });

  it("rejects a whole batch when one write fails, and reports it to every caller", async () => {
    const store = new Store(":memory:");
    const ok = store.commit(() => store.addReplayTag(bytes(1, 16), 10));
    const bad = store.commit(() => {
      throw new Error("boom");
    });
    await expect(ok).rejects.toThrow("boom");
    await expect(bad).rejects.toThrow("boom");
    expect(store.hasReplayTag(bytes(1, 16))).toBe(false);
    store.close();
  });

  it("writes a channel's row once per group transaction, with the last state saved in it", async () => {
    const store = new Store(":memory:");
    const incoming = (n: bigint) => ({ channelId: bytes(1), payer: bytes(2, 20), epoch: 1n, lastIndex: n, lastBase: n, revealed: n, bestCumulative: n });
    const outgoing = (n: bigint) => ({ channelId: bytes(3), payee: bytes(4, 20), epoch: 1n, nextIndex: n, confirmed: n });
    const rowsWritten = () => Number((store.db.prepare("SELECT total_changes() AS n").get() as { n: number }).n);
    const before = rowsWritten();
    await Promise.all([1n, 2n, 3n].map((n) => store.commit(() => {
      store.saveIncomingChannel(incoming(n));
      store.saveOutgoingChannel(outgoing(n * 10n));
    })));
    expect(rowsWritten() - before).toBe(2);
    expect(store.incomingChannels()).toEqual([incoming(3n)]);
    expect(store.outgoingChannels()).toEqual([outgoing(30n)]);
    // Outside a group transaction a save is written at once.
    store.saveIncomingChannel(incoming(4n));
    expect(store.incomingChannels()[0]?.lastIndex).toBe(4n);
    // A failed transaction leaves the last committed rows.
    await expect(store.commit(() => {
      store.saveOutgoingChannel(outgoing(99n));
      throw new Error("boom");
    })).rejects.toThrow("boom");
    expect(store.outgoingChannels()).toEqual([outgoing(30n)]);
    store.close();
  });

  it("keeps a settlement log whose rows move through their states", () => {
    const store = new Store(":memory:");
    const id = store.planSettlement("[]", 42n, 1);
    store.updateSettlement(id, { status: "submitted", txHash: "0xabc", nonce: 7 }, 2);
    store.updateSettlement(id, { status: "confirmed", gasUsed: 21_000n }, 3);
    const [row] = store.recentSettlements(1);
    expect(row).toMatchObject({ status: "confirmed", txHash: "0xabc", nonce: 7, total: 42n, gasUsed: 21_000n });
    expect(store.confirmedEarnings()).toBe(42n);
    store.close();
  });

  it("refuses a database from another schema version with advice", () => {
    const path = join(mkdtempSync(join(tmpdir(), "sotto-store-")), "relay.db");
    const store = new Store(path);
    store.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    store.close();
    expect(() => new Store(path)).toThrow(/schema version 99.*fresh data directory/);
  });
});
