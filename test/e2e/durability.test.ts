import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getChannel } from "#contracts";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { RawSender, startWithRawSender, metric, offlineRecipient } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

interface IncomingView {
  payer: string;
  revealed: string;
  tickets: number;
  answered: number;
}

// `kill -9` of a relay while it carries traffic, then a restart: nothing it acknowledged is lost, it is paid
// exactly what it earned, nothing is redeemed twice, and replay protection survives.
describe("crash safety (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay;
  let sender: RawSender;

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3, relayConfig: { tickets: { ackTimeoutMs: 1_000, creditWindow: "100000", voucherIdleMs: 300 }, settlement: { jitterMs: 0, minValue: "1000000000" } } }, { account: 15, deposit: 100_000n, autoConfirm: true }));
    [r1, r2, r3] = net.relays as [LocalRelay, LocalRelay, LocalRelay];
  }, 120_000);
  afterAll(async () => {
    await sender?.close();
    await net?.stop();
  });

  it("kill -9 mid-stream: acknowledged tickets survive, settlement pays exactly the earned value, once", async () => {
    const recipient = offlineRecipient(r3).path;
    // A packet that enters at relay 2 directly, to replay after the crash.
    const direct = new RawSender(net, r2, 16);
    await direct.open(1_000n);
    const seenBeforeCrash = direct.build([r2], recipient).frame;
    direct.send(seenBeforeCrash);
    await waitFor(() => direct.framesOfType("ack").length, (n) => n === 1, "relay 2 to accept the direct packet");

    let sent = 0;
    const burst = async (count: number) => {
      for (let i = 0; i < count; i++) {
        try {
          sender.send(sender.build([r1, r2], recipient).frame);
          sent++;
        } catch {
          await sender.connect().catch(() => undefined);
        }
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 15));
      }
    };
    await burst(150);
    await r2.kill(); // SIGKILL while packets are in flight
    await burst(30); // these reach relay 1 but not relay 2: relay 1 times out and is not paid for them
    await r2.start();
    await burst(150);

    // Let every ack, reveal, receipt and voucher settle down.
    await waitFor(async () => (await r1.admin<{ inFlight: number }>("/v1/status")).inFlight, (n) => n === 0, "relay 1 to finish forwarding");
    await new Promise((r) => setTimeout(r, 2_500));

    // Every ticket relay 2 acknowledged to relay 1 is in relay 2's store, with or without its response.
    const acksFromR2 = await metric(r1, "sotto_acks_received_total", { outcome: "ok" });
    const fromR1 = (await r2.admin<{ incoming: IncomingView[] }>("/v1/channels")).incoming.find((c) => c.payer.toLowerCase() === r1.node.toLowerCase())!;
    expect(acksFromR2).toBeGreaterThan(200);
    expect(fromR1.tickets).toBeGreaterThanOrEqual(acksFromR2);

    // Replay protection held across the crash.
    await direct.connect();
    direct.send(seenBeforeCrash);
    await waitFor(() => metric(r2, "sotto_packets_dropped_total", { reason: "replay" }), (n) => n === 1, "the pre-crash packet to be dropped as a replay");

    // Settlement pays relay 2 exactly what it earned from relay 1 (the amounts whose responses it holds).
    const earned = BigInt(fromR1.revealed);
    expect(earned).toBe(2n * BigInt(fromR1.answered));
    const settled = await r2.admin<{ settled: boolean; redeemed: string }>("/v1/settle", { body: {} });
    expect(settled.settled).toBe(true);
    const channel = await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: r1.node, payee: r2.node });
    expect(channel.settled).toBe(earned);

    // Nothing is redeemed twice: a second settlement finds nothing, the chain is unchanged.
    const again = await r2.admin<{ settled: boolean }>("/v1/settle", { body: {} });
    expect(again.settled).toBe(false);
    expect((await getChannel(net.devnet.publicClient, { channels: net.devnet.contracts.channels, payer: r1.node, payee: r2.node })).settled).toBe(earned);
    expect(sent).toBe(330);
    await direct.close();
  }, 120_000);
});
