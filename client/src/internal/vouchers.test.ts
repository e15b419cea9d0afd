import { describe, expect, it } from "vitest";
import { VoucherAnswers } from "./vouchers.ts";

describe("VoucherAnswers (a relay's answers to vouchers, per link)", () => {
  it("serves waiters on one link first in, first out, and keeps links apart", async () => {
    const answers = new VoucherAnswers();
    const first = answers.expect("peerA", 1_000);
    const second = answers.expect("peerA", 1_000);
    const other = answers.expect("peerB", 1_000);
    expect(answers.answer("peerA", "stored")).toBe(true);
    expect(answers.answer("peerA", "refused")).toBe(true);
    expect(answers.answer("peerB", "stored")).toBe(true);
    expect(await Promise.all([first, second, other])).toEqual(["stored", "refused", "stored"]);
  });

  it("an answer nobody waits for is reported; a waiter without an answer gives up after its timeout and is not served later", async () => {
    const answers = new VoucherAnswers();
    expect(answers.answer("peerA", "stored")).toBe(false);
    expect(await answers.expect("peerA", 10)).toBe("unanswered");
    expect(answers.answer("peerA", "stored")).toBe(false);
  });
});
