import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { fundChannel, getChannel } from "#contracts";
import { LinkManager } from "#net";
import { createHost } from "#net/node";
import { buildPacket, createRecipientPath, createSubscribe, hashTicketDomain, processPacket, signTicket, type Frame } from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { YOUNG_GENERATION_MIB } from "#relay";
import { startLocalNetwork, type LocalNetwork } from "../../cli/src/devnet/localNetwork.ts";
import { waitFor } from "../support/waitFor.ts";

const backend = getNativeBackend();
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex"));
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;

describe("a packet across three relays (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  beforeAll(async () => {
    net = await startLocalNetwork({ relays: 3, processes: true, fees: [1n, 1n, 1n], logLevel: process.env.E2E_LOG ?? "warn", relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" } } });
  }, 120_000);
  afterAll(async () => net?.stop());

  it("forwards, acks hop by hop, stores at the exit, delivers on subscribe, returns the receipt, and pays each relay its fee", async () => {
    const [r1, r2, r3] = net.relays as [typeof net.relays[0], typeof net.relays[0], typeof net.relays[0]];
    const senderKey = net.devnet.accountKey(12);
    const sender = net.devnet.wallet(senderKey);
    await net.devnet.fund(sender.account.address, { tokens: 1_000n });
    await fundChannel(net.devnet.publicClient, sender, { contracts: net.devnet.contracts, payee: r1.node, amount: 1_000n });
    const channel = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: sender.account.address, payee: r1.node });

    const recipientKey = randomBytes(32);
    const recipientNodeId = backend.publicKeyFromPrivate(recipientKey);
    const pathId = randomBytes(16);
    const path = createRecipientPath(backend, { sessionKey: randomBytes(32), relays: [{ nodeId: bytes(r3.onionKey), fee: r3.fee }], recipientNodeId, pathId });
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
    // R2 learns its response from R3's ACK, which leaves R3 after the mailbox write (and may linger a couple
    // of milliseconds with other feedback): it is due, not necessarily there when the mail is.
    const unredeemed = () => Promise.all([r1, r2, r3].map(async (r) => (await r.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue));
    expect(await waitFor(unredeemed, (v) => v.join() === "3,2,0", "R1 and R2 knowing their responses", 5_000)).toEqual(["3", "2", "0"]);

    // The recipient comes online at its home relay (R3), gets the stored packet, peels it and acks.
    const recipientFrames: Frame[] = [];
    const recipientHost = await createHost({ listen: [] });
    const recipientLinks = new LinkManager(recipientHost, { onFrame: (f) => recipientFrames.push(f) }, { maxQueue: 100 });
    const home = await recipientLinks.connect(r3.peerId, [r3.multiaddr]);
    home.send(createSubscribe(backend, { privateKey: recipientKey, relayNodeId: bytes(r3.onionKey), timestamp: BigInt(Math.floor(Date.now() / 1000)) }));
    await waitFor(() => recipientFrames.length, (n) => n >= 2, "backlog and DRAINED from the home relay");
    expect(recipientFrames.map((f) => f.type)).toEqual(["packet", "drained"]);
    const stored = recipientFrames[0] as Extract<Frame, { type: "packet" }>;
    const delivered = processPacket(backend, { onion: stored.onion, pathKey: stored.pathKey, privateKey: recipientKey });
    expect(delivered.type).toBe("deliver");
    if (delivered.type !== "deliver") return;
    expect(hex(delivered.pathId!)).toBe(hex(pathId));
    expect(new TextDecoder().decode(delivered.fragment.data)).toBe("hello through three relays");
    home.send({ type: "ack", ackSecret: delivered.ackSecret });

    // The delivery receipt travels back to the sender; R3 can now redeem its ticket.
    await waitFor(() => received.length, (n) => n >= 3, "the delivery receipt at the sender");
    const receipt = received[2] as Extract<Frame, { type: "receipt" }>;
    expect(receipt.type).toBe("receipt");
    expect(hex(receipt.ackSecret)).toBe(hex(built.hops[0]!.ackSecret));
    expect(hex(backend.keccak256(receipt.recipientAckSecret))).toBe(hex(built.receiptChallenge));
    await waitFor(() => r3.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages === 0, "the delivered message leaving the mailbox");
    // Nothing stays in memory for it: each relay freed its circuit once the receipt passed (the exit as it sent it).
    // Every outgoing ticket was revealed before its receipt passed, so none is left waiting either.
    type Status = { circuits: number; outgoingChallenges: number; replayTagsInFlight: number; outgoingTicketsUnrevealed: number; youngGenerationMiB: number };
    const statuses = await Promise.all([r1, r2, r3].map((r) => r.admin<Status>("/v1/status")));
    expect(statuses.map((s) => [s.circuits, s.outgoingChallenges, s.replayTagsInFlight, s.outgoingTicketsUnrevealed])).toEqual([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    // The devnet starts relay processes with RELAY_NODE_FLAGS, as bin/sotto does (V8 may grow it further).
    for (const s of statuses) expect(s.youngGenerationMiB).toBeGreaterThanOrEqual(YOUNG_GENERATION_MIB);
    // V8 gives those flags to every isolate; the WAL checkpoint worker gets a young generation of its own size,
    // or its heap alone commits more than the flag's semi-spaces (and its RSS creeps up for half an hour).
    for (const r of [r1, r2, r3]) {
      const heaps = (await r.admin<string>("/metrics")).split("\n").filter((l) => l.startsWith("sotto_worker_heap_size_total_bytes{"));
      const checkpoint = heaps.find((l) => l.includes('worker="checkpoint"'));
      expect(checkpoint, heaps.join("\n")).toBeDefined();
      expect(Number(checkpoint!.split(" ")[1])).toBeLessThan(YOUNG_GENERATION_MIB * 2 ** 20);
    }

    // Settle now: R1 redeems 3 from the sender, R2 redeems 2 from R1, R3 redeems 1 from R2.
    const settled = [];
    for (const r of [r1, r2, r3]) settled.push(await r.admin<{ settled: boolean; redeemed: string }>("/v1/settle", { body: {} }));
    expect(settled.map((s) => s.redeemed)).toEqual(["3", "2", "1"]);
    const after = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: sender.account.address, payee: r1.node });
    expect(after.settled).toBe(3n);
    expect(after.balance).toBe(997n);

    await recipientLinks.stop();
    await recipientHost.stop();
    await links.stop();
    await host.stop();
  }, 60_000);
});
