import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Libp2p } from "libp2p";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkManager } from "#net";
import { createHost } from "#net/node";
import { processPacket } from "#protocol";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { loadKeyFile } from "../../relay/src/keys/keyFile.ts";
import { RawSender, backend, offlineRecipient, startWithRawSender } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

// Relay 1 as its own process; relay 2's process steps aside for a stand-in with relay 2's keys and address
// that answers every packet with its ACK and, in the same batch, a delivery RECEIPT, as a fast path to the
// recipient can. Relay 1 reveals the response only once it is committed; the receipt needs no commit.
describe("a delivery receipt never overtakes the REVEAL it depends on (relay process, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay;
  let sender: RawSender;
  let standIn: Libp2p | undefined;
  let standInLinks: LinkManager | undefined;

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3, relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" } } }, { account: 15, deposit: 100n }));
    [r1, r2, r3] = net.relays as [LocalRelay, LocalRelay, LocalRelay];
    await r2.stop();
    const keys = loadKeyFile(join(r2.dir, "keys.json"));
    standIn = await createHost({ privateKey: keys.libp2p, listen: [r2.multiaddr] });
    standInLinks = new LinkManager(standIn, {
      onFrame: (frame, link) => {
        if (frame.type !== "packet") return;
        const hop = processPacket(backend, { onion: frame.onion, pathKey: frame.pathKey, privateKey: keys.onionPrivateKey });
        if (hop.type !== "forward") return;
        link.send({ type: "ack", ackSecret: hop.ackSecret });
        link.send({ type: "receipt", ackSecret: hop.ackSecret, recipientAckSecret: randomBytes(32) });
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
});
