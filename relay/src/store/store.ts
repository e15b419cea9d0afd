import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Worker } from "node:worker_threads";
import { Checkpointer, type CheckpointStats } from "./checkpointer.ts";
import { GroupCommit } from "./groupCommit.ts";
import { SCHEMA_VERSION, migrations, schemaSql } from "./schema.ts";

/** uint128 → sortable text (32 hex digits). */
export function encodeAmount(value: bigint): string {
  return value.toString(16).padStart(32, "0");
}
export function decodeAmount(text: string): bigint {
  return BigInt(`0x${text}`);
}

export interface IncomingChannelRow {
  channelId: Uint8Array;
  payer: Uint8Array;
  epoch: bigint;
  lastIndex: bigint;
  lastBase: bigint;
  revealed: bigint;
  bestCumulative: bigint;
}

export interface IncomingTicketRow {
  channelId: Uint8Array;
  epoch: bigint;
  index: bigint;
  cumulative: bigint;
  amountIn: bigint;
  challenge: Uint8Array;
  signature: Uint8Array;
  response: Uint8Array | null;
  receivedAt: number;
}

export interface OutgoingChannelRow {
  channelId: Uint8Array;
  payee: Uint8Array;
  epoch: bigint;
  nextIndex: bigint;
  confirmed: bigint;
}

export interface OutgoingTicketRow {
  /** Issue order, assigned by the relay (OutgoingBook); the row's key. */
  id: number;
  challenge: Uint8Array;
  channelId: Uint8Array;
  epoch: bigint;
  amount: bigint;
  issuedAt: number;
}

export interface MailboxEntry {
  id: number;
  recipient: Uint8Array;
  frame: Uint8Array;
  challengeIn: Uint8Array | null;
  upstream: string | null;
  ackSecret: Uint8Array | null;
  receivedAt: number;
  expiresAt: number;
  /** The incoming ticket this message's delivery receipt makes redeemable (null: none, or unknown). */
  ticket: { channelId: Uint8Array; epoch: bigint; index: bigint } | null;
}

export type SettlementStatus = "planned" | "submitted" | "confirmed" | "failed";

export interface SettlementRow {
  id: number;
  status: SettlementStatus;
  txHash: string | null;
  nonce: number | null;
  items: string;
  total: bigint;
  gasUsed: bigint | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

type Row = Record<string, unknown>;
const buf = (v: unknown) => new Uint8Array(v as Buffer);
const bufOrNull = (v: unknown) => (v == null ? null : new Uint8Array(v as Buffer));

export interface StoreOptions {
  /** SQLite durability: "normal" survives a process crash, "full" also a power cut. */
  synchronous?: "normal" | "full";
  /** Called after every group transaction with its number of writes and duration. */
  onBatch?: (size: number, ms: number) => void;
  /** Under load, space group transactions at least this far apart (ms). */
  commitWindowMs?: number;
  /** Checkpoint the WAL on a worker thread instead of inside a COMMIT on the event loop. */
  backgroundCheckpoint?: boolean | { intervalMs?: number; restartFrames?: number };
  onCheckpoint?: (stats: CheckpointStats) => void;
  /** Group commits were held this long (ms) while the checkpoint worker rewound the WAL. */
  onWritesHeld?: (ms: number) => void;
  onCheckpointError?: (error: Error) => void;
  /** Told of the checkpoint worker thread once started. */
  onThread?: (name: string, worker: Worker) => void;
}

/**
 * The relay's durable state in one SQLite file (WAL). Reads are synchronous; writes go through
 * `commit(...)`, which groups them into one transaction per event-loop turn and resolves after commit.
 */
export class Store {
  readonly db: Database.Database;
  readonly #group: GroupCommit;
  readonly #s: Record<string, Database.Statement>;
  #checkpointer: Checkpointer | undefined;
  /** Channel rows saved during the running group transaction, by channel id; written at its end. */
  #channelRows: { incoming: Map<string, IncomingChannelRow>; outgoing: Map<string, OutgoingChannelRow> } | undefined;

