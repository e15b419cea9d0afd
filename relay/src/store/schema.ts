/**
 * The relay's on-disk schema. Amounts and indexes (uint128/uint64) are stored as 32-digit zero-padded hex
 * text so that SQL ordering matches numeric ordering; keys and secrets are BLOBs.
 *
 * Every page a packet changes is written to the WAL and again by the checkpoint, so the tables a packet
 * touches keep their keys in arrival order where they can and carry no index that only a rare query needs:
 * version 1 wrote ~10 pages (~34 KiB of disk) per packet at 2,000 packets/s, four of them pages of B-trees
 * keyed by random values (a replay tag, the incoming ticket's challenge, the outgoing ticket's challenge on
 * insert and on delete). Only the replay tag's is left: a packet's tag is random, and it must be found.
 */
export const SCHEMA_VERSION = 2;

export const schemaSql = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The replay tag of every packet accepted with the current onion key (protocol.md §8): they are kept for as
-- long as the key is in use, and a new onion key starts an empty table.
CREATE TABLE IF NOT EXISTS replay_tags (
  tag BLOB PRIMARY KEY
) WITHOUT ROWID;

-- Payee side: the ledger of each incoming channel (see tickets/payeeLedger.ts).
CREATE TABLE IF NOT EXISTS incoming_channels (
  channel_id      BLOB PRIMARY KEY,
  payer           BLOB NOT NULL,
  epoch           TEXT NOT NULL,
  last_index      TEXT NOT NULL,
  last_base       TEXT NOT NULL,
  revealed        TEXT NOT NULL,
  best_cumulative TEXT NOT NULL
) WITHOUT ROWID;

-- Every accepted ticket, until it is settled or can never be redeemed (rows arrive in key order: a channel's
-- indexes only grow).
CREATE TABLE IF NOT EXISTS incoming_tickets (
  channel_id  BLOB NOT NULL,
  epoch       TEXT NOT NULL,
  idx         TEXT NOT NULL,
  cumulative  TEXT NOT NULL,
  amount_in   TEXT NOT NULL,
  challenge   BLOB NOT NULL,
  signature   BLOB NOT NULL,
  response    BLOB,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (channel_id, epoch, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS incoming_tickets_best ON incoming_tickets (channel_id, epoch, cumulative) WHERE response IS NOT NULL;
CREATE INDEX IF NOT EXISTS incoming_tickets_unanswered ON incoming_tickets (received_at) WHERE response IS NULL;

-- Payer side: the ledger of each outgoing channel (see tickets/payerLedger.ts).
CREATE TABLE IF NOT EXISTS outgoing_channels (
  channel_id BLOB PRIMARY KEY,
  payee      BLOB NOT NULL,
  epoch      TEXT NOT NULL,
  next_index TEXT NOT NULL,
  confirmed  TEXT NOT NULL
) WITHOUT ROWID;

-- Outgoing tickets whose response has not been revealed yet, in the order they were issued (id). They are few
-- (revealed ones are deleted) and the relay keeps them in memory by challenge, so no index is needed.
CREATE TABLE IF NOT EXISTS outgoing_tickets (
  id         INTEGER PRIMARY KEY,
  challenge  BLOB NOT NULL,
  channel_id BLOB NOT NULL,
  epoch      TEXT NOT NULL,
  amount     TEXT NOT NULL,
  issued_at  INTEGER NOT NULL
);

-- Messages held for offline recipients, with what is needed to get paid when they are fetched: the challenge
-- the recipient's delivery receipt answers, and the key of the incoming ticket that receipt makes redeemable.
CREATE TABLE IF NOT EXISTS mailbox (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient      BLOB NOT NULL,
  frame          BLOB NOT NULL,
  challenge_in   BLOB,
  upstream       TEXT,
  ack_secret     BLOB,
  received_at    INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  ticket_channel BLOB,
  ticket_epoch   TEXT,
  ticket_idx     TEXT
);
CREATE INDEX IF NOT EXISTS mailbox_recipient ON mailbox (recipient, id);
CREATE INDEX IF NOT EXISTS mailbox_expiry ON mailbox (expires_at);
CREATE INDEX IF NOT EXISTS mailbox_challenge ON mailbox (challenge_in);

-- Settlement transactions: written before sending, so a restart never sends the same redemption twice.
CREATE TABLE IF NOT EXISTS settlements (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  status     TEXT NOT NULL,
  tx_hash    TEXT,
  nonce      INTEGER,
  items      TEXT NOT NULL,
  total      TEXT NOT NULL,
  gas_used   TEXT,
  error      TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS settlements_status ON settlements (status);
`;

/**
 * Upgrades from each earlier version to the next, run in one transaction when a relay opens an older database.
 * Version 1 → 2: the tables a packet touches lose the keys and indexes that cost a random page per packet.
 */
export const migrations: Record<number, string> = {
  1: `
    -- Replay tags without their expiry (always "while the onion key is in use").
    CREATE TABLE replay_tags_v2 (tag BLOB PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO replay_tags_v2 (tag) SELECT tag FROM replay_tags;
    DROP TABLE replay_tags;
    ALTER TABLE replay_tags_v2 RENAME TO replay_tags;

    -- A stored message names the incoming ticket its delivery receipt answers (found by challenge while the
    -- index still exists), so the tickets need no index on their random challenge.
    ALTER TABLE mailbox ADD COLUMN ticket_channel BLOB;
    ALTER TABLE mailbox ADD COLUMN ticket_epoch TEXT;
    ALTER TABLE mailbox ADD COLUMN ticket_idx TEXT;
    UPDATE mailbox SET (ticket_channel, ticket_epoch, ticket_idx) =
      (SELECT channel_id, epoch, idx FROM incoming_tickets WHERE challenge = mailbox.challenge_in LIMIT 1)
      WHERE challenge_in IS NOT NULL;
    DROP INDEX IF EXISTS incoming_tickets_challenge;

    -- Outgoing tickets in issue order instead of by their random challenge.
    CREATE TABLE outgoing_tickets_v2 (id INTEGER PRIMARY KEY, challenge BLOB NOT NULL, channel_id BLOB NOT NULL, epoch TEXT NOT NULL, amount TEXT NOT NULL, issued_at INTEGER NOT NULL);
    INSERT INTO outgoing_tickets_v2 (challenge, channel_id, epoch, amount, issued_at) SELECT challenge, channel_id, epoch, amount, issued_at FROM outgoing_tickets ORDER BY issued_at;
    DROP TABLE outgoing_tickets;
    ALTER TABLE outgoing_tickets_v2 RENAME TO outgoing_tickets;
  `,
};
