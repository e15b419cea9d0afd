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
import { createSottoClient, type ReceivedMessage, type SottoClient } from "#client";
import { getNativeBackend } from "#protocol/native";
import { startLocalNetwork, type LocalNetwork } from "../../cli/src/devnet/localNetwork.ts";

const backend = getNativeBackend();
const hexToBytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));

async function waitFor<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const logger = (name: string) => {
  const log = (level: string) => (message: string, context?: Record<string, unknown>, error?: unknown) =>
    console.error(`[${name}] ${level} ${message} ${context ? JSON.stringify(context, (_k, v) => (typeof v === "bigint" ? String(v) : v)) : ""} ${error instanceof Error ? error.message : ""}`);
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
};

describe("client SDK over a local network (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let a: SottoClient, b: SottoClient, c: SottoClient;
  const entryOf = new Map<SottoClient, Address>();

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
    const bAddress = await b.address();
    const bInbox: ReceivedMessage[] = [];
    b.onMessage(async (m) => {
      bInbox.push(m);
      await m.reply!(`got ${m.message.length} bytes`);
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

    await waitFor(() => bInbox.length, (n) => n === 1, "B to receive the message");
    expect(Buffer.from(bInbox[0]!.message).equals(Buffer.from(message))).toBe(true);
    expect(bInbox[0]!.address).toBe(bAddress.address);
    expect(bInbox[0]!.from).toMatch(/^sotto1/);

    await waitFor(() => aInbox.length, (n) => n === 1, "A to receive B's reply");
    expect(aInbox[0]!.text).toBe("got 1500 bytes");
    expect(aInbox[0]!.address).toBe(aAddress.address);
  }, 90_000);

  it("an offline recipient fetches its message with inbox()", async () => {
    const cAddress = await c.address();
    const sending = a.send(cAddress.address, "for C, who is offline", { replyPath: false });
    // The home relay keeps it; C comes online, subscribes and drains its mailbox.
    const home = net.relays.find((r) => r.node === cAddress.home)!;
    await waitFor(() => home.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages >= 1, "the message in C's home relay's mailbox");
    const inbox = await c.inbox();
    expect(inbox.map((m) => m.text)).toEqual(["for C, who is offline"]);
    expect(inbox[0]!.replyPath).toBeUndefined();
    const sent = await sending;
    expect(sent.delivered).toBe(true);
    await waitFor(() => home.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages === 0, "the mailbox to empty after C's ack");
    // Nothing twice: a second fetch is empty.
    expect(await c.inbox()).toEqual([]);
  }, 60_000);

  it("the relays settle and the chain shows what each client paid its entry relay", async () => {
    const aLedger = (await a.getChannel({ relay: entryOf.get(a)! })).confirmed;
    const bLedger = (await b.getChannel({ relay: entryOf.get(b)! })).confirmed;
    await Promise.all([a.close(), b.close()]); // sends the vouchers still due
    await new Promise((r) => setTimeout(r, 500));
    for (const relay of net.relays) await relay.admin("/v1/settle", { body: {} });
    const channels = net.devnet.contracts.channels;
    const onChainA = await getChannel(net.devnet.publicClient, { channels, payer: a.account!, payee: entryOf.get(a)! });
    const onChainB = await getChannel(net.devnet.publicClient, { channels, payer: b.account!, payee: entryOf.get(b)! });
    expect(aLedger).toBeGreaterThan(0n);
    expect(onChainA.settled).toBe(aLedger);
    expect(onChainB.settled).toBe(bLedger);
    expect(onChainA.balance).toBe(1_000n - aLedger);
  }, 60_000);
});
