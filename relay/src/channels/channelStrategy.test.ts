import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import type { ChannelState, RelayRecord } from "#contracts";
import { silentLogger } from "../log.ts";
import { createRelayMetrics } from "../metrics.ts";
import { stakeWeightedOrder } from "#protocol";
import { ChannelStrategy } from "./channelStrategy.ts";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const relay = (n: number, stake: bigint, active = true): RelayRecord => ({
  node: addr(n), operator: addr(100 + n), onionKey: "0x02", peerId: "0x00", multiaddrs: [], fee: 1n, stake, active, unbondingEnds: 0n,
});
const channel = (payee: Address, balance: bigint): ChannelState => ({ channelId: "0x00", payer: addr(1), payee, balance, settled: 0n, epoch: 1n, closesAt: 0n, status: "open" });

function strategy(relays: RelayRecord[], outgoing: ChannelState[], policy: Partial<{ budget: bigint; deposit: bigint; topUpBelow: bigint; maxPeers: number }>, spendable = (_: Address) => 100n) {
  return new ChannelStrategy({
    self: addr(1),
    contracts: { token: addr(0), registry: addr(0), channels: addr(0) },
    publicClient: undefined as never,
    wallet: undefined as never,
    policy: { budget: 1_000n, deposit: 100n, topUpBelow: 20n, maxPeers: 3, ...policy },
    relays: () => relays,
    outgoing: () => outgoing,
    spendable,
    logger: silentLogger,
    metrics: createRelayMetrics({ defaultMetrics: false }),
  });
}

describe("stakeWeightedOrder", () => {
  it("puts heavier stakes first proportionally, and never includes zero stake", () => {
    const items = [{ id: "a", stake: 1n }, { id: "b", stake: 3n }, { id: "z", stake: 0n }];
    let bFirst = 0;
    for (let i = 0; i < 4_000; i++) {
      const order = stakeWeightedOrder(items, Math.random);
      expect(order.map((x) => x.id)).not.toContain("z");
      if (order[0]!.id === "b") bFirst++;
    }
    expect(bFirst / 4_000).toBeGreaterThan(0.7);
    expect(bFirst / 4_000).toBeLessThan(0.8);
  });
});

describe("ChannelStrategy.plan", () => {
  it("opens channels to other active relays only, up to maxPeers and within the budget", () => {
    const relays = [relay(1, 10n), relay(2, 10n), relay(3, 10n), relay(4, 10n, false), relay(5, 10n)];
    const actions = strategy(relays, [], { budget: 250n }).plan();
    expect(actions).toHaveLength(2);
    for (const a of actions) {
      expect(a.kind).toBe("open");
      expect([addr(2), addr(3), addr(5)]).toContain(a.payee);
    }
  });

  it("tops up a channel whose spendable value fell below the threshold, before opening new ones", () => {
    const outgoing = [channel(addr(2), 100n)];
    const actions = strategy([relay(2, 1n), relay(3, 1n)], outgoing, { budget: 300n, maxPeers: 2 }, () => 5n).plan();
    expect(actions[0]).toEqual({ kind: "top_up", payee: addr(2), amount: 100n });
    expect(actions[1]).toMatchObject({ kind: "open", payee: addr(3) });
  });

  it("does nothing with a zero budget", () => {
    expect(strategy([relay(2, 1n)], [], { budget: 0n }).plan()).toEqual([]);
  });

  it("opens a channel a packet asked for first", () => {
    const s = strategy([relay(2, 1_000n), relay(3, 1n)], [], { maxPeers: 1 });
    s.want(addr(3));
    expect(s.plan()).toEqual([{ kind: "open", payee: addr(3), amount: 100n }]);
  });
});
