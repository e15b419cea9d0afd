import { describe, expect, it } from "vitest";
import { GroupCommit } from "./groupCommit.ts";

/** A GroupCommit whose transactions are recorded as the list of write labels they ran. */
function recorder() {
  const transactions: string[][] = [];
  const group = new GroupCommit((writes) => {
    transactions.push([]);
    for (const write of writes) write();
  });
  const submit = (label: string) => group.submit(() => transactions.at(-1)!.push(label));
  return { group, transactions, submit };
}

describe("GroupCommit", () => {
  it("runs the writes of one turn in one transaction and resolves each after it", async () => {
    const { transactions, submit } = recorder();
    await Promise.all([submit("a"), submit("b"), submit("c")]);
    expect(transactions).toEqual([["a", "b", "c"]]);
  });

  it("holds transactions while paused, queueing writes, and commits them together on resume", async () => {
    const { group, transactions, submit } = recorder();
    group.pause();
    let done = 0;
    const first = submit("a").then(() => done++);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = submit("b").then(() => done++);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(transactions).toEqual([]);
    expect(done).toBe(0);
    group.resume();
    await Promise.all([first, second]);
    expect(transactions).toEqual([["a", "b"]]);
  });

  it("commits what is queued on close, even while paused, and refuses writes after", async () => {
    const { group, transactions, submit } = recorder();
    group.pause();
    const late = submit("late");
    group.close();
    await late;
    expect(transactions).toEqual([["late"]]);
    await expect(group.submit(() => undefined)).rejects.toThrow("store is closed");
  });
});
