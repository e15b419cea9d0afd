import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Store, decodeAmount, encodeAmount } from "./store.ts";
import { tempDirs } from "../../../test/support/tempDirs.ts";

const tempDir = tempDirs("store");

const bytes = (n: number, len = 32) => new Uint8Array(len).fill(n);

describe("Store", () => {
  it("orders amounts numerically as text", () => {
    const values = [0n, 1n, 15n, 16n, 255n, 2n ** 64n, 2n ** 127n];
    const encoded = values.map(encodeAmount);
    expect([...encoded].sort()).toEqual(encoded);
    expect(encoded.map(decodeAmount)).toEqual(values);
  });

  it("commits grouped writes durably: a reopened store sees them", async () => {
    const path = join(tempDir(), "relay.db");
    const store = new Store(path);
    const channelId = bytes(1);
    await Promise.all([
      store.commit(() => store.addReplayTag(bytes(9, 16))),
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
    expect(reopened.incomingTicket(channelId, 1n, 1n)?.challenge).toEqual(bytes(4));
    expect(reopened.incomingTicket(channelId, 2n, 1n)).toBeUndefined();
    expect(reopened.pruneSettledTickets(channelId, 1n, 3n)).toBe(1);
    expect(reopened.allIncomingTickets().map((t) => t.index)).toEqual([1n]);
    reopened.close();
  });

  it("rejects a whole batch when one write fails, and reports it to every caller", async () => {
    const store = new Store(":memory:");
    const ok = store.commit(() => store.addReplayTag(bytes(1, 16)));
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
    const path = join(tempDir(), "relay.db");
    const store = new Store(path);
    store.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    store.close();
    expect(() => new Store(path)).toThrow(/schema version 99.*fresh data directory/);
  });

  it("upgrades a version-1 database in place, keeping its replay tags, tickets and mail", () => {
    const path = join(tempDir(), "relay.db");
    const v1 = new Database(path);
    v1.exec(SCHEMA_V1);
    const hex = (n: bigint) => n.toString(16).padStart(32, "0");
    v1.prepare("INSERT INTO meta VALUES ('schema_version', '1')").run();
    v1.prepare("INSERT INTO replay_tags VALUES (?, ?)").run(bytes(9, 16), 1e15);
    v1.prepare("INSERT INTO incoming_tickets VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 1)").run(bytes(1), hex(1n), hex(7n), hex(21n), hex(3n), bytes(2), bytes(3, 65));
    v1.prepare("INSERT INTO mailbox (recipient, frame, challenge_in, upstream, ack_secret, received_at, expires_at) VALUES (?, ?, ?, 'peer', ?, 1, 2)").run(bytes(4, 33), bytes(5, 10), bytes(2), bytes(6));
    v1.prepare("INSERT INTO mailbox (recipient, frame, challenge_in, upstream, ack_secret, received_at, expires_at) VALUES (?, ?, NULL, NULL, NULL, 1, 2)").run(bytes(4, 33), bytes(5, 10));
    for (const [challenge, issuedAt] of [[bytes(12), 20], [bytes(11), 10]] as const) {
      v1.prepare("INSERT INTO outgoing_tickets VALUES (?, ?, ?, ?, ?)").run(challenge, bytes(8), hex(1n), hex(2n), issuedAt);
    }
    v1.close();

    const store = new Store(path);
    expect(store.hasReplayTag(bytes(9, 16))).toBe(true);
    const [mail, bare] = store.listMail(bytes(4, 33), 0, 10);
    expect(mail?.ticket).toEqual({ channelId: bytes(1), epoch: 1n, index: 7n });
    expect(store.incomingTicket(mail!.ticket!.channelId, mail!.ticket!.epoch, mail!.ticket!.index)?.cumulative).toBe(21n);
    expect(bare?.ticket).toBeNull();
    // In issue order, numbered from 1.
    expect(store.outgoingTickets().map((t) => [t.id, t.challenge[0], t.issuedAt])).toEqual([
      [1, 11, 10],
      [2, 12, 20],
    ]);
    const names = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
    expect(names).not.toContain("incoming_tickets_challenge");
    expect(names).not.toContain("outgoing_tickets_age");
    expect(names).not.toContain("replay_tags_expiry");
    expect(names).toContain("incoming_tickets_best");
    expect((store.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe("2");
    store.close();
  });
});

/** Version 1 of the schema as relays before 6 Dec 2026 created it (the fixture the upgrade starts from). */
const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE replay_tags (tag BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX replay_tags_expiry ON replay_tags (expires_at);
CREATE TABLE incoming_channels (channel_id BLOB PRIMARY KEY, payer BLOB NOT NULL, epoch TEXT NOT NULL, last_index TEXT NOT NULL,
  last_base TEXT NOT NULL, revealed TEXT NOT NULL, best_cumulative TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE incoming_tickets (channel_id BLOB NOT NULL, epoch TEXT NOT NULL, idx TEXT NOT NULL, cumulative TEXT NOT NULL,
  amount_in TEXT NOT NULL, challenge BLOB NOT NULL, signature BLOB NOT NULL, response BLOB, received_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, epoch, idx)) WITHOUT ROWID;
CREATE INDEX incoming_tickets_best ON incoming_tickets (channel_id, epoch, cumulative) WHERE response IS NOT NULL;
CREATE INDEX incoming_tickets_challenge ON incoming_tickets (challenge);
CREATE INDEX incoming_tickets_unanswered ON incoming_tickets (received_at) WHERE response IS NULL;
CREATE TABLE outgoing_channels (channel_id BLOB PRIMARY KEY, payee BLOB NOT NULL, epoch TEXT NOT NULL, next_index TEXT NOT NULL,
  confirmed TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE outgoing_tickets (challenge BLOB PRIMARY KEY, channel_id BLOB NOT NULL, epoch TEXT NOT NULL, amount TEXT NOT NULL,
  issued_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX outgoing_tickets_age ON outgoing_tickets (issued_at);
CREATE TABLE mailbox (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient BLOB NOT NULL, frame BLOB NOT NULL, challenge_in BLOB,
  upstream TEXT, ack_secret BLOB, received_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX mailbox_recipient ON mailbox (recipient, id);
CREATE INDEX mailbox_expiry ON mailbox (expires_at);
CREATE INDEX mailbox_challenge ON mailbox (challenge_in);
CREATE TABLE settlements (id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL, tx_hash TEXT, nonce INTEGER, items TEXT NOT NULL,
  total TEXT NOT NULL, gas_used TEXT, error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX settlements_status ON settlements (status);
`;
