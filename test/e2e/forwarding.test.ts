import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { fundChannel, getChannel } from "#contracts";
import { createHost, LinkManager } from "#net";
import { buildPacket, createRecipientPath, hashTicketDomain, signTicket, type Frame } from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { startLocalNetwork, type LocalNetwork } from "../../cli/src/devnet/localNetwork.ts";

const backend = getNativeBackend();
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex"));
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

async function waitFor<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a packet across three relays (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  beforeAll(async () => {
    net = await startLocalNetwork({ relays: 3, processes: true, fees: [1n, 1n, 1n], logLevel: process.env.E2E_LOG ?? "warn", relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" } } });
  }, 120_000);
  afterAll(async () => net?.stop());

  it("forwards, acks hop by hop, stores at the exit, and pays each relay its fee on settlement", async () => {
    const [r1, r2, r3] = net.relays as [typeof net.relays[0], typeof net.relays[0], typeof net.relays[0]];
    const senderKey = net.devnet.accountKey(12);
    const sender = net.devnet.wallet(senderKey);
    await net.devnet.fund(sender.account.address, { tokens: 1_000n });
    await fundChannel(net.devnet.publicClient, sender, { contracts: net.devnet.contracts, payee: r1.node, amount: 1_000n });
    const channel = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: sender.account.address, payee: r1.node });

    const recipientKey = randomBytes(32);
    const recipientNodeId = backend.publicKeyFromPrivate(recipientKey);
    const path = createRecipientPath(backend, { sessionKey: randomBytes(32), relays: [{ nodeId: bytes(r3.onionKey), fee: r3.fee }], recipientNodeId, pathId: randomBytes(16) });
    const built = buildPacket(backend, {
      sessionKey: randomBytes(32),
      route: [{ nodeId: bytes(r1.onionKey), fee: r1.fee }, { nodeId: bytes(r2.onionKey), fee: r2.fee }],
      recipient: path,
      fragment: { messageId: randomBytes(16), index: 0, count: 1, data: new TextEncoder().encode("hello through three relays") },
    });
    expect(built.ticket!.amount).toBe(3n);
    const domain = hashTicketDomain(backend, { chainId: net.devnet.chainId, verifyingContract: net.devnet.contracts.channels });
    const ticket = signTicket(backend, { domain, privateKey: bytes(senderKey), payee: r1.node, epoch: channel.epoch, cumulative: built.ticket!.amount, index: 0n, challenge: built.ticket!.challenge });

    const host = await createHost({ listen: [] });
    const received: Frame[] = [];
    const links = new LinkManager(host, { onFrame: (f) => received.push(f) }, { maxQueue: 100 });
    const link = await links.connect(r1.peerId, [r1.multiaddr]);
    link.send({ type: "packet", pathKey: built.pathKey, onion: built.onion, ticket });

    // R1 acks with its own ack secret, then reveals R2's (the response to our ticket).
    await waitFor(() => received.length, (n) => n >= 2, "ack and reveal from the entry relay").catch(async (e) => {
      console.log(JSON.stringify(await r1.admin("/v1/channels")), JSON.stringify(received));
      for (const r of [r1, r2, r3]) console.log((await r.admin<string>("/metrics")).split("\n").filter((l) => /^sotto_(packets|tickets|acks|frames)/.test(l)).join("\n"));
      throw e;
    });
    expect(received.map((f) => f.type)).toEqual(["ack", "reveal"]);
    expect(hex((received[0] as { ackSecret: Uint8Array }).ackSecret)).toBe(hex(built.hops[0]!.ackSecret));
    expect(hex((received[1] as { response: Uint8Array }).response)).toBe(hex(built.hops[1]!.ackSecret));

    // The exit stores the message for the offline recipient; it is not paid until the receipt.
    await waitFor(() => r3.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages === 1, "mailbox entry at the exit");
    const tickets = await Promise.all([r1, r2, r3].map((r) => r.admin<{ unredeemedValue: string }>("/v1/tickets")));
    expect(tickets.map((t) => t.unredeemedValue)).toEqual(["3", "2", "0"]);

    // Settle now: R1 redeems 3 from the sender, R2 redeems 2 from R1.
    const s1 = await r1.admin<{ settled: boolean; redeemed: string }>("/v1/settle", { body: {} });
    const s2 = await r2.admin<{ settled: boolean; redeemed: string }>("/v1/settle", { body: {} });
    expect([s1.redeemed, s2.redeemed]).toEqual(["3", "2"]);
    const after = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: sender.account.address, payee: r1.node });
    expect(after.settled).toBe(3n);
    expect(after.balance).toBe(997n);

    await links.stop();
    await host.stop();
  }, 60_000);
});
