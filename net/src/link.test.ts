import { Socket } from "node:net";
import type { Libp2p } from "libp2p";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeBatch, type Frame } from "#protocol";
import { createHost } from "./createHost.ts";
import { LINK_PROTOCOL } from "./link.ts";
import { LinkManager } from "./linkManager.ts";

const ack = (n: number): Frame => ({ type: "ack", ackSecret: new Uint8Array(32).fill(n & 0xff) });
/** An onion of the right shape (version 0, the generator point as its ephemeral key); its contents are never peeled here. */
const onion = new Uint8Array(1366);
onion.set(Buffer.from("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", "hex"), 1);
const receipt = (n: number): Frame => ({ type: "receipt", ackSecret: new Uint8Array(32).fill(n & 0xff), recipientAckSecret: new Uint8Array(32).fill(1) });

// Two real libp2p hosts over TCP loopback.
describe("LinkManager over TCP", () => {
  let a: Libp2p;
  let b: Libp2p;
  let linksA: LinkManager;
  let linksB: LinkManager;
  const receivedByB: Frame[] = [];
  const receivedByA: Frame[] = [];
  const badFrames: number[] = [];
  const framingErrors: string[] = [];

  beforeAll(async () => {
    a = await createHost({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    b = await createHost({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    linksA = new LinkManager(a, { onFrame: (f) => receivedByA.push(f) }, { maxQueue: 10_000 });
    linksB = new LinkManager(
      b,
      {
        onFrame: (f, link) => {
          receivedByB.push(f);
          // Answer receipts on the same stream, as acks travel back to the sender of a packet.
          if (f.type === "receipt") link.send({ type: "reveal", response: f.ackSecret });
        },
        onBadFrame: (_error, type) => badFrames.push(type),
        onFramingError: (error) => framingErrors.push(error.name),
      },
      { maxQueue: 10_000 },
    );
    await linksA.start();
    await linksB.start();
  });

  afterAll(async () => {
    await linksA.stop();
    await linksB.stop();
    await a.stop();
    await b.stop();
  });

  it("delivers every frame intact and in order, and replies travel back on the same stream", async () => {
    const link = await linksA.connect(b.peerId.toString(), b.getMultiaddrs().map(String));
    const n = 5_000;
    for (let i = 0; i < n; i++) expect(link.send(i % 7 === 0 ? receipt(i) : ack(i))).toBe(true);
    await waitFor(() => receivedByB.length === n);
    receivedByB.forEach((f, i) => {
      expect(f.type).toBe(i % 7 === 0 ? "receipt" : "ack");
      expect((f as { ackSecret: Uint8Array }).ackSecret[0]).toBe(i & 0xff);
    });
    await waitFor(() => receivedByA.length === Math.ceil(n / 7));
    expect(receivedByA.every((f) => f.type === "reveal")).toBe(true);
    expect(linksA.get(b.peerId.toString())).toBe(link);
  });

  it("writes each encrypted message to the socket once, and the receiver sends no window update per message", async () => {
    const link = await linksA.connect(b.peerId.toString());
    const rounds = 20;
    const write = vi.spyOn(Socket.prototype, "write");
    const perSocket = new Map<unknown, number>();
    try {
      for (let i = 0; i < rounds; i++) {
        const before = receivedByB.length;
        link.send(ack(i));
        await waitFor(() => receivedByB.length === before + 1);
      }
      for (const socket of write.mock.contexts) perSocket.set(socket, (perSocket.get(socket) ?? 0) + 1);
    } finally {
      write.mockRestore();
    }
    const [sender, ...others] = [...perSocket.values()].sort((x, y) => y - x);
    // One write per message: Noise's length prefix and ciphertext together.
    expect(sender).toBeGreaterThanOrEqual(rounds);
    expect(sender).toBeLessThanOrEqual(rounds + 2);
    // B has used far less than half its receive window: Yamux owes A no window update yet.
    for (const count of others) expect(count).toBeLessThanOrEqual(2);
  });

  it("sends what several streams of one connection write in one tick as one socket write", async () => {
    const streams = await Promise.all([0, 1, 2].map(() => a.dialProtocol(b.peerId, LINK_PROTOCOL)));
    let before = receivedByB.length;
    streams.forEach((stream, i) => stream.send(encodeBatch([ack(100 + i)])));
    await waitFor(() => receivedByB.length === before + 3);
    const write = vi.spyOn(Socket.prototype, "write");
    try {
      before = receivedByB.length;
      streams.forEach((stream, i) => stream.send(encodeBatch([ack(110 + i)])));
      await waitFor(() => receivedByB.length === before + 3);
      expect(write.mock.contexts.length).toBe(1);
    } finally {
      write.mockRestore();
    }
    for (const stream of streams) await stream.close();
  });

  it("delivers frames sent just before the sender stops its links and its host", async () => {
    const c = await createHost({ listen: [] });
    const linksC = new LinkManager(c, { onFrame: () => {} }, { maxQueue: 100 });
    await linksC.start();
    const link = await linksC.connect(b.peerId.toString(), b.getMultiaddrs().map(String));
    const before = receivedByB.length;
    for (let i = 0; i < 3; i++) link.send(receipt(200 + i));
    await linksC.stop();
    await c.stop();
    await waitFor(() => receivedByB.length === before + 3);
    expect(receivedByB.slice(before).map((f) => (f as { ackSecret: Uint8Array }).ackSecret[0])).toEqual([200, 201, 202]);
  });

  it("with lingerMs, lets feedback wait for company while a packet goes at once and takes it along", async () => {
    const lingerMs = 40;
    const lingering = new LinkManager(a, { onFrame: () => {} }, { maxQueue: 100, lingerMs });
    const link = await lingering.connect(b.peerId.toString());
    const before = receivedByB.length;
    const write = vi.spyOn(Socket.prototype, "write");
    try {
      const sentAt = performance.now();
      link.send(ack(1));
      await new Promise((resolve) => setTimeout(resolve, lingerMs / 4));
      link.send(ack(2));
      expect(receivedByB.length).toBe(before);
      await waitFor(() => receivedByB.length === before + 2);
      // Both waited for the first one's linger to end, and left in one write.
      expect(performance.now() - sentAt).toBeGreaterThanOrEqual(lingerMs - 1);
      expect(write.mock.calls.length).toBe(1);

      // A packet does not wait, and the feedback queued before it leaves with it, in order.
      write.mockClear();
      const packetAt = performance.now();
      link.send(ack(3));
      link.send({ type: "packet", pathKey: undefined, onion, ticket: undefined });
      await waitFor(() => receivedByB.length === before + 4);
      expect(performance.now() - packetAt).toBeLessThan(lingerMs);
      expect(receivedByB.slice(before + 2).map((f) => f.type)).toEqual(["ack", "packet"]);
      expect(write.mock.calls.length).toBe(1);
    } finally {
      write.mockRestore();
    }
    link.close();
  });

  it("bounds the queue: beyond maxQueue, frames are dropped and counted", async () => {
    const drops: number[] = [];
    const small = new LinkManager(a, { onFrame: () => {}, onDrop: (_reason, count) => drops.push(count) }, { maxQueue: 3 });
    const link = await small.connect(b.peerId.toString());
    let accepted = 0;
    // All ten sends happen in one turn, before the queue is flushed.
    for (let i = 0; i < 10; i++) if (link.send(ack(i))) accepted++;
    expect(accepted).toBe(3);
    expect(drops.reduce((x, y) => x + y, 0)).toBe(7);
    link.close();
  });

  it("paces a long send through a small queue without dropping anything", async () => {
    const drops: number[] = [];
    const small = new LinkManager(a, { onFrame: () => {}, onDrop: (_reason, count) => drops.push(count) }, { maxQueue: 4 });
    const link = await small.connect(b.peerId.toString());
    const before = receivedByB.length;
    const sent = await link.sendPaced(Array.from({ length: 50 }, (_, i) => ack(i)));
    expect(sent).toBe(50);
    await waitFor(() => receivedByB.length === before + 50);
    expect(drops).toEqual([]);
    link.close();
  });

  it("skips an invalid but well-delimited frame and keeps the link", async () => {
    const stream = await a.dialProtocol(b.getMultiaddrs(), LINK_PROTOCOL);
    const batch = encodeBatch([ack(1), { type: "voucher", ticket: { payer: new Uint8Array(20), epoch: 1n, cumulative: 1n, index: 0n, challenge: new Uint8Array(32), signature: new Uint8Array(65) } }, ack(2)]);
    // Corrupt the voucher's challenge (a voucher's challenge must be zero): a content error, not a framing error.
    const voucherStart = 2 + 34;
    batch[voucherStart + 2 + 20 + 8 + 16 + 8] = 0x55;
    const before = receivedByB.length;
    stream.send(batch);
    await waitFor(() => receivedByB.length === before + 2);
    expect(badFrames.length).toBe(1);
    expect(stream.status).toBe("open");
  });

  it("aborts a stream that breaks framing, and reports it", async () => {
    const stream = await a.dialProtocol(b.getMultiaddrs(), LINK_PROTOCOL);
    stream.send(Uint8Array.of(0, 1, 9, 9, 1, 2, 3));
    await waitFor(() => framingErrors.length > 0);
    expect(framingErrors[0]).toBe("UnsupportedVersionError");
    await waitFor(() => stream.status !== "open");
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 5));
  }
}
