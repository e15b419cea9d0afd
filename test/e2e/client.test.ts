/**
 * The client SDK end to end: four relays as separate processes on the embedded chain (channels between
 * every pair), three clients. A sends a multi-fragment message to B's address while B listens; B replies over
 * the reply path; A (listening at its own home relay) gets the reply; C is offline and fetches with inbox().
 * Every receipt is checked against its challenge; the relays settle and the chain shows the fees paid.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "viem";
import { getChannel } from "#contracts";
import { createSottoClient, type CreateAddressReturnType, type ReceivedMessage, type SendMessageReturnType, type SottoClient } from "#client";
import { getNativeBackend } from "#protocol/native";
import { startLocalNetwork, type LocalNetwork } from "../../cli/src/devnet/localNetwork.ts";
import { waitFor } from "../support/waitFor.ts";

const backend = getNativeBackend();
const hexToBytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));

const logger = (name: string) => {
  const log = (level: string) => (message: string, context?: Record<string, unknown>, error?: unknown) =>
    console.error(`[${name}] ${level} ${message} ${context ? JSON.stringify(context, (_k, v) => (typeof v === "bigint" ? String(v) : v)) : ""} ${error instanceof Error ? error.message : ""}`);
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
};

describe("client SDK over a local network (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let a: SottoClient, b: SottoClient, c: SottoClient;
  const entryOf = new Map<SottoClient, Address>();
  /** Every delivered message with the address it went to: the relays' fees follow from them. */
  const traffic: { sent: SendMessageReturnType; to: CreateAddressReturnType }[] = [];

  async function client(accountIndex: number | undefined, entry: number | undefined): Promise<SottoClient> {
    const wallet = accountIndex === undefined ? undefined : net.devnet.wallet(net.devnet.accountKey(accountIndex));
    if (wallet) await net.devnet.fund(wallet.account.address, { eth: 10n ** 20n, tokens: 10_000n });
    const identityKey = randomBytes(32);
    const made = await createSottoClient({
      publicClient: net.devnet.publicClient,
      wallet,
      contracts: net.devnet.contracts,
      identityKey,
      receiptTimeoutMs: 20_000,
      logger: process.env.CLIENT_LOG ? logger(`client${accountIndex ?? "C"}`) : undefined,
    });
    if (wallet && entry !== undefined) {
      const relay = net.relays[entry]!;
      await made.fundChannel({ relay: relay.node, amount: 1_000n, permit: accountIndex! % 2 === 0 });
      entryOf.set(made, relay.node);
    }
    return made;
  }

  beforeAll(async () => {
    net = await startLocalNetwork({
      relays: 4,
      processes: true,
      fees: [1n, 2n, 3n, 1n],
      logLevel: process.env.E2E_LOG ?? "warn",
      relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" }, tickets: { voucherIdleMs: 200 } },
    });
    if (process.env.CLIENT_LOG) console.error("network dir", net.baseDir, net.relays.map((r) => r.node));
    a = await client(20, 0);
    b = await client(21, 1);
    c = await client(undefined, undefined);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([a, b, c].map((x) => x?.close()));
    await net?.stop();
  });

  it("A sends a multi-fragment message to B live, B replies over the reply path, A gets the reply", async () => {
    const aAddress = await a.address();
    await a.listen();
    // Through relays 3 and 4, so that A (whose channel goes to relay 1) picks a relay of its own in front.
    const bAddress = await b.address({ relays: [net.relays[2]!.node, net.relays[3]!.node] });
    const bInbox: ReceivedMessage[] = [];
    b.onMessage(async (m) => {
      bInbox.push(m);
      traffic.push({ sent: await m.reply!(`got ${m.message.length} bytes`), to: aAddress });
    });
    await b.listen();
    const aInbox: ReceivedMessage[] = [];
    a.onMessage((m) => void aInbox.push(m));

    const message = randomBytes(1_500);
    const sent = await a.send(bAddress.address, message);
    expect(sent.fragments).toBeGreaterThan(2);
    expect(sent.delivered).toBe(true);
    expect(sent.replyPath).toBe(true);
    expect(sent.receipts).toHaveLength(sent.fragments);
    for (const receipt of sent.receipts) {
      // The receipt is the recipient's ack secret: it hashes to the packet's receipt challenge.
      expect(Buffer.from(backend.keccak256(hexToBytes(receipt.recipientAck))).toString("hex")).toBe(receipt.receiptChallenge.slice(2));
      expect(receipt.route[0]!.node).toBe(entryOf.get(a));
    }
    expect(sent.route).toHaveLength(1); // 3 relays: one chosen by A + B's introduction and home relays
    const expectedFee = sent.route[0]!.fee + bAddress.fees.reduce((x, y) => x + y, 0n);
    expect(sent.fee).toBe(expectedFee * BigInt(sent.fragments));
    traffic.push({ sent, to: bAddress });

    await waitFor(() => bInbox.length, (n) => n === 1, "B to receive the message", 20_000);
    expect(Buffer.from(bInbox[0]!.message).equals(Buffer.from(message))).toBe(true);
    expect(bInbox[0]!.address).toBe(bAddress.address);
    expect(bInbox[0]!.from).toMatch(/^sotto1/);

    await waitFor(() => aInbox.length, (n) => n === 1, "A to receive B's reply", 20_000);
    expect(aInbox[0]!.text).toBe("got 1500 bytes");
    expect(aInbox[0]!.address).toBe(aAddress.address);
  }, 90_000);

  it("an offline recipient fetches its message with inbox()", async () => {
    const cAddress = await c.address();
    const sending = a.send(cAddress.address, "for C, who is offline", { replyPath: false });
    // The home relay keeps it; C comes online, subscribes and drains its mailbox.
    const home = net.relays.find((r) => r.node === cAddress.home)!;
    await waitFor(() => home.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages >= 1, "the message in C's home relay's mailbox", 20_000);
    const inbox = await c.inbox();
    expect(inbox.map((m) => m.text)).toEqual(["for C, who is offline"]);
    expect(inbox[0]!.replyPath).toBeUndefined();
    const sent = await sending;
    expect(sent.delivered).toBe(true);
    traffic.push({ sent, to: cAddress });
    await waitFor(() => home.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages === 0, "the mailbox to empty after C's ack", 20_000);
    // Nothing twice: a second fetch is empty.
    expect(await c.inbox()).toEqual([]);
  }, 60_000);

  it("the relays settle: the chain shows what each client paid its entry relay, and every relay earned its fee per packet", async () => {
    const aLedger = (await a.getChannel({ relay: entryOf.get(a)! })).confirmed;
    const bLedger = (await b.getChannel({ relay: entryOf.get(b)! })).confirmed;
    await Promise.all([a.close(), b.close()]); // sends the vouchers still due
    await new Promise((r) => setTimeout(r, 2_500)); // relays send theirs after 200 ms idle, checked every second
    for (const relay of net.relays) await relay.admin("/v1/settle", { body: {} });
    const channels = net.devnet.contracts.channels;
    const settled = async (payer: Address, payee: Address) => (await getChannel(net.devnet.publicClient, { channels, payer, payee })).settled;
    const onChainA = await getChannel(net.devnet.publicClient, { channels, payer: a.account!, payee: entryOf.get(a)! });
    expect(aLedger).toBeGreaterThan(0n);
    expect(onChainA.settled).toBe(aLedger);
    expect(onChainA.balance).toBe(1_000n - aLedger);
    expect(await settled(b.account!, entryOf.get(b)!)).toBe(bLedger);

    // Expected earnings: each relay on a delivered packet's path keeps its fee (no packet was lost or resent).
    const expected = new Map<string, bigint>(net.relays.map((r) => [r.node, 0n]));
    const add = (node: string, fee: bigint) => expected.set(node, expected.get(node)! + fee);
    expect(traffic).toHaveLength(3);
    for (const { sent, to } of traffic) {
      expect(sent.packets).toBe(sent.fragments);
      for (const receipt of sent.receipts) {
        const direct = receipt.route.length === 1 && receipt.route[0]!.node === to.intro; // straight into the blinded path
        if (!direct) for (const hop of receipt.route) add(hop.node, hop.fee);
        add(to.intro, to.fees[0]!);
        add(to.home, to.fees[1]!);
      }
    }
    // On chain: what a relay redeemed from everyone minus what the relays after it redeemed from it.
    const payers = [a.account!, b.account!, ...net.relays.map((r) => r.node)];
    for (const relay of net.relays) {
      let earned = 0n;
      for (const payer of payers) if (payer !== relay.node) earned += await settled(payer, relay.node);
      for (const payee of net.relays) if (payee !== relay) earned -= await settled(relay.node, payee.node);
      expect(earned, `relay ${relay.index + 1}`).toBe(expected.get(relay.node));
    }
  }, 60_000);
});
