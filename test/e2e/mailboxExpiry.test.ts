import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkManager } from "#net";
import { createHost } from "#net/node";
import { createSubscribe, type Frame } from "#protocol";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { RawSender, startWithRawSender, backend, bytes, metric, offlineRecipient } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

// A recipient that stays offline past the mailbox TTL: the message expires, the exit relay is not paid,
// and the sender never gets a receipt.
describe("mailbox expiry (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay;
  let sender: RawSender;

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3, relayConfig: { mailbox: { ttlSeconds: 2 }, tickets: { creditWindow: "1000", voucherIdleMs: 300 }, settlement: { jitterMs: 0, minValue: "1000000000" } } }, { account: 18, deposit: 1_000n, autoConfirm: true }));
    [r1, r2, r3] = net.relays as [LocalRelay, LocalRelay, LocalRelay];
  }, 120_000);
  afterAll(async () => {
    await sender?.close();
    await net?.stop();
  });

  it("expires the message unread: the exit earns nothing, the relays before it are paid, no receipt", async () => {
    const recipient = offlineRecipient(r3);
    sender.send(sender.build([r1, r2], recipient.path).frame);
    await waitFor(() => r3.admin<{ messages: number }>("/v1/mailbox"), (m) => m.messages === 1, "the message in the exit's mailbox");
    // The relay sweeps its mailbox every 10 s; the TTL is 2 s.
    await waitFor(() => metric(r3, "sotto_mailbox_expired_total"), (n) => n === 1, "the message to expire", 20_000);
    expect((await r3.admin<{ messages: number }>("/v1/mailbox")).messages).toBe(0);

    // The recipient comes back too late: nothing is waiting, and its home relay cannot be paid.
    const host = await createHost({ listen: [] });
    const frames: Frame[] = [];
    const links = new LinkManager(host, { onFrame: (f) => frames.push(f) }, { maxQueue: 10 });
    const link = await links.connect(r3.peerId, [r3.multiaddr]);
    link.send(createSubscribe(backend, { privateKey: recipient.key, relayNodeId: bytes(r3.onionKey), timestamp: BigInt(Math.floor(Date.now() / 1000)) }));
    await waitFor(() => frames.length, (n) => n === 1, "DRAINED");
    expect(frames[0]).toEqual({ type: "drained", delivered: 0 });
    await links.stop();
    await host.stop();

    expect(sender.framesOfType("receipt")).toEqual([]);
    const paid = await Promise.all([r1, r2, r3].map((r) => r.admin<{ unredeemedValue: string }>("/v1/tickets")));
    expect(paid.map((p) => p.unredeemedValue)).toEqual(["3", "2", "0"]);
    const settle3 = await r3.admin<{ settled: boolean }>("/v1/settle", { body: {} });
    expect(settle3.settled).toBe(false);
  }, 60_000);
});
