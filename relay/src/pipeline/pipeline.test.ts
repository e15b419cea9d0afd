import { describe, expect, it } from "vitest";
import { ExpiringMap } from "./expiringMap.ts";
import { HopReliability } from "./hopReliability.ts";
import { cryptoRandom, sampleMixingDelay } from "./mixingDelay.ts";

describe("sampleMixingDelay", () => {
  it("is off at mean 0 and exponential with the configured mean otherwise", () => {
    expect(sampleMixingDelay(0, 100, cryptoRandom)).toBe(0);
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sampleMixingDelay(10, 1e9, cryptoRandom);
    expect(sum / n).toBeGreaterThan(9.3);
    expect(sum / n).toBeLessThan(10.7);
    expect(sampleMixingDelay(10, 25, () => 0.999999)).toBe(25);
  });
});

describe("ExpiringMap", () => {
  it("expires by TTL and evicts the oldest beyond its cap, reporting both", () => {
    const expired: string[] = [];
    const map = new ExpiringMap<string, number>({ ttlMs: 100, maxSize: 2, onExpire: (k) => expired.push(k) });
    map.set("a", 1, 0);
    map.set("b", 2, 50);
    map.set("c", 3, 60);
    expect(expired).toEqual(["a"]);
    expect(map.entries()).toEqual([["b", 2], ["c", 3]]);
    expect(map.get("b", 120)).toBe(2);
    expect(map.get("b", 150)).toBeUndefined();
    expect(map.sweep(1_000)).toBe(1);
    expect(expired).toEqual(["a", "b", "c"]);
  });

  it("sweeps what get would call expired, oldest first, and stops at the first live entry; a refreshed key moves back", () => {
    const expired: string[] = [];
    const map = new ExpiringMap<string, number>({ ttlMs: 100, maxSize: 10, onExpire: (k) => expired.push(k) });
    map.set("a", 1, 0);
    map.set("b", 2, 10);
    map.set("a", 3, 15); // now expires at 115, after b
    map.set("c", 4, 20);
    expect(map.sweep(109)).toBe(0);
    expect(map.sweep(110)).toBe(1); // b's expiry time: get(b, 110) would be undefined too
    expect(expired).toEqual(["b"]);
    expect(map.entries()).toEqual([["a", 3], ["c", 4]]);
    expect(map.sweep(115)).toBe(1);
    expect(expired).toEqual(["b", "a"]);
    expect(map.entries()).toEqual([["c", 4]]);
  });
});

describe("HopReliability", () => {
  it("bans a hop that drops most packets, and lets it back after the cool-down", () => {
    const r = new HopReliability({ minSamples: 10, maxFailureRate: 0.5, coolDownMs: 1_000 });
    for (let i = 0; i < 10; i++) r.record("good", true, 0);
    for (let i = 0; i < 10; i++) r.record("bad", i < 2, 0);
    expect(r.isUnreliable("good", 1)).toBe(false);
    expect(r.isUnreliable("bad", 1)).toBe(true);
    expect(r.isUnreliable("bad", 2_000)).toBe(false);
  });
});
