import { describe, expect, it } from "vitest";
import { runDemo } from "../../cli/src/demo/runDemo.ts";

// A smaller run of the main job (`npm run demo`): real relay processes, real chain, every balance checked.
describe("the demo, small", () => {
  it("delivers every message, gets the reply, and the accounting balances on chain", async () => {
    const lines: string[] = [];
    const summary = await runDemo({ messages: 12, relays: 4, mixingMs: 1, concurrency: 4, progress: (l) => lines.push(l) });
    expect(summary.problems).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.messages).toEqual({ sent: 12, delivered: 12, toOnline: 6, toOffline: 6, receivedOnline: 6, fetchedOffline: 6, replies: 1 });
    // Money only enters the relays from the senders' channels, and all of it is accounted for.
    const kept = summary.chain.relays.reduce((sum, r) => sum + r.net, 0n);
    expect(BigInt(summary.fees.paidBySenders)).toBe(kept);
    expect(kept).toBeGreaterThan(0n);
    for (const sender of summary.chain.senders.values()) expect(sender.deposited).toBe(sender.redeemed + sender.balance);
    expect(summary.chain.transactions.find((t) => t.kind === "redeemMany")!.count).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes("relay-to-relay channels open"))).toBe(true);
  }, 300_000);
});