  constructor(path: string, options: StoreOptions = {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.#openSchema(path);
    if (options.backgroundCheckpoint && path !== ":memory:") {
      this.db.pragma("wal_autocheckpoint = 0");
      this.#checkpointer = new Checkpointer(path, {
        ...(typeof options.backgroundCheckpoint === "object" ? options.backgroundCheckpoint : {}),
        pauseWrites: () => this.#group.pause(),
        resumeWrites: () => this.#group.resume(),
        onCheckpoint: options.onCheckpoint,
        onWritesHeld: options.onWritesHeld,
        onThread: options.onThread,
        onError: (error, workerGone) => {
          // Without the worker, the WAL would grow without end: checkpoint on this connection again.
          if (workerGone && this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
          options.onCheckpointError?.(error);
        },
      });
    }
    const transaction = this.db.transaction((writes: (() => void)[]) => {
      // A channel's row is written once per transaction, with its last state: every ticket accepted,
      // answered, issued or confirmed rewrites its channel's row, and a transaction carries many of them.
      this.#channelRows = { incoming: new Map(), outgoing: new Map() };
      try {
        for (const write of writes) write();
        for (const row of this.#channelRows.incoming.values()) this.#upsertIncomingChannel(row);
        for (const row of this.#channelRows.outgoing.values()) this.#upsertOutgoingChannel(row);
      } finally {
        this.#channelRows = undefined;
      }
    });
    this.#group = new GroupCommit((writes) => transaction(writes), options.onBatch, options.commitWindowMs ?? 0);
    const p = (sql: string) => this.db.prepare(sql);
    this.#s = {
      replayInsert: p("INSERT OR IGNORE INTO replay_tags (tag) VALUES (?)"),
      replayHas: p("SELECT 1 FROM replay_tags WHERE tag = ?"),
      replayPage: p("SELECT tag FROM replay_tags WHERE tag > ? ORDER BY tag LIMIT ?").pluck(),
      inChannelUpsert: p(`INSERT INTO incoming_channels (channel_id, payer, epoch, last_index, last_base, revealed, best_cumulative)
        VALUES (@channelId, @payer, @epoch, @lastIndex, @lastBase, @revealed, @bestCumulative)
        ON CONFLICT (channel_id) DO UPDATE SET payer = excluded.payer, epoch = excluded.epoch, last_index = excluded.last_index,
          last_base = excluded.last_base, revealed = excluded.revealed, best_cumulative = excluded.best_cumulative`),
      inChannelAll: p("SELECT * FROM incoming_channels"),
      inTicketInsert: p(`INSERT OR IGNORE INTO incoming_tickets (channel_id, epoch, idx, cumulative, amount_in, challenge, signature, response, received_at)
        VALUES (@channelId, @epoch, @index, @cumulative, @amountIn, @challenge, @signature, @response, @receivedAt)`),
      inTicketRespond: p("UPDATE incoming_tickets SET response = ? WHERE channel_id = ? AND epoch = ? AND idx = ?"),
      inTicketGet: p("SELECT * FROM incoming_tickets WHERE channel_id = ? AND epoch = ? AND idx = ?"),
      inTicketBest: p("SELECT * FROM incoming_tickets WHERE channel_id = ? AND epoch = ? AND response IS NOT NULL ORDER BY cumulative DESC LIMIT 1"),
      inTicketPruneSettled: p(`DELETE FROM incoming_tickets WHERE (channel_id, epoch, idx) IN (
        SELECT channel_id, epoch, idx FROM incoming_tickets WHERE channel_id = ? AND (epoch != ? OR cumulative <= ?) LIMIT ?)`),
      inTicketPruneUnanswered: p("DELETE FROM incoming_tickets WHERE response IS NULL AND received_at <= ?"),
      inTicketCount: p("SELECT COUNT(*) AS n FROM incoming_tickets WHERE response IS NOT NULL"),
      inTicketTotal: p("SELECT COUNT(*) AS n FROM incoming_tickets"),
      inTicketChannelCounts: p(`SELECT COUNT(*) AS n, COUNT(response) AS answered FROM incoming_tickets
        WHERE channel_id = ? AND epoch = ? AND challenge != zeroblob(32)`),
      inTicketResponded: p("SELECT * FROM incoming_tickets WHERE channel_id = ? AND epoch = ? AND response IS NOT NULL"),
      inTicketAll: p("SELECT * FROM incoming_tickets ORDER BY channel_id, epoch, idx"),
      outChannelUpsert: p(`INSERT INTO outgoing_channels (channel_id, payee, epoch, next_index, confirmed)
        VALUES (@channelId, @payee, @epoch, @nextIndex, @confirmed)
        ON CONFLICT (channel_id) DO UPDATE SET payee = excluded.payee, epoch = excluded.epoch, next_index = excluded.next_index, confirmed = excluded.confirmed`),
      outChannelAll: p("SELECT * FROM outgoing_channels"),
      outTicketInsert: p("INSERT OR REPLACE INTO outgoing_tickets (id, challenge, channel_id, epoch, amount, issued_at) VALUES (?, ?, ?, ?, ?, ?)"),
      outTicketNewest: p("SELECT * FROM (SELECT * FROM outgoing_tickets ORDER BY id DESC LIMIT ?) ORDER BY id"),
      outTicketDelete: p("DELETE FROM outgoing_tickets WHERE id = ?"),
      // Rows are in issue order (id), so the old ones are the first ones: a chunk reads `limit` rows at most,
      // however many tickets wait (a next hop that stopped revealing can leave millions).
      outTicketPrune: p("DELETE FROM outgoing_tickets WHERE id IN (SELECT id FROM outgoing_tickets ORDER BY id LIMIT ?) AND issued_at <= ?"),
      mailInsert: p(`INSERT INTO mailbox (recipient, frame, challenge_in, upstream, ack_secret, received_at, expires_at, ticket_channel, ticket_epoch, ticket_idx)
        VALUES (@recipient, @frame, @challengeIn, @upstream, @ackSecret, @receivedAt, @expiresAt, @ticketChannel, @ticketEpoch, @ticketIdx)`),
      mailList: p("SELECT * FROM mailbox WHERE recipient = ? AND expires_at > ? ORDER BY id LIMIT ?"),
      mailGet: p("SELECT * FROM mailbox WHERE id = ?"),
      mailByChallenge: p("SELECT * FROM mailbox WHERE challenge_in = ? LIMIT 1"),
      mailDelete: p("DELETE FROM mailbox WHERE id = ?"),
      mailUsage: p("SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(frame)), 0) AS bytes FROM mailbox WHERE recipient = ? AND expires_at > ?"),
      mailStats: p("SELECT COUNT(*) AS n, COUNT(DISTINCT recipient) AS recipients, COALESCE(SUM(LENGTH(frame)), 0) AS bytes FROM mailbox WHERE expires_at > ?"),
      mailExpired: p("SELECT * FROM mailbox WHERE expires_at <= ?"),
      settleInsert: p("INSERT INTO settlements (status, items, total, created_at, updated_at) VALUES ('planned', ?, ?, ?, ?)"),
      settleUpdate: p("UPDATE settlements SET status = @status, tx_hash = @txHash, nonce = @nonce, gas_used = @gasUsed, error = @error, total = @total, updated_at = @updatedAt WHERE id = @id"),
      settleByStatus: p("SELECT * FROM settlements WHERE status = ? ORDER BY id"),
      settleRecent: p("SELECT * FROM settlements ORDER BY id DESC LIMIT ?"),
      settleTotals: p("SELECT status, COUNT(*) AS n FROM settlements GROUP BY status"),
      settleConfirmed: p("SELECT total FROM settlements WHERE status = 'confirmed'"),
    };
  }

  /** Creates the schema, or brings an older database up to this version (one transaction per step). */
  #openSchema(path: string): void {
    const hasMeta = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
    const row = hasMeta ? (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as Row | undefined) : undefined;
    if (!row) {
      this.db.exec(schemaSql);
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
      return;
    }
    let version = Number(row.value);
    const refuse = (why: string) => {
      this.db.close();
      throw new Error(`database ${path} has schema version ${String(row.value)}, ${why}; use a matching relay version or a fresh data directory`);
    };
    if (!Number.isInteger(version) || version > SCHEMA_VERSION) refuse(`this relay expects ${SCHEMA_VERSION}`);
    while (version < SCHEMA_VERSION) {
      const step = migrations[version];
      if (step === undefined) refuse(`and this relay cannot upgrade it to ${SCHEMA_VERSION}`);
      this.db.transaction(() => {
        this.db.exec(step!);
        this.db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(version + 1));
      })();
      version++;
    }
    this.db.exec(schemaSql);
  }

