import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckpointStats } from "./checkpointer.ts";
import { Store } from "./store.ts";
import { tempDirs } from "../../../test/support/tempDirs.ts";

const tempDir = tempDirs("ckpt");

const bytes = (n: number, len = 32) => {
  const b = new Uint8Array(len);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

describe("background checkpoints", () => {
  it("rewind the WAL under continuous writes, holding the store's commits meanwhile, and lose nothing", async () => {
    const path = join(tempDir(), "relay.db");
    const stats: CheckpointStats[] = [];
    const held: number[] = [];
    const store = new Store(path, { backgroundCheckpoint: { intervalMs: 10, restartFrames: 200 }, onCheckpoint: (s) => stats.push(s), onWritesHeld: (ms) => held.push(ms) });
    const channelId = bytes(7);
    let written = 0;
    const started = Date.now();
    // A few frames per transaction, up to ~5 transactions per ms, for 1.5 s: without rewinds the WAL would
    // hold every frame written.
    while (Date.now() - started < 1_500 || !stats.some((s) => s.rewound)) {
      const index = written++;
      await store.commit(() =>
        store.insertIncomingTicket({ channelId, epoch: 1n, index: BigInt(index), cumulative: BigInt(index), amountIn: 1n, challenge: bytes(index), signature: bytes(index, 65), response: null, receivedAt: index }),
      );
      if (index % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      if (Date.now() - started > 20_000) throw new Error("no checkpoint rewound the WAL within 20 s");
    }
    // A rewound WAL is reused from its start, so the file is as large as the WAL ever got.
    const walPages = statSync(`${path}-wal`).size / 4096;
    store.close();

    expect(stats.filter((s) => s.rewound).length).toBeGreaterThan(0);
    // Every rewind held the commits once, and let them go again (each hold is reported when it ends).
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(stats.filter((s) => s.rewound).length + 1);
    expect(held.every((ms) => ms >= 0 && ms < 1_000)).toBe(true);
    expect(walPages).toBeLessThan(written);
    const reopened = new Store(path);
    expect(reopened.incomingTicketCount()).toBe(written);
    reopened.close();
  });
});
