import { describe, expect, it } from "vitest";
import { GroupCommit } from "./groupCommit.ts";

/** A GroupCommit whose transactions are recorded as the list of write labels they ran. */
function recorder(options: { windowMs?: number; deferMs?: number } = {}) {
  const transactions: string[][] = [];
  const group = new GroupCommit((writes) => {
    transactions.push([]);
    for (const write of writes) write();
  }, options);
  const submit = (label: string, deferred = false) => {
    const done = group.submit(() => transactions.at(-1)!.push(label), { deferred });
    return done.then(() => performance.now());
  };
  return { group, transactions, submit };
}

describe("GroupCommit", () => {
  it("runs the writes of one turn in one transaction and resolves each after it", async () => {
    const { transactions, submit } = recorder();
    await Promise.all([submit("a"), submit("b"), submit("c")]);
    expect(transactions).toEqual([["a", "b", "c"]]);
  });

  it("lets deferred writes ride along with the next transaction", async () => {
    const { transactions, submit } = recorder({ deferMs: 10_000 });
    const deferred = submit("reveal", true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(transactions).toEqual([]);
    await Promise.all([submit("accept"), deferred]);
    expect(transactions).toEqual([["reveal", "accept"]]);
  });

  it("commits deferred writes on their own after deferMs", async () => {
    const { transactions, submit } = recorder({ deferMs: 30 });
    const started = performance.now();
    const [first] = await Promise.all([submit("x", true), submit("y", true)]);
    expect(transactions).toEqual([["x", "y"]]);
    expect(first - started).toBeGreaterThanOrEqual(25);
  });

  it("commits a deferred write on the next turn when deferMs is 0", async () => {
    const { transactions, submit } = recorder();
    await submit("x", true);
    expect(transactions).toEqual([["x"]]);
  });

  it("flush() on close commits deferred writes too", async () => {
    const { group, transactions, submit } = recorder({ deferMs: 60_000 });
    const done = submit("late", true);
    group.close();
    await done;
    expect(transactions).toEqual([["late"]]);
    await expect(group.submit(() => undefined)).rejects.toThrow("store is closed");
  });
});
