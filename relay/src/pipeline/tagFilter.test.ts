import { randomBytes } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Store } from "../store/store.ts";
import { ReplayCache } from "./replayCache.ts";
import { TagFilter } from "./tagFilter.ts";
import { tempDirs } from "../../../test/support/tempDirs.ts";

const tempDir = tempDirs("replay");
const tag = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe("TagFilter (Bloom filter of replay tags)", () => {
  it("never forgets a tag, across layers (property)", () => {
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 400 }), fc.array(tag, { maxLength: 50 }), (added, others) => {
        const filter = new TagFilter({ initialCapacity: 32 }); // grows to several layers within 400 tags
        for (const t of added) filter.add(t);
        expect(filter.size).toBe(added.length);
        for (const t of added) expect(filter.mightContain(t)).toBe(true);
        // Anything else may be a false positive, but an empty filter holds nothing.
        if (added.length === 0) for (const t of others) expect(filter.mightContain(t)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("reports under 2 % of new tags as possibly present, also after growing past its first layer", () => {
    const filter = new TagFilter({ initialCapacity: 10_000 });
    for (let i = 0; i < 30_000; i++) filter.add(randomBytes(16)); // layers of 10k, 20k: the second not full
    let positives = 0;
    const trials = 50_000;
    for (let i = 0; i < trials; i++) if (filter.mightContain(randomBytes(16))) positives++;
    expect(positives / trials).toBeLessThan(0.02);
    expect(filter.bytes).toBe(((10_000 + 20_000) * 10) / 8);
  });

  it("stays within its memory bound: beyond it, it holds nothing and answers 'possibly' for every tag", () => {
    const filter = new TagFilter({ initialCapacity: 1_024, maxBytes: 4_000 }); // layers of 1,280 and 2,560 bytes fit, not 5,120 more
    const tags = Array.from({ length: 3_073 }, () => randomBytes(16));
    for (const t of tags.slice(0, 3_072)) filter.add(t);
    expect(filter.overflowed).toBe(false);
    expect(filter.bytes).toBe(3_840);
    filter.add(tags[3_072]!); // the 3,073rd tag would need a third layer
    filter.add(randomBytes(16));
    expect(filter.overflowed).toBe(true);
    expect(filter.bytes).toBe(0);
    expect(filter.size).toBe(3_072); // what it held when it overflowed
    for (const t of [...tags, randomBytes(16)]) expect(filter.mightContain(t)).toBe(true);
  });

  it("refuses a tag too short to hash", () => {
    expect(() => new TagFilter().add(new Uint8Array(7))).toThrow(/at least 8 bytes/);
  });
});

describe("ReplayCache with the filter (a real store on disk)", () => {
  it("checks a new tag without reading the store; a stored tag is a replay, also after a restart", async () => {
    const path = join(tempDir(), "relay.db");
    const store = new Store(path);
    let reads = 0;
    const has = store.hasReplayTag.bind(store);
    store.hasReplayTag = (t) => (reads++, has(t));

    const cache = new ReplayCache(store);
    expect(await cache.load()).toBe(0);
    const tags = Array.from({ length: 200 }, () => randomBytes(16));
    for (const t of tags) {
      const check = cache.check(t, 0);
      expect(check.replay).toBe(false);
      if (check.replay) continue;
      // A copy arriving before the commit is caught in memory.
      expect(cache.check(t, 0).replay).toBe(true);
      await store.commit(check.write);
      check.release();
    }
    expect(reads).toBeLessThan(10); // false positives only (~0.8 %)
    for (const t of tags) expect(cache.check(t, 0).replay).toBe(true);
    expect(cache.stored).toMatchObject({ tags: 200, loaded: true });
    store.close();

    // A restart: until the filter is filled, tags are looked up in the store; then it holds every stored tag,
    // read a page per turn of the event loop.
    const reopened = new Store(path);
    const after = new ReplayCache(reopened);
    expect(after.stored).toMatchObject({ tags: 0, loaded: false });
    for (const t of tags.slice(0, 10)) expect(after.check(t, 0).replay).toBe(true);
    const loading = after.load({ pageSize: 64 });
    const written = after.check(randomBytes(16), 0); // a packet accepted while the filter fills
    if (written.replay) throw new Error("a fresh tag was taken for a replay");
    await reopened.commit(written.write);
    expect(await loading).toBeGreaterThanOrEqual(200);
    expect(after.stored.loaded).toBe(true);
    for (const t of tags) expect(after.check(t, 0).replay).toBe(true);
    written.release();
    expect(after.check(randomBytes(16), 0).replay).toBe(false);
    reopened.close();
  });

  it("after the filter overflows, reads the store for every tag and still catches replays", async () => {
    const store = new Store(join(tempDir(), "relay.db"));
    let overflows = 0;
    const cache = new ReplayCache(store, { filter: new TagFilter({ initialCapacity: 32, maxBytes: 40 }), onOverflow: () => overflows++ });
    await cache.load();
    const tags = Array.from({ length: 100 }, () => randomBytes(16));
    for (const t of tags) {
      const check = cache.check(t, 0);
      if (check.replay) throw new Error("a fresh tag was taken for a replay");
      await store.commit(check.write);
      check.release();
    }
    expect(cache.stored).toMatchObject({ overflowed: true, filterBytes: 0, tags: 32 });
    expect(overflows).toBe(1);
    for (const t of tags) expect(cache.check(t, 0).replay).toBe(true);
    expect(cache.check(randomBytes(16), 0).replay).toBe(false);
    store.close();
  });
});
