/**
 * The client when things go wrong, over four relay processes on the embedded chain. Relay D silently drops
 * every packet (faults.dropRate = 1) and carries most of the stake, so route selection picks it first: the
 * fragment times out, D is avoided, the retry goes through the healthy relay with the same message id, and
 * the recipient gets the message once. Then the channel check: a send the entry channel cannot pay fails with
 * the missing amount, and with autoTopUp the client funds the channel and sends.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendContractTransaction, approveIfNeeded, getChannel } from "#contracts";
import { relayRegistryAbi } from "#contracts/generated";
import { createSottoClient, InsufficientChannelFundsError, type ReceivedMessage, type SendProgress, type SottoClient } from "#client";
import { startLocalNetwork, type LocalNetwork, type LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { waitFor } from "../support/waitFor.ts";

describe("client retries and channel funds (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let dropper: LocalRelay, good: LocalRelay, intro: LocalRelay, home: LocalRelay;
  let sender: SottoClient, recipient: SottoClient;
  let address: string;
  const received: ReceivedMessage[] = [];

  beforeAll(async () => {
    net = await startLocalNetwork({
      relays: 4,
      processes: true,
      logLevel: process.env.E2E_LOG ?? "warn",
      relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" } },
      relayConfigFor: (i) => (i === 0 ? { faults: { dropRate: 1 } } : {}),
    });
    [dropper, good, intro, home] = net.relays as [LocalRelay, LocalRelay, LocalRelay, LocalRelay];
    // D's operator adds 10,000 × the minimum stake: D comes first in a stake-weighted draw.
    const operator = net.devnet.wallet(net.devnet.accountKey(1));
    const extra = net.devnet.minimumStake * 10_000n;
    await net.devnet.fund(operator.account.address, { tokens: extra });
    await approveIfNeeded(net.devnet.publicClient, operator, { token: net.devnet.contracts.token, spender: net.devnet.contracts.registry, amount: extra });
    await sendContractTransaction(net.devnet.publicClient, operator, { address: net.devnet.contracts.registry, abi: relayRegistryAbi, functionName: "addStake", args: [dropper.node, extra] });

    const wallet = net.devnet.wallet(net.devnet.accountKey(17));
    await net.devnet.fund(wallet.account.address, { tokens: 10_000n });
    sender = await createSottoClient({ publicClient: net.devnet.publicClient, wallet, contracts: net.devnet.contracts, ackTimeoutMs: 1_500, receiptTimeoutMs: 10_000 });
    for (const relay of [dropper, good]) await sender.fundChannel({ relay: relay.node, amount: 100n });

    recipient = await createSottoClient({ publicClient: net.devnet.publicClient, contracts: net.devnet.contracts, identityKey: randomBytes(32) });
    ({ address } = await recipient.address({ relays: [intro.node, home.node] }));
    recipient.onMessage((m) => void received.push(m));
    await recipient.listen();
  }, 180_000);
  afterAll(async () => {
    await Promise.all([sender, recipient].map((c) => c?.close()));
    await net?.stop();
  });

  it("retries a fragment that timed out over another route; the recipient gets it once", async () => {
    const events: SendProgress[] = [];
    const sent = await sender.send(address, "second time lucky", { onProgress: (e) => events.push(e) });
    expect(sent.delivered).toBe(true);
    const sentTo = events.filter((e): e is Extract<SendProgress, { type: "sent" }> => e.type === "sent");
    expect(sentTo.map((e) => e.entry)).toEqual([dropper.node, good.node]);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ reason: expect.stringMatching(/no ACK from the entry relay within 1500 ms/) });
    expect(sent.packets).toBe(2);
    expect(sent.receipts[0]).toMatchObject({ attempt: 2, route: [{ node: good.node }] });
    await waitFor(() => received.length, (n) => n === 1, "the message", 20_000);
    expect(received.map((m) => m.text)).toEqual(["second time lucky"]);

    // D is avoided now: the next message goes through the healthy relay at once.
    const next = await sender.send(address, "straight through");
    expect(next.packets).toBe(1);
    expect(next.route[0]!.node).toBe(good.node);
    await waitFor(() => received.length, (n) => n === 2, "the second message", 20_000);
    // The dropped packet was never paid for: D's channel still has everything.
    expect((await sender.getChannel({ relay: dropper.node })).confirmed).toBe(0n);
  }, 60_000);

  it("refuses a send the entry channel cannot pay, saying what is missing; with autoTopUp it funds the channel and sends", async () => {
    const channel = await sender.getChannel({ relay: good.node });
    const { fee, capacity } = await sender.selectRoute({ to: address });
    const packets = channel.spendable / fee + 1n;
    const message = new Uint8Array(capacity * Number(packets)); // one packet more than the channel can pay
    const error = await sender.send(address, message, { replyPath: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientChannelFundsError);
    expect((error as InsufficientChannelFundsError).needed).toBe(fee * packets);
    expect((error as InsufficientChannelFundsError).missing).toBe(fee * packets - channel.spendable);

    const events: SendProgress[] = [];
    const sent = await sender.send(address, message, { replyPath: false, autoTopUp: 50n, onProgress: (e) => events.push(e) });
    expect(sent.delivered).toBe(true);
    expect(events.find((e) => e.type === "topUp")).toEqual({ type: "topUp", relay: good.node, amount: 50n > fee * packets - channel.spendable ? 50n : fee * packets - channel.spendable });
    const after = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: sender.account!, payee: good.node });
    expect(after.balance).toBe(channel.balance + (events.find((e) => e.type === "topUp") as { amount: bigint }).amount);
    await waitFor(() => received.length, (n) => n === 3, "the large message", 20_000);
    expect(received[2]!.message.length).toBe(message.length);
  }, 60_000);

  // Last: stops and restarts the healthy entry.
  it("an entry relay that goes away after its ACK: the client retries at once, not at its receipt timeout", async () => {
    // A recipient that is not listening: its message waits in the home relay's mailbox, so no receipt comes.
    const offline = await createSottoClient({ publicClient: net.devnet.publicClient, contracts: net.devnet.contracts, identityKey: randomBytes(32) });
    const { address: offlineAddress } = await offline.address({ relays: [intro.node, home.node] });
    const events: SendProgress[] = [];
    const sending = sender.send(offlineAddress, "into the mailbox", { onProgress: (e) => events.push(e) }).catch((e: unknown) => e);
    try {
      await waitFor(() => events.filter((e) => e.type === "sent").length, (n) => n >= 1, "the packet handed to the entry");
      const entry = (events.find((e) => e.type === "sent") as Extract<SendProgress, { type: "sent" }>).entry;
      expect(entry).toBe(good.node);
      await good.stop();
      // Without the fix the retry would say "no receipt within 10000 ms".
      await waitFor(() => events.find((e) => e.type === "retry" && /entry relay went away/.test(e.reason)), (e) => e !== undefined, "a retry because the entry went away");
    } finally {
      await good.start();
      await sending;
      await offline.close();
    }
  }, 90_000);
});
