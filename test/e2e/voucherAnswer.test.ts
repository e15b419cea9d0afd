import { join } from "node:path";
import type { Libp2p } from "libp2p";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkManager, type Link } from "#net";
import { createHost } from "#net/node";
import { NackReason, answersVoucher, processPacket, type Frame } from "#protocol";
import type { LocalNetwork, LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { loadKeyFile } from "../../relay/src/keys/keyFile.ts";
import { RawSender, backend, hex, metric, offlineRecipient, startWithRawSender } from "../support/rawSender.ts";
import { waitFor } from "../support/waitFor.ts";

type Channel = { payer: string; revealed: string; redeemable: string };

// Relay 1 as its own process, paid by a raw sender; relay 2's process steps aside for a stand-in with relay
// 2's keys and address that holds its ACK until the test lets it go, so relay 1 learns the response only
// after the sender's connection is gone and cannot hand it the REVEAL.
describe("a relay answers VOUCHERs and gives back the reveals its payer missed first (relay process, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let r1: LocalRelay, r2: LocalRelay, r3: LocalRelay;
  let sender: RawSender;
  let standIn: Libp2p | undefined;
  let standInLinks: LinkManager | undefined;
  const held: { link: Link; ackSecret: Uint8Array }[] = [];

  const channel = async () => (await r1.admin<{ incoming: Channel[] }>("/v1/channels")).incoming.find((c) => c.payer.toLowerCase() === sender.address.toLowerCase())!;
  /** Frames after the first `from`, up to and including the first answer to a voucher. */
  const untilAnswer = (from: number): Frame[] => {
    const after = sender.received.slice(from);
    const end = after.findIndex((f) => (f.type === "reveal" || f.type === "nack") && answersVoucher(f));
    return end < 0 ? [] : after.slice(0, end + 1);
  };

  beforeAll(async () => {
    ({ net, sender } = await startWithRawSender({ relays: 3, relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" } } }, { account: 16, deposit: 100n }));
    [r1, r2, r3] = net.relays as [LocalRelay, LocalRelay, LocalRelay];
    await r2.stop();
    const keys = loadKeyFile(join(r2.dir, "keys.json"));
    standIn = await createHost({ privateKey: keys.libp2p, listen: [r2.multiaddr] });
    standInLinks = new LinkManager(standIn, {
      onFrame: (frame, link) => {
        if (frame.type !== "packet") return;
        const hop = processPacket(backend, { onion: frame.onion, pathKey: frame.pathKey, privateKey: keys.onionPrivateKey });
        if (hop.type === "forward") held.push({ link, ackSecret: hop.ackSecret });
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

  it("stores a voucher and says so; refuses a forged one and says why; both counted", async () => {
    let from = sender.received.length;
    sender.send(sender.voucher());
    await waitFor(() => untilAnswer(from), (frames) => frames.length > 0, "the answer to the voucher");
    expect(untilAnswer(from).map((f) => f.type)).toEqual(["reveal"]);

    from = sender.received.length;
    const rejectedBefore = await metric(r1, "sotto_tickets_rejected_total", { reason: "voucher_bad_signature" });
    sender.send(sender.voucher({ signerKey: net.devnet.accountKey(17) }));
    await waitFor(() => untilAnswer(from), (frames) => frames.length > 0, "the answer to the forged voucher");
    const answer = untilAnswer(from).at(-1)!;
    expect(answer).toMatchObject({ type: "nack", reason: NackReason.badTicket });
    expect(await metric(r1, "sotto_tickets_rejected_total", { reason: "voucher_bad_signature" })).toBe(rejectedBefore + 1);
  }, 60_000);

  it("a REVEAL that found the payer's link gone comes back before the answer to the payer's next voucher, and the relay redeems it", async () => {
    const { frame, built } = sender.build([r1, r2], offlineRecipient(r3).path);
    sender.send(frame);
    await waitFor(() => held.length, (n) => n === 1, "the packet at the stand-in");
    await waitFor(() => sender.framesOfType("ack").length, (n) => n >= 1, "relay 1's ACK");

    // The sender goes away before the next hop answers: relay 1 stores the response but has nowhere to reveal it.
    const oldPeer = await sender.disconnect();
    await waitFor(async () => (await r1.admin<{ peers: { peer: string }[] }>("/v1/peers")).peers.map((p) => p.peer), (peers) => !peers.includes(oldPeer!), "relay 1 to see the sender gone");
    const { link, ackSecret } = held.shift()!;
    link.send({ type: "ack", ackSecret });
    await waitFor(channel, (c) => BigInt(c.revealed) === built.ticket!.amount, "relay 1 to store the response");
    const revealsBefore = sender.framesOfType("reveal").length;

    // Back as a new connection: the voucher (for what the sender confirmed: nothing yet) brings the reveal first.
    await sender.connect();
    const from = sender.received.length;
    sender.send(sender.voucher());
    await waitFor(() => untilAnswer(from), (frames) => frames.length > 0, "the answer to the voucher");
    const frames = untilAnswer(from);
    expect(frames.at(-1)).toMatchObject({ type: "reveal" });
    const reveals = frames.filter((f): f is Extract<Frame, { type: "reveal" }> => f.type === "reveal" && !answersVoucher(f));
    expect(reveals.map((f) => hex(backend.keccak256(f.response)))).toContain(hex(built.ticket!.challenge));
    expect(sender.framesOfType("reveal").length).toBeGreaterThan(revealsBefore);

    // The sender confirms it and covers it with a voucher; the relay redeems exactly that.
    sender.confirm(built.ticket!.amount);
    const last = sender.received.length;
    sender.send(sender.voucher());
    await waitFor(() => untilAnswer(last), (f) => f.length > 0, "the answer to the last voucher");
    expect(untilAnswer(last).at(-1)).toMatchObject({ type: "reveal" });
    await waitFor(channel, (c) => BigInt(c.redeemable) === built.ticket!.amount, "the voucher to make it redeemable");
  }, 60_000);

  it("after a restart, the payer's next voucher brings back every reveal the relay knows, then the answer", async () => {
    await r1.stop();
    await r1.start();
    await sender.disconnect();
    await sender.connect();
    const from = sender.received.length;
    sender.send(sender.voucher());
    await waitFor(() => untilAnswer(from), (frames) => frames.length > 0, "the answer to the voucher");
    const frames = untilAnswer(from);
    expect(frames.filter((f) => f.type === "reveal" && !answersVoucher(f)).length, "the reveal of the packet relay 1 carried").toBe(1);
    expect(frames.at(-1)).toMatchObject({ type: "reveal" });
  }, 90_000);
});
