/**
 * Helpers for the failover tests (test/e2e/failover*.test.ts): SDK senders and listening recipients on a
 * LocalNetwork, a traffic runner that sends N messages from several senders at once and records every
 * outcome (receipt verified against its challenge), on-chain redemptions read from TicketRedeemed events, and
 * settling every relay.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { parseEventLogs, type Address } from "viem";
import { createSottoClient, type ClientLogger, type ReceivedMessage, type RouteRelay, type SendProgress, type SottoClient } from "#client";
import { paymentChannelsAbi } from "#contracts/generated";
import { getNativeBackend } from "#protocol/native";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { metric } from "./rawSender.ts";
import { waitFor } from "./waitFor.ts";

const backend = getNativeBackend();
const lower = (a: string) => a.toLowerCase();

/**
 * A client logger writing every line, debug included, to `file` (clients.log in the network's directory,
 * beside the relays' relay.log files); info and above are also kept in `lines`. FAILOVER_LOG=1 prints them.
 */
export function recordingLogger(name: string, lines: string[], file?: string): ClientLogger {
  const log = (level: string) => (message: string, context?: Record<string, unknown>, error?: unknown) => {
    const line = `${new Date().toISOString()} [${name}] ${level} ${message} ${context ? JSON.stringify(context, (_k, v) => (typeof v === "bigint" ? String(v) : v)) : ""} ${error instanceof Error ? error.message.split("\n")[0] : ""}`;
    if (level !== "debug") lines.push(line);
    if (file) appendFileSync(file, `${line}\n`);
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
    logger: recordingLogger(name, p.logLines, join(net.baseDir, "clients.log")),
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
  /** Fees of the address's relays (introduction, home). */
  fees: bigint[];
  /** Every delivered message (duplicates would show here: the client deduplicates by message id). */
  received: ReceivedMessage[];
}

/** A listening recipient (identity, no wallet) whose address goes through `intro` then `home`. */
export async function createRecipient(net: LocalNetwork, p: { name: string; intro: LocalRelay; home: LocalRelay; logLines: string[] }): Promise<Recipient> {
  const client = await createSottoClient({ publicClient: net.devnet.publicClient, contracts: net.devnet.contracts, identityKey: randomBytes(32), logger: recordingLogger(p.name, p.logLines, join(net.baseDir, "clients.log")) });
  const made = await client.address({ relays: [p.intro.node, p.home.node] });
  const received: ReceivedMessage[] = [];
  client.onMessage((m) => void received.push(m));
  await client.listen();
  return { name: p.name, client, address: made.address, intro: made.intro, home: made.home, fees: made.fees, received };
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
  /** Every attempt: its entry relay (also for an entry that could not be dialled) and why it failed, if it did. */
  attempts: { attempt: number; entry?: Address; reason?: string }[];
  /** The sender-chosen relays of the packet that got through (entry first, with their fees). */
  route: RouteRelay[];
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
      const outcome: MessageOutcome = { index, sender: sender.name, recipient: recipient.name, text, ok: false, verified: false, ms: 0, packets: 0, entries: [], attempts: [], route: [], retries: [], fee: 0n };
      const attempt = (n: number) => {
        let found = outcome.attempts.find((a) => a.attempt === n);
        if (!found) outcome.attempts.push((found = { attempt: n }));
        return found;
      };
      const t0 = performance.now();
      try {
        const sent = await sender.client.send(recipient.address, text, {
          onProgress: (e: SendProgress) => {
            if (e.type === "sent") {
              outcome.entries.push(e.entry);
              attempt(e.attempt).entry = e.entry;
            }
            if (e.type === "retry") {
              outcome.retries.push(e.reason);
              const a = attempt(e.attempt);
              a.reason = e.reason;
              a.entry ??= /Cannot reach relay (0x[0-9a-fA-F]{40})/.exec(e.reason)?.[1] as Address | undefined;
            }
          },
        });
        outcome.ok = sent.delivered;
        outcome.messageId = sent.messageId;
        outcome.packets = sent.packets;
        outcome.fee = sent.fee;
        outcome.route = sent.receipts[0]?.route ?? [];
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
 * Lets the relays redeem everything they are owed: POSTs /v1/settle to each running relay until none has
 * unredeemed value left and, between running relays, every amount a payer confirmed (its payee revealed the
 * response) has been redeemed on chain. The second condition waits for the payers' vouchers: one that is due
 * goes out within a second or two, and a payee that has not received it yet has nothing left to redeem.
 */
export async function settleAll(relays: LocalRelay[], timeoutMs = 60_000): Promise<void> {
  const running = relays.filter((r) => r.running);
  const runningNodes = new Set(running.map((r) => lower(r.node)));
  type Outgoing = { payee: string; confirmed: string; settled: string };
  await waitFor(
    async () => {
      for (const relay of running) await relay.admin("/v1/settle", { body: {} });
      await new Promise((r) => setTimeout(r, 1_000)); // vouchers that were due go out every second
      const left = await Promise.all(running.map(async (r) => BigInt((await r.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue)));
      const owed = await Promise.all(
        running.map(async (r) =>
          (await r.admin<{ outgoing: Outgoing[] }>("/v1/channels")).outgoing
            .filter((c) => runningNodes.has(lower(c.payee)) && BigInt(c.confirmed) > BigInt(c.settled))
            .map((c) => `relay ${r.index + 1} → ${c.payee}: confirmed ${c.confirmed}, settled ${c.settled}`),
        ),
      );
      return { unredeemed: left.map(String), confirmedNotSettled: owed.flat() };
    },
    (state) => state.unredeemed.every((v) => v === "0") && state.confirmedNotSettled.length === 0,
    "every relay to have redeemed what it is owed",
    timeoutMs,
  );
}

export type RelayCounters = Record<"in" | "out" | "acksSent" | "ackTimeouts" | "lateAcks" | "acksByReceipt" | "unknownAcks" | "faultInjected" | "nextHopUnreliable" | "linkUnavailable" | "dropped" | "earned", number>;

/** Selected counters of every relay (NaN for a stopped relay). */
export async function relayCounters(relays: LocalRelay[]): Promise<RelayCounters[]> {
  const names: [keyof RelayCounters, string, Record<string, string>][] = [
    ["in", "sotto_packets_in_total", {}],
    ["out", "sotto_packets_out_total", {}],
    ["acksSent", "sotto_acks_sent_total", {}],
    ["ackTimeouts", "sotto_ack_timeouts_total", {}],
    // ACKs for circuits already failed (by ack timeout or NACK): the relay earns nothing for them.
    ["lateAcks", "sotto_acks_received_total", { outcome: "late" }],
    ["acksByReceipt", "sotto_acks_received_total", { outcome: "by_receipt" }],
    ["unknownAcks", "sotto_acks_received_total", { outcome: "unknown" }],
    ["faultInjected", "sotto_packets_dropped_total", { reason: "fault_injected" }],
    ["nextHopUnreliable", "sotto_packets_dropped_total", { reason: "next_hop_unreliable" }],
    ["linkUnavailable", "sotto_packets_dropped_total", { reason: "link_unavailable" }],
    ["dropped", "sotto_packets_dropped_total", {}],
    ["earned", "sotto_earned_value_total", {}],
  ];
  return Promise.all(
    relays.map(async (relay) => {
      const out = {} as RelayCounters;
      for (const [key, name, labels] of names) out[key] = relay.running ? await metric(relay, name, labels).catch(() => Number.NaN) : Number.NaN;
      return out;
    }),
  );
}

/**
 * What each relay should keep when only delivered packets were paid: for every delivered message (one
 * fragment), its fee at every relay of the packet that got through — the sender's relays and the
 * recipient's introduction and home relays. Keys are lowercase node addresses.
 */
export function earningsOfDelivered(outcomes: MessageOutcome[], recipients: Recipient[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (node: string, fee: bigint) => out.set(lower(node), (out.get(lower(node)) ?? 0n) + fee);
  const byName = new Map(recipients.map((r) => [r.name, r]));
  for (const o of outcomes) {
    if (!o.ok) continue;
    const to = byName.get(o.recipient)!;
    const direct = o.route.length === 1 && lower(o.route[0]!.node) === lower(to.intro); // straight into the blinded path
    if (!direct) for (const hop of o.route) add(hop.node, hop.fee);
    add(to.intro, to.fees[0]!);
    add(to.home, to.fees[1]!);
  }
  return out;
}

/**
 * Where per-relay earnings disagree with `earningsOfDelivered`, which channel does: for every delivered
 * message, the payments along its chain (sender → its relays → introduction → home relay; each pays the
 * next the fees of everything after it), against what was redeemed on chain per payer → payee. Lines only
 * for channels that differ, for the test output.
 */
export function channelDiffs(outcomes: MessageOutcome[], recipients: Recipient[], senders: { name: string; account: Address }[], list: Redemption[], names: Map<string, string>): string[] {
  const expected = new Map<string, bigint>();
  const add = (payer: string, payee: string, amount: bigint) => {
    const key = `${lower(payer)}>${lower(payee)}`;
    expected.set(key, (expected.get(key) ?? 0n) + amount);
  };
  const byName = new Map(recipients.map((r) => [r.name, r]));
  const senderAccount = new Map(senders.map((s) => [s.name, s.account]));
  for (const o of outcomes) {
    if (!o.ok) continue;
    const to = byName.get(o.recipient)!;
    const direct = o.route.length === 1 && lower(o.route[0]!.node) === lower(to.intro);
    const chain = [...(direct ? [] : o.route), { node: to.intro, fee: to.fees[0]! }, { node: to.home, fee: to.fees[1]! }];
    let payer: string = senderAccount.get(o.sender)!;
    for (let i = 0; i < chain.length; i++) {
      add(payer, chain[i]!.node, chain.slice(i).reduce((s, h) => s + h.fee, 0n));
      payer = chain[i]!.node;
    }
  }
  const actual = new Map<string, bigint>();
  for (const r of list) {
    const key = `${lower(r.payer)}>${lower(r.payee)}`;
    actual.set(key, (actual.get(key) ?? 0n) + r.amount);
  }
  const name = (a: string) => names.get(lower(a)) ?? a;
  return [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((k) => (expected.get(k) ?? 0n) !== (actual.get(k) ?? 0n))
    .map((k) => {
      const [payer, payee] = k.split(">") as [string, string];
      return `${name(payer)} → ${name(payee)}: redeemed ${actual.get(k) ?? 0n}, expected ${expected.get(k) ?? 0n}`;
    });
}

/** Per relay: redeemed from channels paying it, and redeemed by others from its channels. */
export function relayFlows(list: Redemption[], node: Address): { received: bigint; paidOut: bigint; net: bigint } {
  const received = redeemed(list, { payee: node });
  const paidOut = redeemed(list, { payer: node });
  return { received, paidOut, net: received - paidOut };
}

/** A relay's counter `name` per value of label `label` (non-zero only), from its Prometheus text. */
export async function countersBy(relay: LocalRelay, name: string, label: string): Promise<Record<string, number>> {
  const text = await relay.admin<string>("/metrics");
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = new RegExp(`^${name}\\{([^}]*)\\} ([0-9.e+-]+)$`).exec(line);
    if (!match) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(match[1]!)?.[1];
    if (value !== undefined && Number(match[2]) > 0) out[value] = (out[value] ?? 0) + Number(match[2]);
  }
  return out;
}

/** Non-zero drop and ticket-rejection reasons of every running relay, for the test output. */
export async function describeDrops(relays: LocalRelay[]): Promise<string> {
  const parts: string[] = [];
  for (const relay of relays) {
    if (!relay.running) {
      parts.push(`relay ${relay.index + 1}: stopped`);
      continue;
    }
    const dropped = await countersBy(relay, "sotto_packets_dropped_total", "reason");
    const rejected = await countersBy(relay, "sotto_tickets_rejected_total", "reason");
    parts.push(`relay ${relay.index + 1}: dropped ${JSON.stringify(dropped)} rejected ${JSON.stringify(rejected)}`);
  }
  return parts.join("; ");
}
