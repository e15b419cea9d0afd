import { parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paymentChannelsAbi } from "#contracts/generated";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { RawSender, startWithRawSender, metric, offlineRecipient } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

// The chain's JSON-RPC endpoint disappears for 30 s (the chain itself keeps its state) and comes back.
describe("chain RPC outage (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay;
  let sender: RawSender;

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3, relayConfig: { chain: { pollIntervalMs: 300 }, tickets: { creditWindow: "100000", voucherIdleMs: 300 }, settlement: { jitterMs: 0, minValue: "1000000000" } } }, { account: 17, deposit: 10_000n, autoConfirm: true }));
    [r1, r2, r3] = net.relays as [LocalRelay, LocalRelay, LocalRelay];
  }, 120_000);
  afterAll(async () => {
    await net?.devnet.resumeRpc().catch(() => undefined);
    await sender?.close();
    await net?.stop();
  });

  it("keeps forwarding from cache, refuses to settle while away, settles once when back", async () => {
    const recipient = offlineRecipient(r3).path;
    const sendAndWait = async (count: number, label: string) => {
      const before = await metric(r2, "sotto_acks_received_total", { outcome: "ok" });
      for (let i = 0; i < count; i++) sender.send(sender.build([r1, r2], recipient).frame);
      await waitFor(() => metric(r2, "sotto_acks_received_total", { outcome: "ok" }), (n) => n === before + count, label);
    };
    await sendAndWait(20, "20 packets acked end to end before the outage");

    await net.devnet.pauseRpc();
    await waitFor(async () => (await r1.admin<{ chain: { healthy: boolean } }>("/v1/status")).chain.healthy, (h) => !h, "relay 1 to notice the RPC is gone");
    await sendAndWait(40, "40 packets acked end to end during the outage");
    const failed = await fetch(`${r1.apiUrl}/v1/settle`, { method: "POST", headers: { authorization: `Bearer ${r1.apiToken}`, "content-type": "application/json" }, body: "{}" });
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { message: string }).message).toMatch(/kept and will be settled/);
    await new Promise((r) => setTimeout(r, 30_000 - 1_000));

    await net.devnet.resumeRpc();
    await waitFor(async () => (await r1.admin<{ chain: { healthy: boolean } }>("/v1/status")).chain.healthy, (h) => h, "relay 1 to catch up with the chain", 20_000);
    await sendAndWait(20, "20 packets acked end to end after the outage");
    await waitFor(() => sender.framesOfType("reveal").length, (n) => n >= 80, "the entry relay's reveals");
    // Traffic pauses: the sender gives its entry relay a voucher for everything confirmed.
    sender.send(sender.voucher());
    await waitFor(async () => (await r1.admin<{ unredeemedValue: string }>("/v1/tickets")).unredeemedValue, (v) => v === "240", "the voucher to be accepted");

    const settled = await r1.admin<{ settled: boolean; redeemed: string; transactionHash: `0x${string}` }>("/v1/settle", { body: {} });
    expect(settled.settled).toBe(true);
    // 80 packets at 3 each, all paid in one redemption of the sender's channel.
    expect(settled.redeemed).toBe("240");
    const receipt = await net.devnet.publicClient.getTransactionReceipt({ hash: settled.transactionHash });
    const logs = await net.devnet.publicClient.getLogs({ address: net.devnet.contracts.channels, fromBlock: 0n });
    const redemptions = parseEventLogs({ abi: paymentChannelsAbi, eventName: "TicketRedeemed", logs }).filter((l) => l.args.payee.toLowerCase() === r1.node.toLowerCase());
    expect(redemptions.length).toBe(1);
    expect(redemptions[0]!.transactionHash).toBe(receipt.transactionHash);
  }, 120_000);
});
