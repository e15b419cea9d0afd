import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NackReason } from "#protocol";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { RawSender, startWithRawSender, hex, metric, offlineRecipient } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

// Four relays as separate processes on the embedded chain. Relay 4 silently drops every packet it gets.
// Relay 1, the sender's entry, does not poll the chain during the tests.
describe("relay faults and attacks (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay, r4: LocalRelay;
  let sender: RawSender;

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender(
      {
        relays: 4,
        relayConfig: { tickets: { ackTimeoutMs: 400, creditWindow: "50" }, settlement: { jitterMs: 0, minValue: "1000000" } },
        // Relay 1 reads the chain at start and then only every 10 minutes, unless it has a reason to look.
        relayConfigFor: (i) => (i === 0 ? { chain: { pollIntervalMs: 600_000 } } : i === 3 ? { faults: { dropRate: 1 } } : {}),
      },
      { account: 13, deposit: 100n },
    ));
    [r1, r2, r3, r4] = net.relays as [LocalRelay, LocalRelay, LocalRelay, LocalRelay];
  }, 120_000);
  afterAll(async () => {
    await sender?.close();
    await net?.stop();
  });

  const nacks = () => sender.framesOfType("nack");

  it("drops a replayed packet, and still after the relay restarts", async () => {
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    sender.send(frame);
    await waitFor(() => sender.framesOfType("reveal").length, (n) => n >= 1, "the first packet's reveal");
    sender.confirm(built.ticket!.amount);
    const before = await metric(r1, "sotto_packets_dropped_total", { reason: "replay" });
    sender.send(frame);
    await waitFor(() => metric(r1, "sotto_packets_dropped_total", { reason: "replay" }), (n) => n === before + 1, "the replay to be counted");

    await r1.stop();
    await r1.start();
    await sender.connect();
    sender.send(frame);
    await waitFor(() => metric(r1, "sotto_packets_dropped_total", { reason: "replay" }), (n) => n === 1, "the replay after restart to be counted");
    // Only the first copy was paid for.
    expect((await r1.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue).toBe("3");
  }, 60_000);

  it("rejects bad, expired and foreign tickets, counts each by reason and NACKs the sender", async () => {
    const recipient = offlineRecipient(r3).path;
    const route = [r1, r2];
    const cases: { name: string; reason: string; nack: number; overrides: Parameters<RawSender["build"]>[2] }[] = [
      { name: "signed by someone else", reason: "bad_signature", nack: NackReason.badTicket, overrides: { signerKey: net.devnet.accountKey(14) } },
      { name: "another chain id", reason: "bad_signature", nack: NackReason.badTicket, overrides: { chainId: 1 } },
      { name: "another contract", reason: "bad_signature", nack: NackReason.badTicket, overrides: { verifyingContract: net.devnet.contracts.registry } },
      { name: "an old epoch", reason: "wrong_epoch", nack: NackReason.badTicket, overrides: { epoch: 7n } },
      { name: "a reused index", reason: "stale_index", nack: NackReason.badTicket, overrides: { index: 0n } },
      { name: "the wrong challenge", reason: "challenge_mismatch", nack: NackReason.challengeMismatch, overrides: { challenge: randomBytes(32) } },
      { name: "less than the amount", reason: "amount_short", nack: NackReason.amountShort, overrides: { cumulative: 2n } },
      { name: "beyond the channel balance", reason: "insufficient_balance", nack: NackReason.badTicket, overrides: { cumulative: 1_000n } },
      // After an honest packet raised the payer's base to 3, a ticket on base 0 goes backwards.
      { name: "cumulative going backwards", reason: "cumulative_backwards", nack: NackReason.badTicket, overrides: { cumulative: 3n } },
    ];
    for (const c of cases) {
      if (c.reason === "cumulative_backwards") {
        const honest = sender.build(route, recipient);
        sender.send(honest.frame);
        // (A relay that restarted also resends the reveals it knows; wait for this packet's own.)
        const expected = hex(honest.built.hops[1]!.ackSecret);
        await waitFor(() => sender.framesOfType("reveal").some((r) => hex(r.response) === expected), (found) => found, "the honest packet's reveal");
        sender.confirm(honest.built.ticket!.amount);
      }
      const before = await metric(r1, "sotto_tickets_rejected_total", { reason: c.reason });
      const nacksBefore = nacks().length;
      const { frame } = sender.build(route, recipient, c.overrides);
      sender.send(frame);
      await waitFor(() => metric(r1, "sotto_tickets_rejected_total", { reason: c.reason }), (n) => n === before + 1, `rejection of a ticket with ${c.name}`);
      await waitFor(() => nacks().length, (n) => n === nacksBefore + 1, `a NACK for a ticket with ${c.name}`);
      const nack = nacks().at(-1)!;
      expect(nack.reason, c.name).toBe(c.nack);
      expect(hex(nack.challenge)).toBe(hex((frame.ticket as { challenge: Uint8Array }).challenge));
    }
    expect((await r1.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue).toBe("6");
  }, 60_000);

  it("does not pay a relay whose next hop never acks, and stops sending to a hop that keeps dropping", async () => {
    const recipient = offlineRecipient(r3).path;
    const paidBefore = (await r1.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue;
    const timeoutsBefore = await metric(r1, "sotto_ack_timeouts_total");
    const nacksBefore = nacks().length;
    for (let i = 0; i < 25; i++) sender.send(sender.build([r1, r4], recipient).frame);
    // Relay 1 accepted every packet and acked the sender, but relay 4 acked none: every forward timed out.
    await waitFor(() => metric(r1, "sotto_ack_timeouts_total"), (n) => n - timeoutsBefore >= 20, "ack timeouts at relay 1");
    await waitFor(() => nacks().length - nacksBefore, (n) => n >= 20, "NACKs telling the sender the route failed");
    expect(await metric(r4, "sotto_packets_dropped_total", { reason: "fault_injected" })).toBeGreaterThanOrEqual(20);
    expect(await metric(r4, "sotto_acks_sent_total")).toBe(0);
    // Nobody can redeem anything for these packets: relay 1 holds no response to the sender's tickets.
    expect((await r1.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue).toBe(paidBefore);

    // After enough failures relay 1 refuses to forward to relay 4 at once, without waiting for a timeout.
    for (let i = 0; i < 3; i++) sender.send(sender.build([r1, r4], recipient).frame);
    await waitFor(() => metric(r1, "sotto_packets_dropped_total", { reason: "next_hop_unreliable" }), (n) => n > 0, "relay 1 to stop sending to relay 4");
  }, 60_000);

  it("settles exactly what was earned: relay 1 gets 3 per delivered packet, relay 2 gets 2, relay 4 nothing", async () => {
    const s1 = await r1.admin<{ redeemed?: string }>("/v1/settle", { body: {} });
    const s2 = await r2.admin<{ redeemed?: string }>("/v1/settle", { body: {} });
    const s4 = await r4.admin<{ settled: boolean }>("/v1/settle", { body: {} });
    expect([s1.redeemed, s2.redeemed, s4.settled]).toEqual(["6", "4", false]);
  }, 60_000);

  it("reads a payer's channel again before refusing a ticket beyond the balance it knew: a send right after a top-up", async () => {
    // Relay 1 knows the channel as 100 (settled 6 + balance 94); the sender adds 100 and at once sends a
    // ticket for 150, before any poll could have told relay 1. (A relay reads a payer's channel for this at
    // most once every 2 s, and the bad-tickets test's ticket beyond the balance made it read this one.)
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await sender.topUp(100n);
    const rejectedBefore = await metric(r1, "sotto_tickets_rejected_total", { reason: "insufficient_balance" });
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path, { cumulative: 150n });
    sender.send(frame);
    const expected = hex(built.hops[1]!.ackSecret);
    await waitFor(() => sender.framesOfType("reveal").some((r) => hex(r.response) === expected), (found) => found, "the reveal of the ticket for 150");
    expect(await metric(r1, "sotto_tickets_rejected_total", { reason: "insufficient_balance" })).toBe(rejectedBefore);
    expect(nacks().some((n) => hex(n.challenge) === hex((frame.ticket as { challenge: Uint8Array }).challenge))).toBe(false);

    // Beyond what the channel holds even now (200), the ticket is refused after that one read.
    const { frame: tooMuch } = sender.build([r1, r2], offlineRecipient(r3).path, { cumulative: 1_000n });
    sender.send(tooMuch);
    await waitFor(() => metric(r1, "sotto_tickets_rejected_total", { reason: "insufficient_balance" }), (n) => n === rejectedBefore + 1, "the refusal of a ticket for 1,000");
  }, 60_000);

  it("reads a payer's channel again before refusing a ticket of a newer epoch: a send right after the channel was closed and reopened", async () => {
    // Relay 1 still knows the channel in its old epoch; the sender closes it, reopens it (epoch + 1) and sends.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const oldEpoch = sender.epoch;
    await sender.reopen(100n);
    expect(sender.epoch).toBeGreaterThan(oldEpoch);
    const rejectedBefore = await metric(r1, "sotto_tickets_rejected_total", { reason: "wrong_epoch" });
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    sender.send(frame);
    const expected = hex(built.hops[1]!.ackSecret);
    await waitFor(() => sender.framesOfType("reveal").some((r) => hex(r.response) === expected), (found) => found, "the reveal of the new epoch's first ticket");
    expect(await metric(r1, "sotto_tickets_rejected_total", { reason: "wrong_epoch" })).toBe(rejectedBefore);
  }, 60_000);

  it("protects the admin API of a running relay", async () => {
    const res = await fetch(`${r1.apiUrl}/v1/status`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${r1.apiUrl}/v1/settle`, { method: "POST", headers: { authorization: `Bearer ${r1.apiToken}`, "content-type": "application/json" }, body: '{"channels":"all"}' });
    expect(bad.status).toBe(400);
    expect(await metric(r1, "sotto_api_rejected_total", { reason: "unauthorized" })).toBe(1);
    expect(await metric(r1, "sotto_api_rejected_total", { reason: "bad_body" })).toBe(1);
  });
});
