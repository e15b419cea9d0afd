import type { Libp2p } from "libp2p";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost } from "./createHost.ts";
import { LINK_PROTOCOL } from "./link.ts";
import { LinkManager } from "./linkManager.ts";

// Two real libp2p hosts over TCP loopback.
describe("LinkManager over TCP", () => {
  let a: Libp2p;
  let b: Libp2p;
  let linksA: LinkManager;
  let linksB: LinkManager;
  const receivedByB: Uint8Array[] = [];
  const receivedByA: Uint8Array[] = [];
  const framingErrors: string[] = [];

  beforeAll(async () => {
    a = await createHost({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    b = await createHost({ listen: ["/ip4/127.0.0.1/tcp/0"] });
    linksA = new LinkManager(a, { onMessage: (m) => receivedByA.push(m.slice()) }, { maxQueue: 10_000 });
    linksB = new LinkManager(
      b,
      {
        onMessage: (m, link) => {
          receivedByB.push(m.slice());
          if (m[0] === 0xee) link.send(Uint8Array.of(0xaa, m[1]!));
        },
        onFramingError: (reason) => framingErrors.push(reason),
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

  it("delivers every message intact and in order, replies on the same stream", async () => {
    const link = await linksA.connect(b.peerId.toString(), b.getMultiaddrs().map(String));
    const n = 5_000;
    for (let i = 0; i < n; i++) {
      const m = new Uint8Array(1 + (i % 1600)).fill(i & 0xff);
      m[0] = i % 7 === 0 ? 0xee : 0x01;
      if (m.length > 1) m[1] = i & 0xff;
      expect(link.send(m)).toBe(true);
    }
    await waitFor(() => receivedByB.length === n);
    receivedByB.forEach((m, i) => expect(m.length).toBe(1 + (i % 1600)));
    await waitFor(() => receivedByA.length === Math.ceil(n / 7));
    expect(receivedByA.every((m) => m[0] === 0xaa)).toBe(true);
    expect(linksA.get(b.peerId.toString())).toBe(link);
  });

  it("bounds the queue: beyond maxQueue, messages are dropped and counted", async () => {
    const drops: number[] = [];
    const small = new LinkManager(a, { onMessage: () => {}, onDrop: (_reason, count) => drops.push(count) }, { maxQueue: 3 });
    const link = await small.connect(b.peerId.toString());
    let accepted = 0;
    // All ten sends happen in one turn, before the queue is flushed.
    for (let i = 0; i < 10; i++) if (link.send(Uint8Array.of(1))) accepted++;
    expect(accepted).toBe(3);
    expect(drops.reduce((x, y) => x + y, 0)).toBe(7);
    link.close();
  });

  it("aborts a stream that sends an oversized frame, and reports it", async () => {
    const stream = await a.dialProtocol(b.getMultiaddrs(), LINK_PROTOCOL);
    stream.send(Uint8Array.of(0xff, 0xff, 1, 2, 3));
    await waitFor(() => framingErrors.length > 0);
    expect(framingErrors).toContain("oversized_message");
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
