/**
 * Helpers for the failover tests (test/e2e/failover*.test.ts): SDK senders and listening recipients on a
 * LocalNetwork, a traffic runner that sends N messages from several senders at once and records every
 * outcome (receipt verified against its challenge), on-chain redemptions read from TicketRedeemed events, and
 * settling every relay.
 */
import { randomBytes } from "node:crypto";
import { parseEventLogs, type Address } from "viem";
import { createSottoClient, type ClientLogger, type ReceivedMessage, type SendProgress, type SottoClient } from "#client";
import { paymentChannelsAbi } from "#contracts/generated";
import { getNativeBackend } from "#protocol/native";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { metric, waitFor } from "./rawSender.ts";

const backend = getNativeBackend();
const lower = (a: string) => a.toLowerCase();

/** A client logger that keeps every line (and prints them with FAILOVER_LOG=1). */
export function recordingLogger(name: string, lines: string[]): ClientLogger {
  const log = (level: string) => (message: string, context?: Record<string, unknown>, error?: unknown) => {
    const line = `${new Date().toISOString()} [${name}] ${level} ${message} ${context ? JSON.stringify(context, (_k, v) => (typeof v === "bigint" ? String(v) : v)) : ""} ${error instanceof Error ? error.message.split("\n")[0] : ""}`;
    if (level !== "debug" || process.env.FAILOVER_LOG) lines.push(line);
    if (process.env.FAILOVER_LOG) console.error(line);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

export interface Sender {
  name: string;
  client: SottoClient;
  account: Address;
  /** Relays it has a channel to. */
  entries: LocalRelay[];
}

/** A sender (wallet, no identity): funded with tokens and a channel of `deposit` to each of `entries`. */
export async function createSender(net: LocalNetwork, p: { accountIndex: number; entries: LocalRelay[]; deposit: bigint; routeLength?: number; logLines: string[]; clientOptions?: Record<string, unknown> }): Promise<Sender> {
  const wallet = net.devnet.wallet(net.devnet.accountKey(p.accountIndex));
  await net.devnet.fund(wallet.account.address, { eth: 10n ** 20n, tokens: p.deposit * BigInt(p.entries.length) });
  const name = `sender${p.accountIndex}`;
  const client = await createSottoClient({
    publicClient: net.devnet.publicClient,
    wallet,
    contracts: net.devnet.contracts,
    routeLength: p.routeLength ?? 3,
    logger: recordingLogger(name, p.logLines),
    ...p.clientOptions,
  });
  for (const relay of p.entries) await client.fundChannel({ relay: relay.node, amount: p.deposit });
  return { name, client, account: wallet.account.address, entries: p.entries };
}

export interface Recipient {
  name: string;
  client: SottoClient;
  address: string;
  intro: Address;
  home: Address;
  /** Every delivered message (duplicates would show here: the client deduplicates by message id). */
  received: ReceivedMessage[];
}

/** A listening recipient (identity, no wallet) whose address goes through `intro` then `home`. */
export async function createRecipient(net: LocalNetwork, p: { name: string; intro: LocalRelay; home: LocalRelay; logLines: string[] }): Promise<Recipient> {
  const client = await createSottoClient({ publicClient: net.devnet.publicClient, contracts: net.devnet.contracts, identityKey: randomBytes(32), logger: recordingLogger(p.name, p.logLines) });
  const made = await client.address({ relays: [p.intro.node, p.home.node] });
  const received: ReceivedMessage[] = [];
  client.onMessage((m) => void received.push(m));
  await client.listen();
  return { name: p.name, client, address: made.address, intro: made.intro, home: made.home, received };
}

export interface MessageOutcome {
  index: number;
  sender: string;
  recipient: string;
  text: string;
  ok: boolean;
  /** Every fragment's receipt hashed to its receipt challenge. */
  verified: boolean;
  ms: number;
  packets: number;
  /** Entry relay of each packet sent (attempt order). */
  entries: Address[];
  /** The sender-chosen relays of the packet that got through. */
  route: Address[];
  retries: string[];
  fee: bigint;
  error?: string;
  messageId?: string;
}

export interface TrafficResult {
  outcomes: MessageOutcome[];
  seconds: number;
  delivered: number;
}

/**
 * Sends `total` one-fragment messages, message i to recipient i mod R, with `concurrency` sends in flight per
 * sender (each sender's workers take the next message from one shared queue). `onFinished(done)` runs after
 * every completed message (to stop a relay mid-run, say).
 */
export async function runTraffic(p: { senders: Sender[]; recipients: Recipient[]; total: number; concurrency: number; onFinished?: (done: number) => void }): Promise<TrafficResult> {
  const outcomes: MessageOutcome[] = [];
  let next = 0;
  let finished = 0;
  const started = performance.now();
  const worker = async (sender: Sender) => {
    while (next < p.total) {
      const index = next++;
      const recipient = p.recipients[index % p.recipients.length]!;
      const text = `failover message ${index} from ${sender.name} to ${recipient.name} ${randomBytes(8).toString("hex")}`;
      const outcome: MessageOutcome = { index, sender: sender.name, recipient: recipient.name, text, ok: false, verified: false, ms: 0, packets: 0, entries: [], route: [], retries: [], fee: 0n };
      const t0 = performance.now();
      try {
        const sent = await sender.client.send(recipient.address, text, {
          onProgress: (e: SendProgress) => {
            if (e.type === "sent") outcome.entries.push(e.entry);
            if (e.type === "retry") outcome.retries.push(e.reason);
          },
        });
        outcome.ok = sent.delivered;
        outcome.messageId = sent.messageId;
        outcome.packets = sent.packets;
        outcome.fee = sent.fee;
        outcome.route = sent.receipts[0]?.route.map((r) => r.node) ?? [];
        outcome.verified =
          sent.receipts.length === sent.fragments &&
          sent.receipts.every((r) => Buffer.from(backend.keccak256(Buffer.from(r.recipientAck.slice(2), "hex"))).equals(Buffer.from(r.receiptChallenge.slice(2), "hex")));
      } catch (error) {
        outcome.error = `${(error as Error).name}: ${(error as Error).message.replace(/\s+/g, " ")}`;
      }
      outcome.ms = performance.now() - t0;
      outcomes.push(outcome);
      finished++;
      p.onFinished?.(finished);
    }
  };
  await Promise.all(p.senders.flatMap((s) => Array.from({ length: p.concurrency }, () => worker(s))));
  outcomes.sort((a, b) => a.index - b.index);
  return { outcomes, seconds: (performance.now() - started) / 1000, delivered: outcomes.filter((o) => o.ok && o.verified).length };
}

export const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** A summary line of a run for the test output. */
export function describeRun(name: string, run: TrafficResult): string {
  const ms = run.outcomes.map((o) => o.ms);
  const retried = run.outcomes.filter((o) => o.packets > 1 || o.retries.length > 0).length;
  const failed = run.outcomes.filter((o) => !o.ok);
  return [
    `${name}: ${run.delivered}/${run.outcomes.length} delivered with verified receipts (${((100 * run.delivered) / run.outcomes.length).toFixed(1)} %) in ${run.seconds.toFixed(1)} s`,
    `  latency p50 ${percentile(ms, 0.5).toFixed(0)} ms, p99 ${percentile(ms, 0.99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms; ${retried} messages needed more than one packet, ${run.outcomes.reduce((s, o) => s + o.packets, 0)} packets in all`,
    ...failed.slice(0, 10).map((o) => `  FAILED #${o.index} (${o.sender}): ${o.error} entries ${o.entries.join(",")}`),
  ].join("\n");
}

export interface Redemption {
  payer: Address;
  payee: Address;
  amount: bigint;
  block: bigint;
}

/** Every TicketRedeemed event of PaymentChannels from `fromBlock` on. */
export async function redemptionsSince(net: LocalNetwork, fromBlock: bigint): Promise<Redemption[]> {
  const logs = await net.devnet.publicClient.getLogs({ address: net.devnet.contracts.channels, fromBlock });
  return parseEventLogs({ abi: paymentChannelsAbi, logs, eventName: "TicketRedeemed" }).map((e) => ({ payer: e.args.payer, payee: e.args.payee, amount: e.args.amount, block: e.blockNumber }));
}

/** Sum of `amount` over redemptions matching `payer` and/or `payee`. */
export function redeemed(list: Redemption[], match: { payer?: Address; payee?: Address }): bigint {
  return list
    .filter((r) => (match.payer === undefined || lower(r.payer) === lower(match.payer)) && (match.payee === undefined || lower(r.payee) === lower(match.payee)))
    .reduce((s, r) => s + r.amount, 0n);
}

/**
 * Lets the relays redeem everything they are owed: waits for the relays' vouchers to each other, then POSTs
 * /v1/settle to each running relay until none has unredeemed value left.
 */
export async function settleAll(relays: LocalRelay[], timeoutMs = 60_000): Promise<void> {
  const running = relays.filter((r) => r.running);
  await waitFor(
    async () => {
      for (const relay of running) await relay.admin("/v1/settle", { body: {} });
      await new Promise((r) => setTimeout(r, 1_000)); // vouchers that were due go out every second
      const left = await Promise.all(running.map(async (r) => BigInt((await r.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue)));
      return left.every((v) => v === 0n);
    },
    (done) => done,
    "every relay to have redeemed what it is owed",
    timeoutMs,
  );
}

/** Selected counters of every relay (NaN for a stopped relay). */
export async function relayCounters(relays: LocalRelay[]): Promise<Record<string, number>[]> {
  const names: [string, string, Record<string, string>][] = [
    ["in", "sotto_packets_in_total", {}],
    ["out", "sotto_packets_out_total", {}],
    ["acksSent", "sotto_acks_sent_total", {}],
    ["ackTimeouts", "sotto_ack_timeouts_total", {}],
    ["faultInjected", "sotto_packets_dropped_total", { reason: "fault_injected" }],
    ["nextHopUnreliable", "sotto_packets_dropped_total", { reason: "next_hop_unreliable" }],
    ["linkUnavailable", "sotto_packets_dropped_total", { reason: "link_unavailable" }],
    ["dropped", "sotto_packets_dropped_total", {}],
    ["earned", "sotto_earned_value_total", {}],
  ];
  return Promise.all(
    relays.map(async (relay) => {
      const out: Record<string, number> = {};
      for (const [key, name, labels] of names) out[key] = relay.running ? await metric(relay, name, labels).catch(() => Number.NaN) : Number.NaN;
      return out;
    }),
  );
}
