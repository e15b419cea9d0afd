/**
 * The relay's on-disk schema. Amounts and indexes (uint128/uint64) are stored as 32-digit zero-padded hex
 * text so that SQL ordering matches numeric ordering; keys and secrets are BLOBs.
 */
export const SCHEMA_VERSION = 1;

export const schemaSql = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Per-packet replay tags, kept until the packet's expiry has passed.
CREATE TABLE IF NOT EXISTS replay_tags (
  tag        BLOB PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS replay_tags_expiry ON replay_tags (expires_at);

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

-- Every accepted ticket, until it is settled or can never be redeemed.
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
CREATE INDEX IF NOT EXISTS incoming_tickets_challenge ON incoming_tickets (challenge);
CREATE INDEX IF NOT EXISTS incoming_tickets_unanswered ON incoming_tickets (received_at) WHERE response IS NULL;

-- Payer side: the ledger of each outgoing channel (see tickets/payerLedger.ts).
CREATE TABLE IF NOT EXISTS outgoing_channels (
  channel_id BLOB PRIMARY KEY,
  payee      BLOB NOT NULL,
  epoch      TEXT NOT NULL,
  next_index TEXT NOT NULL,
  confirmed  TEXT NOT NULL
) WITHOUT ROWID;

-- Outgoing tickets whose response has not been revealed yet.
CREATE TABLE IF NOT EXISTS outgoing_tickets (
  challenge  BLOB PRIMARY KEY,
  channel_id BLOB NOT NULL,
  epoch      TEXT NOT NULL,
  amount     TEXT NOT NULL,
  issued_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outgoing_tickets_age ON outgoing_tickets (issued_at);

-- Messages held for offline recipients, with what is needed to get paid when they are fetched.
CREATE TABLE IF NOT EXISTS mailbox (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient    BLOB NOT NULL,
  frame        BLOB NOT NULL,
  challenge_in BLOB,
  upstream     TEXT,
  ack_secret   BLOB,
  received_at  INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
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