  /** Runs `write` in the next group transaction; resolves once committed. */
  commit(write: () => void): Promise<void> {
    return this.#group.submit(write);
  }

  /** Runs `write` in its own transaction now. */
  writeNow<T>(write: () => T): T {
    return this.db.transaction(write)();
  }

  close(): void {
    this.#group.close();
    this.#checkpointer?.stop();
    this.db.close();
  }

  // Replay tags (kept while the onion key is in use: protocol.md §8)

  addReplayTag(tag: Uint8Array): void {
    this.#s.replayInsert!.run(tag);
  }
  hasReplayTag(tag: Uint8Array): boolean {
    return this.#s.replayHas!.get(tag) !== undefined;
  }
  /** Up to `limit` stored tags after `after`, in order (pages of them fill the filter in pipeline/replayCache.ts). */
  replayTagsAfter(after: Uint8Array, limit: number): Uint8Array[] {
    return this.#s.replayPage!.all(after, limit) as Buffer[];
  }

  // Incoming channels and tickets (payee side)

  saveIncomingChannel(row: IncomingChannelRow): void {
    if (this.#channelRows) this.#channelRows.incoming.set(Buffer.from(row.channelId).toString("hex"), row);
    else this.#upsertIncomingChannel(row);
  }
  #upsertIncomingChannel(row: IncomingChannelRow): void {
    this.#s.inChannelUpsert!.run({
      channelId: row.channelId,
      payer: row.payer,
      epoch: encodeAmount(row.epoch),
      lastIndex: row.lastIndex < 0n ? "-" : encodeAmount(row.lastIndex),
      lastBase: encodeAmount(row.lastBase),
      revealed: encodeAmount(row.revealed),
      bestCumulative: encodeAmount(row.bestCumulative),
    });
  }
  incomingChannels(): IncomingChannelRow[] {
    return (this.#s.inChannelAll!.all() as Row[]).map((r) => ({
      channelId: buf(r.channel_id),
      payer: buf(r.payer),
      epoch: decodeAmount(r.epoch as string),
      lastIndex: r.last_index === "-" ? -1n : decodeAmount(r.last_index as string),
      lastBase: decodeAmount(r.last_base as string),
      revealed: decodeAmount(r.revealed as string),
      bestCumulative: decodeAmount(r.best_cumulative as string),
    }));
  }
  insertIncomingTicket(row: IncomingTicketRow): void {
    this.#s.inTicketInsert!.run({
      channelId: row.channelId,
      epoch: encodeAmount(row.epoch),
      index: encodeAmount(row.index),
      cumulative: encodeAmount(row.cumulative),
      amountIn: encodeAmount(row.amountIn),
      challenge: row.challenge,
      signature: row.signature,
      response: row.response,
      receivedAt: row.receivedAt,
    });
  }
  setIncomingResponse(channelId: Uint8Array, epoch: bigint, index: bigint, response: Uint8Array): void {
    this.#s.inTicketRespond!.run(response, channelId, encodeAmount(epoch), encodeAmount(index));
  }
  incomingTicket(channelId: Uint8Array, epoch: bigint, index: bigint): IncomingTicketRow | undefined {
    const r = this.#s.inTicketGet!.get(channelId, encodeAmount(epoch), encodeAmount(index)) as Row | undefined;
    return r ? toIncomingTicket(r) : undefined;
  }
  bestIncomingTicket(channelId: Uint8Array, epoch: bigint): IncomingTicketRow | undefined {
    const r = this.#s.inTicketBest!.get(channelId, encodeAmount(epoch)) as Row | undefined;
    return r ? toIncomingTicket(r) : undefined;
  }
  /**
   * Drops up to `limit` tickets of `channelId` that can no longer pay (other epochs, or cumulative ≤
   * settled); returns how many. Callers prune in chunks so a big settlement never stalls the relay.
   */
  pruneSettledTickets(channelId: Uint8Array, epoch: bigint, settled: bigint, limit = 1_000_000): number {
    return this.#s.inTicketPruneSettled!.run(channelId, encodeAmount(epoch), encodeAmount(settled), limit).changes;
  }
  pruneUnansweredTickets(receivedBefore: number): number {
    return this.#s.inTicketPruneUnanswered!.run(receivedBefore).changes;
  }
  /** Tickets of a channel and epoch whose response is known. */
  respondedTickets(channelId: Uint8Array, epoch: bigint): IncomingTicketRow[] {
    return (this.#s.inTicketResponded!.all(channelId, encodeAmount(epoch)) as Row[]).map(toIncomingTicket);
  }
  /** Conditional tickets (vouchers excluded) stored for a channel and epoch, and how many are answered. */
  channelTicketCounts(channelId: Uint8Array, epoch: bigint): { tickets: number; answered: number } {
    const r = this.#s.inTicketChannelCounts!.get(channelId, encodeAmount(epoch)) as Row;
    return { tickets: Number(r.n), answered: Number(r.answered) };
  }
  incomingTicketCount(): number {
    return Number((this.#s.inTicketTotal!.get() as Row).n);
  }
  answeredTicketCount(): number {
    return Number((this.#s.inTicketCount!.get() as Row).n);
  }
  allIncomingTickets(): IncomingTicketRow[] {
    return (this.#s.inTicketAll!.all() as Row[]).map(toIncomingTicket);
  }

  // Outgoing channels and tickets (payer side)

  saveOutgoingChannel(row: OutgoingChannelRow): void {
    if (this.#channelRows) this.#channelRows.outgoing.set(Buffer.from(row.channelId).toString("hex"), row);
    else this.#upsertOutgoingChannel(row);
  }
  #upsertOutgoingChannel(row: OutgoingChannelRow): void {
    this.#s.outChannelUpsert!.run({
      channelId: row.channelId,
      payee: row.payee,
      epoch: encodeAmount(row.epoch),
      nextIndex: encodeAmount(row.nextIndex),
      confirmed: encodeAmount(row.confirmed),
    });
  }
  outgoingChannels(): OutgoingChannelRow[] {
    return (this.#s.outChannelAll!.all() as Row[]).map((r) => ({
      channelId: buf(r.channel_id),
      payee: buf(r.payee),
      epoch: decodeAmount(r.epoch as string),
      nextIndex: decodeAmount(r.next_index as string),
      confirmed: decodeAmount(r.confirmed as string),
    }));
  }
  insertOutgoingTicket(row: OutgoingTicketRow): void {
    this.#s.outTicketInsert!.run(row.id, row.challenge, row.channelId, encodeAmount(row.epoch), encodeAmount(row.amount), row.issuedAt);
  }
  /** The newest `limit` outgoing tickets still waiting for their response (all by default), in issue order. */
  outgoingTickets(limit = Number.MAX_SAFE_INTEGER): OutgoingTicketRow[] {
    return (this.#s.outTicketNewest!.all(limit) as Row[]).map((r) => ({
      id: Number(r.id),
      challenge: buf(r.challenge),
      channelId: buf(r.channel_id),
      epoch: decodeAmount(r.epoch as string),
      amount: decodeAmount(r.amount as string),
      issuedAt: Number(r.issued_at),
    }));
  }
  deleteOutgoingTicket(id: number): void {
    this.#s.outTicketDelete!.run(id);
  }
  /** Deletes those of the `limit` oldest outgoing tickets issued at or before `issuedBefore`; returns how many. */
  pruneOutgoingTickets(issuedBefore: number, limit: number): number {
    return this.#s.outTicketPrune!.run(limit, issuedBefore).changes;
  }

  // Mailbox

  insertMail(entry: Omit<MailboxEntry, "id">): number {
    const { ticket, ...columns } = entry;
    const key = ticket ? { ticketChannel: ticket.channelId, ticketEpoch: encodeAmount(ticket.epoch), ticketIdx: encodeAmount(ticket.index) } : { ticketChannel: null, ticketEpoch: null, ticketIdx: null };
    return Number(this.#s.mailInsert!.run({ ...columns, ...key }).lastInsertRowid);
  }
  listMail(recipient: Uint8Array, now: number, limit: number): MailboxEntry[] {
    return (this.#s.mailList!.all(recipient, now, limit) as Row[]).map(toMail);
  }
  mail(id: number): MailboxEntry | undefined {
    const r = this.#s.mailGet!.get(id) as Row | undefined;
    return r ? toMail(r) : undefined;
  }
  mailByChallenge(challenge: Uint8Array): MailboxEntry | undefined {
    const r = this.#s.mailByChallenge!.get(challenge) as Row | undefined;
    return r ? toMail(r) : undefined;
  }
  deleteMail(id: number): void {
    this.#s.mailDelete!.run(id);
  }
  mailUsage(recipient: Uint8Array, now: number): { messages: number; bytes: number } {
    const r = this.#s.mailUsage!.get(recipient, now) as Row;
    return { messages: Number(r.n), bytes: Number(r.bytes) };
  }
  mailStats(now: number): { messages: number; recipients: number; bytes: number } {
    const r = this.#s.mailStats!.get(now) as Row;
    return { messages: Number(r.n), recipients: Number(r.recipients), bytes: Number(r.bytes) };
  }
  expiredMail(now: number): MailboxEntry[] {
    return (this.#s.mailExpired!.all(now) as Row[]).map(toMail);
  }

  // Settlements

  planSettlement(items: string, total: bigint, now: number): number {
    return Number(this.#s.settleInsert!.run(items, encodeAmount(total), now, now).lastInsertRowid);
  }
  updateSettlement(
    id: number,
    fields: { status: SettlementStatus; txHash?: string | null; nonce?: number | null; gasUsed?: bigint | null; total?: bigint; error?: string | null },
    now: number,
  ): void {
    const current = this.db.prepare("SELECT * FROM settlements WHERE id = ?").get(id) as Row | undefined;
    if (!current) throw new Error(`no settlement ${id}`);
    this.#s.settleUpdate!.run({
      id,
      status: fields.status,
      txHash: fields.txHash !== undefined ? fields.txHash : current.tx_hash,
      nonce: fields.nonce !== undefined ? fields.nonce : current.nonce,
      gasUsed: fields.gasUsed !== undefined ? (fields.gasUsed === null ? null : fields.gasUsed.toString()) : current.gas_used,
      error: fields.error !== undefined ? fields.error : current.error,
      total: fields.total !== undefined ? encodeAmount(fields.total) : current.total,
      updatedAt: now,
    });
  }
  settlementsWithStatus(status: SettlementStatus): SettlementRow[] {
    return (this.#s.settleByStatus!.all(status) as Row[]).map(toSettlement);
  }
  recentSettlements(limit: number): SettlementRow[] {
    return (this.#s.settleRecent!.all(limit) as Row[]).map(toSettlement);
  }
  settlementCounts(): Record<SettlementStatus, number> {
    const counts: Record<SettlementStatus, number> = { planned: 0, submitted: 0, confirmed: 0, failed: 0 };
    for (const r of this.#s.settleTotals!.all() as Row[]) counts[r.status as SettlementStatus] = Number(r.n);
    return counts;
  }
  confirmedEarnings(): bigint {
    return (this.#s.settleConfirmed!.all() as Row[]).reduce((sum, r) => sum + decodeAmount(r.total as string), 0n);
  }
}

function toIncomingTicket(r: Row): IncomingTicketRow {
  return {
    channelId: buf(r.channel_id),
    epoch: decodeAmount(r.epoch as string),
    index: decodeAmount(r.idx as string),
    cumulative: decodeAmount(r.cumulative as string),
    amountIn: decodeAmount(r.amount_in as string),
    challenge: buf(r.challenge),
    signature: buf(r.signature),
    response: bufOrNull(r.response),
    receivedAt: Number(r.received_at),
  };
}

function toMail(r: Row): MailboxEntry {
  return {
    id: Number(r.id),
    recipient: buf(r.recipient),
    frame: buf(r.frame),
    challengeIn: bufOrNull(r.challenge_in),
    upstream: (r.upstream as string | null) ?? null,
    ackSecret: bufOrNull(r.ack_secret),
    receivedAt: Number(r.received_at),
    expiresAt: Number(r.expires_at),
    ticket: r.ticket_channel == null ? null : { channelId: buf(r.ticket_channel), epoch: decodeAmount(r.ticket_epoch as string), index: decodeAmount(r.ticket_idx as string) },
  };
}

function toSettlement(r: Row): SettlementRow {
  return {
    id: Number(r.id),
    status: r.status as SettlementStatus,
    txHash: (r.tx_hash as string | null) ?? null,
    nonce: r.nonce == null ? null : Number(r.nonce),
    items: r.items as string,
    total: decodeAmount(r.total as string),
    gasUsed: r.gas_used == null ? null : BigInt(r.gas_used as string),
    error: (r.error as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
