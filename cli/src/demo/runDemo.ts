import { randomBytes } from "node:crypto";
import type { Address } from "viem";
import { createSottoClient, type ReceivedMessage, type SottoClient } from "#client";
import { getChannel } from "#contracts";
import { startLocalNetwork, type LocalNetwork, type LocalRelay } from "../devnet/localNetwork.ts";
import { readChainAccounting, type ChainAccounting } from "./chainAccounting.ts";

export interface DemoOptions {
  messages: number;
  relays: number;
  /** Mean per-hop mixing delay in ms. */
  mixingMs: number;
  /** Messages in flight at once. */
  concurrency: number;
  progress: (line: string) => void;
}

export interface DemoSummary {
  ok: boolean;
  problems: string[];
  messages: { sent: number; delivered: number; toOnline: number; toOffline: number; receivedOnline: number; fetchedOffline: number; replies: number };
  /** Send → receipt for the online recipient. */
  latencyMs: { p50: number; p99: number; max: number };
  /** Send → receipt for the offline recipient (includes the time until she checks her mailbox). */
  offlineDeliveryMs: { p50: number };
  fees: { perHop: { relay: number; fee: string }[]; paidBySenders: string; perMessage: string };
  chain: ChainAccounting;
  gasPerMessage: number;
  seconds: number;
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The main job: a whole Sotto network on this machine, end to end. Starts the embedded chain (contracts
 * deployed with Ignition), stakes and registers the relays, runs them as separate processes (they open
 * channels to each other by their own strategy), funds a sender's channel, sends messages over 3-hop routes
 * to an online and an offline recipient, has the online one reply, lets the offline one fetch its mailbox,
 * lets the relays settle in batches, then checks every number against the chain.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const say = options.progress;
  const fees = [1n, 2n, 1n, 3n, 1n, 2n, 1n, 2n].slice(0, options.relays);
  const net: LocalNetwork = await startLocalNetwork({
    relays: options.relays,
    fees,
    prefundChannels: false,
    logLevel: "warn",
    onProgress: (line) => say(line),
    relayConfig: {
      mixing: { meanDelayMs: options.mixingMs, maxDelayMs: options.mixingMs * 20 },
      // Each relay opens channels to the others by its own strategy, within its budget.
      channelStrategy: { budget: "1000000", deposit: "20000", topUpBelow: "2000", maxPeers: options.relays - 1 },
      // Settle in batches, at random times: by value or count, after a random delay.
      settlement: { minValue: "60", minTickets: 40, maxAgeMs: 15_000, jitterMs: 3_000 },
      tickets: { voucherIdleMs: 500 },
    },
  });
  const clients: SottoClient[] = [];
  try {
    const { devnet, relays } = net;
    const pairs = relays.length * (relays.length - 1);
    say(`waiting for the relays to open channels to each other (${pairs} channels, by their own strategy)`);
    await waitUntil(async () => {
      let open = 0;
      for (const from of relays) for (const to of relays) {
        if (from === to) continue;
        const c = await getChannel(devnet.publicClient, { channels: devnet.contracts.channels, payer: from.node, payee: to.node });
        if (c.status === "open") open++;
      }
      return open === pairs;
    }, 60_000, "relay-to-relay channels");
    say(`${pairs} relay-to-relay channels open`);

    const makeClient = async (accountIndex: number) => {
      const wallet = devnet.wallet(devnet.accountKey(accountIndex));
      await devnet.fund(wallet.account.address, { tokens: 100_000n });
      const client = await createSottoClient({ publicClient: devnet.publicClient, wallet, contracts: devnet.contracts, identityKey: randomBytes(32), receiptTimeoutMs: 15_000 });
      clients.push(client);
      return client;
    };
    const alice = await makeClient(10);
    const bob = await makeClient(11);
    const carol = await makeClient(12);
    const entry = relays[0]!;
    const deposit = 20_000n;
    await alice.fundChannel({ relay: entry.node, amount: deposit });
    say(`alice funded a channel of ${deposit} to relay 1 (${entry.node}); her tickets pay it, it pays the hops after it`);
    await bob.fundChannel({ relay: relays[1]!.node, amount: 1_000n, permit: true });
    say("bob funded a channel of 1000 to relay 2 with an ERC-2612 permit (to pay for his reply)");

    await alice.address();
    await alice.listen();
    const bobAddress = await bob.address();
    const carolAddress = await carol.address();
    const relayIndex = (node: Address) => relays.findIndex((r) => r.node === node) + 1;
    say(`bob is online   (introduction relay ${relayIndex(bobAddress.intro)}, home relay ${relayIndex(bobAddress.home)}): ${bobAddress.address.slice(0, 24)}…`);
    say(`carol is offline (introduction relay ${relayIndex(carolAddress.intro)}, home relay ${relayIndex(carolAddress.home)}): ${carolAddress.address.slice(0, 24)}…`);

    const bobInbox: ReceivedMessage[] = [];
    let replied = false;
    bob.onMessage(async (m) => {
      bobInbox.push(m);
      if (!replied && m.reply) {
        replied = true;
        await m.reply(`bob got "${m.text?.slice(0, 20)}"`);
      }
    });
    await bob.listen();
    const aliceInbox: ReceivedMessage[] = [];
    alice.onMessage((m) => void aliceInbox.push(m));

    // Send: half to bob (online), half to carol. Carol is offline for the first half of the run, then
    // checks her mailbox every 2 s, like a phone that wakes up now and then; alice's sends to her complete
    // when carol's receipts come back through the relays.
    const latencies: number[] = [];
    const carolLatencies: number[] = [];
    let delivered = 0;
    let paid = 0n;
    let next = 0;
    let finished = 0;
    const failures: string[] = [];
    const retries: string[] = [];
    const carolInbox: ReceivedMessage[] = [];
    const toOnline = Math.ceil(options.messages / 2);
    const toOffline = options.messages - toOnline;
    // Resolves when the message may stop holding a concurrency slot: for bob once delivered, for carol once
    // it is on its way (her receipt comes whenever she checks her mailbox).
    const sendOne = (i: number): { slot: Promise<void>; done: Promise<void> } => {
      const toBob = i % 2 === 0;
      const text = `message ${i + 1} of ${options.messages} for ${toBob ? "bob" : "carol"}: ${randomBytes(24).toString("hex")}`;
      const t0 = performance.now();
      let releaseSlot: () => void = () => {};
      const slot = new Promise<void>((resolve) => (releaseSlot = resolve));
      const done = (async () => {
        try {
          const sent = await alice.send(toBob ? bobAddress.address : carolAddress.address, text, {
            replyPath: toBob && i === 0,
            // An offline recipient answers only when she fetches: wait for her instead of resending on a timer.
            ...(toBob ? {} : { receiptTimeoutMs: 300_000 }),
            onProgress: (e) => {
              if (e.type === "sent" && !toBob) releaseSlot();
              if (e.type === "retry") retries.push(`message ${i + 1}: ${e.reason}`);
            },
          });
          if (sent.delivered) {
            delivered++;
            paid += sent.fee;
            (toBob ? latencies : carolLatencies).push(performance.now() - t0);
          }
        } catch (error) {
          failures.push(`message ${i + 1}: ${(error as Error).message.replace(/\s+/g, " ")}`);
        } finally {
          releaseSlot();
          finished++;
          if (finished % Math.max(1, Math.floor(options.messages / 10)) === 0) say(`  ${finished}/${options.messages} done, ${delivered} delivery receipts verified`);
        }
      })();
      return { slot, done };
    };
    say(`sending ${options.messages} messages, ${options.concurrency} at a time, over 3-hop routes (mixing mean ${options.mixingMs} ms per hop)`);
    const dispatch = (async () => {
      const slots = new Set<Promise<void>>();
      const all: Promise<void>[] = [];
      while (next < options.messages) {
        const { slot, done } = sendOne(next++);
        all.push(done);
        const held: Promise<void> = slot.then(() => void slots.delete(held));
        slots.add(held);
        if (slots.size >= options.concurrency) await Promise.race(slots);
      }
      await Promise.all(all);
    })();
    let carolChecks = 0;
    const carolLoop = (async () => {
      await waitUntil(async () => next >= options.messages / 2, 600_000, "half the messages to be on their way");
      say("carol comes online now and then to check her mailbox");
      while (carolInbox.length < toOffline && carolChecks < 300) {
        carolChecks++;
        for (const m of await carol.inbox()) carolInbox.push(m);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    })();
    await Promise.all([dispatch, carolLoop]);
    const fetched = carolInbox.length;
    if (retries.length > 0) say(`${retries.length} packets were sent again over another route: ${retries.slice(0, 5).join("; ")}${retries.length > 5 ? "; …" : ""}`);
    say(`carol fetched ${fetched} messages in ${carolChecks} mailbox checks`);
    await waitUntil(async () => aliceInbox.length >= 1, 30_000, "bob's reply").catch(() => undefined);
    say(aliceInbox.length > 0 ? `alice got bob's reply over her blinded reply path: "${aliceInbox[0]!.text}"` : "alice did not get bob's reply");
    // What alice's own ledger says she owes her entry relay (sum of fees its reveals confirmed).
    const aliceOwes = (await alice.getChannel({ relay: entry.node })).confirmed;

    // Let the relays settle. Closing the clients sends their last vouchers.
    for (const client of clients) await client.close();
    say("waiting for the relays to settle in batches (by value, count or age, each after a random delay)");
    await waitUntil(async () => {
      const tickets = await Promise.all(relays.map((r) => r.admin<{ unredeemedValue: string }>("/v1/tickets")));
      return tickets.every((t) => t.unredeemedValue === "0");
    }, 120_000, "every relay to settle what it earned");

    const senders = [alice.account!, bob.account!];
    const chain = await readChainAccounting(devnet.publicClient, devnet.contracts, relays.map((r) => r.node), senders);
    for (const [payer, payee] of [[alice.account!, entry.node], [bob.account!, relays[1]!.node]] as const) {
      const channel = await getChannel(devnet.publicClient, { channels: devnet.contracts.channels, payer, payee });
      chain.senders.get(payer.toLowerCase())!.balance = channel.balance;
    }

    // The checks: nothing lost, and the money adds up.
    const problems: string[] = [...failures];
    if (delivered !== options.messages) problems.push(`${options.messages - delivered} messages without a delivery receipt`);
    if (bobInbox.length !== toOnline) problems.push(`bob received ${bobInbox.length} of ${toOnline} messages`);
    if (fetched !== toOffline) problems.push(`carol fetched ${fetched} of ${toOffline} messages`);
    if (aliceInbox.length !== 1) problems.push("bob's reply did not reach alice");
    const redeemedFromSenders = [...chain.senders.values()].reduce((s, x) => s + x.redeemed, 0n);
    const relayNet = chain.relays.reduce((s, r) => s + r.net, 0n);
    if (redeemedFromSenders !== relayNet) problems.push(`senders paid ${redeemedFromSenders} but relays kept ${relayNet}`);
    for (const [payer, s] of chain.senders) {
      if (s.deposited !== s.redeemed + s.balance) problems.push(`sender ${payer}: deposited ${s.deposited} ≠ redeemed ${s.redeemed} + left in channel ${s.balance}`);
    }
    const aliceRedeemed = chain.senders.get(alice.account!.toLowerCase())!.redeemed;
    if (aliceRedeemed !== aliceOwes) problems.push(`alice's ledger says she owes ${aliceOwes}, the chain says relays redeemed ${aliceRedeemed} from her`);
    if (paid > aliceOwes) problems.push(`the delivered messages' fees (${paid}) exceed what alice confirmed (${aliceOwes})`);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      ok: problems.length === 0,
      problems,
      messages: { sent: options.messages, delivered, toOnline, toOffline, receivedOnline: bobInbox.length, fetchedOffline: fetched, replies: aliceInbox.length },
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
      offlineDeliveryMs: { p50: percentile([...carolLatencies].sort((a, b) => a - b), 50) },
      fees: { perHop: relays.map((r, i) => ({ relay: i + 1, fee: r.fee.toString() })), paidBySenders: redeemedFromSenders.toString(), perMessage: delivered ? (Number(paid) / delivered).toFixed(2) : "0" },
      chain,
      gasPerMessage: delivered ? Number(chain.redeemManyGas) / delivered : 0,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await net.stop();
  }
}

export type { LocalRelay };
