import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RELAY_NODE_FLAGS } from "../runtime/heapFlags.ts";
import { SlotMap } from "./slotMap.ts";

type Key = number | string;
type Op =
  | { op: "set" | "setLast"; key: Key; value: number }
  | { op: "delete" | "take"; key: Key }
  | { op: "clear" | "first" | "shift" };

/** Keys: small integers, large and negative numbers, and hex strings, with repeats; enough of them to grow the buckets. */
const KEYS: Key[] = [
  ...Array.from({ length: 150 }, (_, i) => i),
  2 ** 40 + 1,
  -3,
  0.5,
  ...Array.from({ length: 150 }, (_, i) => `0x${(i * 2654435761).toString(16).padStart(64, "0")}`),
];
// Half the time one of a few keys, so that sets, deletes and takes often find the key already there.
const key = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: KEYS.length - 1 })).map((i) => KEYS[i]!);
const ops = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constantFrom("set" as const, "setLast" as const), key, value: fc.integer() }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constantFrom("delete" as const, "take" as const), key }) },
    { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
    { weight: 2, arbitrary: fc.constantFrom({ op: "first" as const }, { op: "shift" as const }) },
  ),
  // Long enough sequences to grow (and rehash) the buckets.
  { maxLength: 600, size: "max" },
);

/**
 * Old-generation bytes that stay behind per insertion into a map of `kind`, in a fresh process with the relay's
 * heap flags: 40 entries live at a time, as with packets in flight, after a major GC has moved the map to the
 * old generation. Keys are integers with 1,624-byte values, or 66-character hex strings (as the relay's
 * challenges and replay tags) with small-integer values.
 */
function oldSpacePerInsertion(kind: "Map" | "SlotMap", keys: "integers" | "hex"): number {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { SlotMap } from ${JSON.stringify(new URL("./slotMap.ts", import.meta.url).href)};
    const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space").space_used_size;
    const map = ${kind === "Map" ? "new Map()" : "new SlotMap()"};
    const key = ${keys === "hex" ? '(i) => "0x" + i.toString(16).padStart(64, "0")' : "(i) => i"};
    const value = ${keys === "hex" ? "(i) => i" : "(i) => new Array(200).fill(i)"};
    for (let i = 0; i < 40; i++) map.set(key(i), value(i));
    globalThis.gc();
    const before = oldSpace();
    for (let i = 40; i < 100_040; i++) {
      map.set(key(i), value(i));
      map.delete(key(i - 40));
    }
    console.log((oldSpace() - before) / 100_000);`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return Number(execFileSync(process.execPath, [...RELAY_NODE_FLAGS, "--expose-gc", "--input-type=module", "-e", script], { env, encoding: "utf8" }));
}

describe("SlotMap", () => {
  it("behaves like a Map: same values, sizes and insertion order after any sequence of operations (setLast as delete + set, take as get + delete, first and shift as the Map's first entry, shift then deleting it)", () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const expected = new Map<Key, number>();
        const actual = new SlotMap<Key, number>();
        for (const step of sequence) {
          if (step.op === "set") expect(actual.set(step.key, step.value)).toBe(actual), expected.set(step.key, step.value);
          else if (step.op === "setLast") {
            // The model of "moves to the end": a Map's delete, then set.
            expect(actual.setLast(step.key, step.value)).toBe(actual);
            expected.delete(step.key);
            expected.set(step.key, step.value);
          } else if (step.op === "delete") expect(actual.delete(step.key)).toBe(expected.delete(step.key));
          else if (step.op === "take") {
            expect(actual.take(step.key)).toBe(expected.get(step.key));
            expected.delete(step.key);
          } else if (step.op === "first") expect(actual.first()).toEqual([...expected].at(0));
          else if (step.op === "shift") {
            const oldest = [...expected].at(0);
            expect(actual.shift()).toEqual(oldest);
            if (oldest) expected.delete(oldest[0]);
          } else actual.clear(), expected.clear();
          expect(actual.size).toBe(expected.size);
        }
        expect([...actual]).toEqual([...expected]);
        expect([...actual.keys()]).toEqual([...expected.keys()]);
        expect([...actual.values()]).toEqual([...expected.values()]);
        for (const k of KEYS) {
          expect(actual.get(k)).toBe(expected.get(k));
          expect(actual.has(k)).toBe(expected.has(k));
        }
      }),
    );
  });

  it("tolerates deleting the current entry while iterating, as a Map does", () => {
    const map = new SlotMap<string, number>();
    for (let i = 0; i < 10; i++) map.set(`k${i}`, i);
    const seen: number[] = [];
    for (const [key, value] of map) {
      seen.push(value);
      map.delete(key);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(map.size).toBe(0);
  });

  it("tolerates deleting other entries while iterating, as a Map does", () => {
    const map = new SlotMap<number, number>();
    const reference = new Map<number, number>();
    for (let i = 0; i < 300; i++) map.set(i, i), reference.set(i, i);
    const visit = (m: { delete(k: number): boolean } & Iterable<[number, number]>) => {
      const seen: number[] = [];
      for (const [key] of m) {
        seen.push(key);
        m.delete(key + 1); // the next one
        if (key % 7 === 0) m.delete(key); // and sometimes the current one
        m.delete(299 - key); // and one far ahead
      }
      return seen;
    };
    expect(visit(map)).toEqual(visit(reference));
    expect([...map]).toEqual([...reference]);
  });

  it("leaves nothing of deleted entries in the old generation once it has been through a major GC, where a Map does", () => {
    // The controls: on this V8, a Map's replaced hash tables keep their entries (keys and values) alive, and
    // the tables themselves. If a future V8 stops doing that, these fail and the SlotMap can go.
    expect(oldSpacePerInsertion("Map", "integers")).toBeGreaterThan(250);
    expect(oldSpacePerInsertion("Map", "hex")).toBeGreaterThan(40);
    expect(oldSpacePerInsertion("SlotMap", "integers")).toBeLessThan(5);
    expect(oldSpacePerInsertion("SlotMap", "hex")).toBeLessThan(5);
  }, 60_000);
});
