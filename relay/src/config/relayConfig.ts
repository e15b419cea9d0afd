import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError, parseConfig, type Infer, type Schema } from "./schema.ts";

const address = /^0x[0-9a-fA-F]{40}$/;
const multiaddr = /^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+(\/ws)?(\/p2p\/\w+)?$/;

/**
 * Every relay setting, its default and its environment override. `sotto relay init` writes a file with
 * these keys; anything missing takes the default shown here.
 */
export const relayConfigSchema = {
  dataDir: { kind: "string", default: ".", description: "directory for keys and the database, relative to the config file", env: "SOTTO_DATA_DIR" },
  chain: {
    rpcUrl: { kind: "string", pattern: /^(https?|wss?):\/\/.+/, hint: "an http(s):// or ws(s):// JSON-RPC URL", default: "http://127.0.0.1:8545", description: "JSON-RPC endpoint of the chain", env: "SOTTO_RPC_URL" },
    chainId: { kind: "int", min: 1, description: "chain id the contracts live on; a different RPC chain id is refused", env: "SOTTO_CHAIN_ID" },
    registry: { kind: "string", pattern: address, hint: "a 0x-prefixed 20-byte address", description: "RelayRegistry address", env: "SOTTO_REGISTRY" },
    channels: { kind: "string", pattern: address, hint: "a 0x-prefixed 20-byte address", description: "PaymentChannels address", env: "SOTTO_CHANNELS" },
    confirmations: { kind: "int", min: 0, max: 1000, default: 0, description: "blocks behind the head at which chain state counts as final", env: "SOTTO_CONFIRMATIONS" },
    pollIntervalMs: { kind: "int", min: 50, max: 600_000, default: 2000, description: "how often to poll the chain for registry and channel changes", env: "SOTTO_POLL_INTERVAL_MS" },
  },
  p2p: {
    listen: { kind: "strings", pattern: multiaddr, hint: "a TCP or WebSocket multiaddr like /ip4/0.0.0.0/tcp/9000 or /ip4/0.0.0.0/tcp/9001/ws", minItems: 1, default: ["/ip4/127.0.0.1/tcp/0"], description: "libp2p listen addresses (TCP, and /ws for browsers)", env: "SOTTO_LISTEN" },
    announce: { kind: "strings", pattern: multiaddr, hint: "a multiaddr", default: [], description: "addresses published in the registry (default: the listen addresses)", env: "SOTTO_ANNOUNCE" },
    feedbackLingerMs: { kind: "number", min: 0, max: 50, default: 2, description: "how long ACK, REVEAL, RECEIPT and NACK frames may wait so that several leave in one socket write (packets never wait; 0 = at once)", env: "SOTTO_FEEDBACK_LINGER_MS" },
  },
  api: {
    host: { kind: "string", default: "127.0.0.1", description: "admin API bind address", env: "SOTTO_API_HOST" },
    port: { kind: "int", min: 0, max: 65535, default: 8080, description: "admin API port (0 = any free port)", env: "SOTTO_API_PORT" },
    token: { kind: "string", pattern: /^.{16,}$/, hint: "at least 16 characters", description: "bearer token for the admin API", env: "SOTTO_API_TOKEN" },
  },
  fee: { kind: "bigint", min: 0n, default: 1n, description: "fee per packet in token base units, as registered on chain", env: "SOTTO_FEE" },
  mixing: {
    meanDelayMs: { kind: "number", min: 0, max: 60_000, default: 0, description: "mean of the exponential per-packet mixing delay (0 = off)", env: "SOTTO_MIX_DELAY_MS" },
    maxDelayMs: { kind: "number", min: 0, max: 600_000, default: 5_000, description: "cap on a single mixing delay", env: "SOTTO_MIX_MAX_DELAY_MS" },
  },
  tickets: {
    creditWindow: { kind: "bigint", min: 0n, default: 100n, description: "most revealed-but-unpaid value tolerated per payer before refusing its packets", env: "SOTTO_CREDIT_WINDOW" },
    ackTimeoutMs: { kind: "int", min: 10, max: 600_000, default: 5_000, description: "how long to wait for the next hop's ack", env: "SOTTO_ACK_TIMEOUT_MS" },
    voucherIdleMs: { kind: "int", min: 100, max: 3_600_000, default: 2_000, description: "send a voucher for confirmed value once a payee got no ticket for this long", env: "SOTTO_VOUCHER_IDLE_MS" },
    receiptTtlMs: { kind: "int", min: 1_000, max: 86_400_000, default: 600_000, description: "how long a circuit is kept to carry a delivery receipt back", env: "SOTTO_RECEIPT_TTL_MS" },
  },
  settlement: {
    minValue: { kind: "bigint", min: 1n, default: 100n, description: "settle once unredeemed value across channels reaches this", env: "SOTTO_SETTLE_MIN_VALUE" },
    minTickets: { kind: "int", min: 1, default: 1_000, description: "or once this many tickets await settlement", env: "SOTTO_SETTLE_MIN_TICKETS" },
    maxAgeMs: { kind: "int", min: 1_000, default: 3_600_000, description: "or once the oldest unredeemed value is this old", env: "SOTTO_SETTLE_MAX_AGE_MS" },
    jitterMs: { kind: "int", min: 0, default: 30_000, description: "random extra delay before a settlement, so its time says nothing about traffic", env: "SOTTO_SETTLE_JITTER_MS" },
    maxChannelsPerTx: { kind: "int", min: 1, max: 200, default: 50, description: "most channels redeemed in one redeemMany transaction", env: "SOTTO_SETTLE_BATCH" },
  },
  channelStrategy: {
    budget: { kind: "bigint", min: 0n, default: 0n, description: "most tokens this relay may lock in outgoing channels in total", env: "SOTTO_CHANNEL_BUDGET" },
    deposit: { kind: "bigint", min: 0n, default: 100n, description: "amount per channel open or top-up", env: "SOTTO_CHANNEL_DEPOSIT" },
    topUpBelow: { kind: "bigint", min: 0n, default: 20n, description: "top up an outgoing channel when its spendable balance falls below this", env: "SOTTO_CHANNEL_TOPUP_BELOW" },
    maxPeers: { kind: "int", min: 0, max: 1000, default: 8, description: "most outgoing channels to open, picked stake-weighted", env: "SOTTO_CHANNEL_MAX_PEERS" },
  },
  mailbox: {
    ttlSeconds: { kind: "int", min: 1, max: 30 * 86_400, default: 86_400, description: "how long a message waits for an offline recipient", env: "SOTTO_MAILBOX_TTL" },
    maxBytesPerRecipient: { kind: "int", min: 1_024, default: 4 * 1024 * 1024, description: "mailbox quota per recipient", env: "SOTTO_MAILBOX_QUOTA" },
  },
  limits: {
    queueDepth: { kind: "int", min: 16, max: 1_000_000, default: 4_096, description: "most packets queued per outgoing peer before new ones are dropped", env: "SOTTO_QUEUE_DEPTH" },
  },
  performance: {
    cryptoWorkers: { kind: "int", min: -1, max: 64, default: -1, description: "worker threads for per-packet public-key work (-1: one if the machine has two or more cores, 0: none, inline)", env: "SOTTO_CRYPTO_WORKERS" },
  },
  store: {
    synchronous: { kind: "enum", values: ["normal", "full"], default: "normal", description: "SQLite durability: normal survives a process crash, full also a power cut", env: "SOTTO_STORE_SYNC" },
    commitWindowMs: { kind: "number", min: 0, max: 50, default: 0, description: "space store transactions at least this far apart so each carries more writes (adds up to this much latency; 0 = one transaction per event-loop turn, which measured best: see bench/results/relay-profile.md)", env: "SOTTO_STORE_COMMIT_WINDOW_MS" },
  },
  faults: {
    dropRate: { kind: "number", min: 0, max: 1, default: 0, description: "testing only: fraction of incoming packets to drop silently (no ack, no forward), to exercise the network's handling of a misbehaving relay", env: "SOTTO_FAULT_DROP_RATE" },
  },
  log: {
    level: { kind: "enum", values: ["trace", "debug", "info", "warn", "error", "silent"], default: "info", description: "log level", env: "SOTTO_LOG_LEVEL" },
  },
} as const satisfies Schema;

export type RelayConfig = Infer<typeof relayConfigSchema> & {
  /** Absolute path of the file the config came from (its directory anchors relative paths). */
  file: string;
};

/** Reads and validates a relay config file; env overrides win. Throws ConfigError that names every bad key. */
export function loadRelayConfig(file: string, env: Record<string, string | undefined> = process.env): RelayConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as Error).message}; create one with \`sotto relay init\``], path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`not valid JSON: ${(error as Error).message}`], path);
  }
  const config = parseConfig(relayConfigSchema, json, { env, source: path });
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(dirname(path), config.dataDir);
  return { ...config, dataDir, file: path };
}
