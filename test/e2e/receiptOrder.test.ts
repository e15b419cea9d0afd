import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Libp2p } from "libp2p";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkManager } from "#net";
import { createHost } from "#net/node";
import { NackReason, processPacket, type Frame } from "#protocol";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { loadKeyFile } from "../../relay/src/keys/keyFile.ts";
import { RawSender, backend, hex, metric, offlineRecipient, startWithRawSender } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

type Channel = { payer: string; revealed: string };

// Relay 1 as its own process; relay 2's process steps aside for a stand-in with relay 2's keys and address
// that answers every packet as the test says: its ACK and, in the same batch, a delivery RECEIPT, as a fast
// path to the recipient can (relay 1 reveals the response only once it is committed; the receipt needs no
// commit); the RECEIPT alone, as when it overtakes the ACK; or the ACK only after relay 1's ack timeout.
describe("proof of relay with a stand-in next hop: receipt order, receipts that overtake the ACK, late ACKs (relay process, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay;
  let sender: RawSender;
  let standIn: Libp2p | undefined;
  let standInLinks: LinkManager | undefined;
  let mode: "ack+receipt" | "receipt" | "late ack" | "ack, then nack" | "ack, then vanish" = "ack+receipt";
  const ACK_TIMEOUT_MS = 500;
  const revealed = async () => BigInt((await r1.admin<{ incoming: Channel[] }>("/v1/channels")).incoming.find((c) => c.payer.toLowerCase() === sender.address.toLowerCase())?.revealed ?? "0");

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3, relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" }, tickets: { ackTimeoutMs: ACK_TIMEOUT_MS } } }, { account: 15, deposit: 100n }));
    [r1, r2, r3] = net.relays as [LocalRelay, LocalRelay, LocalRelay];
    await r2.stop();
    const keys = loadKeyFile(join(r2.dir, "keys.json"));
    standIn = await createHost({ privateKey: keys.libp2p, listen: [r2.multiaddr] });
    standInLinks = new LinkManager(standIn, {
      onFrame: (frame, link) => {
        if (frame.type !== "packet") return;
        const hop = processPacket(backend, { onion: frame.onion, pathKey: frame.pathKey, privateKey: keys.onionPrivateKey });
        if (hop.type !== "forward") return;
        const receipt = { type: "receipt" as const, ackSecret: hop.ackSecret, recipientAckSecret: randomBytes(32) };
        if (mode === "late ack") setTimeout(() => link.send({ type: "ack", ackSecret: hop.ackSecret }), ACK_TIMEOUT_MS * 3);
        else if (mode === "receipt") link.send(receipt);
        else if (mode === "ack, then vanish") {
          link.send({ type: "ack", ackSecret: hop.ackSecret });
          setTimeout(() => link.abort("the stand-in goes away"), 100);
        } else if (mode === "ack, then nack") {
          link.send({ type: "ack", ackSecret: hop.ackSecret });
          setTimeout(() => link.send({ type: "nack", challenge: frame.ticket!.challenge, reason: NackReason.unknownNextHop }), 100);
        }
        else {
          link.send({ type: "ack", ackSecret: hop.ackSecret });
          link.send(receipt);
        }
      },
    }, { maxQueue: 1_000 });
    await standInLinks.start();
  }, 120_000);
  afterAll(async () => {
    await sender?.close();
    await standInLinks?.stop();
    await standIn?.stop();
    await net?.stop();
  });

  it("relays the RECEIPT after the REVEAL, so a sender that stops at its receipt has every reveal", async () => {
    for (let i = 0; i < 5; i++) sender.send(sender.build([r1, r2], offlineRecipient(r3).path).frame);
    await waitFor(() => sender.framesOfType("receipt").length, (n) => n === 5, "five receipts");
    const order = sender.received.filter((f) => f.type === "reveal" || f.type === "receipt").map((f) => f.type);
    expect(order.filter((t) => t === "reveal")).toHaveLength(5);
    // Each receipt is preceded by at least as many reveals as receipts so far.
    let reveals = 0;
    let receipts = 0;
    for (const type of order) {
      if (type === "reveal") reveals++;
      else expect(++receipts).toBeLessThanOrEqual(reveals);
    }
  }, 60_000);

  it("answers a packet (ACK, REVEAL, RECEIPT) on the link it came in on, not on another link to the same peer", async () => {
    mode = "ack+receipt";
    const onSecond: Frame[] = [];
    const second = await sender.secondLink((f) => onSecond.push(f));
    const onFirst = sender.received.length;
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    second.send(frame);
    await waitFor(() => onSecond.map((f) => f.type), (types) => types.includes("receipt"), "the receipt on the second link");
    expect(onSecond.map((f) => f.type)).toEqual(["ack", "reveal", "receipt"]);
    expect(hex(backend.keccak256((onSecond[1] as Extract<Frame, { type: "reveal" }>).response))).toBe(hex(built.ticket!.challenge));
    expect(sender.received.slice(onFirst), "nothing about it on the first link").toEqual([]);
    await second.close();
  }, 60_000);

  it("a RECEIPT that comes without the ACK (overtaken or lost) carries the same proof: relay 1 is paid, reveals, then relays the receipt", async () => {
    mode = "receipt";
    const before = { revealed: await revealed(), reveals: sender.framesOfType("reveal").length, receipts: sender.framesOfType("receipt").length };
    const byReceipt = await metric(r1, "sotto_acks_received_total", { outcome: "by_receipt" });
    const packets = [0, 1, 2].map(() => sender.build([r1, r2], offlineRecipient(r3).path));
    for (const p of packets) sender.send(p.frame);
    await waitFor(() => sender.framesOfType("receipt").length, (n) => n === before.receipts + 3, "three receipts");
    const reveals = sender.framesOfType("reveal").slice(before.reveals).map((f) => hex(backend.keccak256(f.response)));
    expect(reveals.sort()).toEqual(packets.map((p) => hex(p.built.ticket!.challenge)).sort());
    expect(await revealed()).toBe(before.revealed + packets.reduce((s, p) => s + p.built.ticket!.amount, 0n));
    expect(await metric(r1, "sotto_acks_received_total", { outcome: "by_receipt" })).toBe(byReceipt + 3);
  }, 60_000);

  it("an ACK after relay 1's ack timeout still pays it: the next hop took the packet, and relay 1 pays that hop once it reveals", async () => {
    mode = "late ack";
    const before = { revealed: await revealed(), reveals: sender.framesOfType("reveal").length, nacks: sender.framesOfType("nack").length };
    const late = await metric(r1, "sotto_acks_received_total", { outcome: "late" });
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    sender.send(frame);
    // The timeout fails the circuit first (the sender hears a NACK and would try another route)...
    await waitFor(() => sender.framesOfType("nack").length, (n) => n === before.nacks + 1, "relay 1's NACK after its ack timeout");
    // ...then the ACK comes: relay 1 earns the packet and reveals it.
    await waitFor(() => sender.framesOfType("reveal").length, (n) => n === before.reveals + 1, "the REVEAL after the late ACK");
    expect(hex(backend.keccak256(sender.framesOfType("reveal").at(-1)!.response))).toBe(hex(built.ticket!.challenge));
    expect(await revealed()).toBe(before.revealed + built.ticket!.amount);
    expect(await metric(r1, "sotto_acks_received_total", { outcome: "late" })).toBe(late + 1);
  }, 60_000);

  it("a NACK from further on, after the next hop's ACK, reaches the sender (it reroutes now, not at its receipt timeout); relay 1 is still paid", async () => {
    mode = "ack, then nack";
    const before = { revealed: await revealed(), nacks: sender.framesOfType("nack").length };
    const afterAck = await metric(r1, "sotto_acks_received_total", { outcome: "nack_after_ack" });
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    sender.send(frame);
    await waitFor(() => sender.framesOfType("nack").length, (n) => n === before.nacks + 1, "the NACK at the sender");
    expect(sender.framesOfType("nack").at(-1)).toMatchObject({ reason: NackReason.unknownNextHop });
    expect(hex(sender.framesOfType("nack").at(-1)!.challenge)).toBe(hex(built.ticket!.challenge));
    await waitFor(revealed, (v) => v === before.revealed + built.ticket!.amount, "relay 1 paid for the packet relay 2 took");
    expect(await metric(r1, "sotto_acks_received_total", { outcome: "nack_after_ack" })).toBe(afterAck + 1);
  }, 60_000);

  // Last: the stand-in's link to relay 1 is gone afterwards.
  it("a next hop that goes away after its ACK: relay 1 NACKs the sender at once (no receipt can come back), and is still paid", async () => {
    mode = "ack, then vanish";
    const before = { revealed: await revealed(), nacks: sender.framesOfType("nack").length };
    const lost = await metric(r1, "sotto_circuits_lost_total");
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    sender.send(frame);
    await waitFor(() => sender.framesOfType("nack").length, (n) => n === before.nacks + 1, "the NACK at the sender");
    expect(hex(sender.framesOfType("nack").at(-1)!.challenge)).toBe(hex(built.ticket!.challenge));
    await waitFor(revealed, (v) => v === before.revealed + built.ticket!.amount, "relay 1 paid for the packet relay 2 took");
    expect(await metric(r1, "sotto_circuits_lost_total")).toBe(lost + 1);
  }, 60_000);
});
