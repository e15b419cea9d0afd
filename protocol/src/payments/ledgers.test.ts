import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { acceptIncomingTicket, checkIncomingTicket, newIncomingChannel, recordResponse, redeemableValue } from "./payeeLedger.ts";
import { confirmAmount, issueTicket, issueVoucher, newOutgoingChannel } from "./payerLedger.ts";

const C = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const chain = { epoch: 3n, open: true, balance: 1_000n, settled: 0n };

describe("payee ledger", () => {
  it("accepts a well-formed first ticket and rejects each broken field with its reason", () => {
    const ch = newIncomingChannel(chain);
    const good = { epoch: 3n, cumulative: 3n, index: 0n, challenge: C(1) };
    const expected = { challenge: C(1), amountIn: 3n };
    expect(checkIncomingTicket(ch, good, expected, 10n)).toEqual({ ok: true });
    const reason = (t: typeof good, c = ch) => {
      const r = checkIncomingTicket(c, t, expected, 10n);
      return r.ok ? "ok" : r.reason;
    };
    expect(reason({ ...good, epoch: 2n })).toBe("wrong_epoch");
    expect(reason(good, { ...ch, open: false })).toBe("channel_not_open");
    expect(reason({ ...good, challenge: C(2) })).toBe("challenge_mismatch");
    expect(reason({ ...good, cumulative: 2n })).toBe("amount_short");
    expect(reason({ ...good, cumulative: 2_000n })).toBe("insufficient_balance");
    const after = acceptIncomingTicket(ch, good, 3n);
    expect(reason(good, after)).toBe("stale_index");
    const moved = acceptIncomingTicket(ch, { ...good, cumulative: 13n }, 3n);
    expect(reason({ ...good, index: 5n }, moved)).toBe("cumulative_backwards");
  });

  it("stops serving a payer that does not include revealed value beyond the credit window", () => {
    let ch = newIncomingChannel(chain);
    // 5 packets of 3 acked and revealed, payer keeps signing base 0.
    for (let i = 0; i < 5; i++) {
      const t = { epoch: 3n, cumulative: 3n, index: BigInt(i), challenge: C(i) };
      const r = checkIncomingTicket(ch, t, { challenge: C(i), amountIn: 3n }, 10n);
      if (i < 4) expect(r.ok).toBe(true);
      else expect(r).toMatchObject({ ok: false, reason: "payer_behind" });
      if (!r.ok) break;
      ch = recordResponse(acceptIncomingTicket(ch, t, 3n), t.cumulative, 3n);
    }
    expect(redeemableValue(ch)).toBe(3n);
  });

  it("property: an honest payer and payee never disagree, and redeemable value equals acked value", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ amount: fc.bigInt({ min: 1n, max: 9n }), acked: fc.boolean() }), { maxLength: 60 }), (packets) => {
        let payer = newOutgoingChannel({ ...chain, balance: 10_000n });
        let payee = newIncomingChannel({ ...chain, balance: 10_000n });
        let ackedValue = 0n;
        packets.forEach((p, i) => {
          const issued = issueTicket(payer, p.amount, C(i));
          expect(issued.ok).toBe(true);
          if (!issued.ok) return;
          payer = issued.channel;
          const check = checkIncomingTicket(payee, issued.ticket, { challenge: C(i), amountIn: p.amount }, 0n);
          expect(check).toEqual({ ok: true });
          payee = acceptIncomingTicket(payee, issued.ticket, p.amount);
          if (p.acked) {
            payee = recordResponse(payee, issued.ticket.cumulative, p.amount);
            payer = confirmAmount(payer, p.amount);
            ackedValue += p.amount;
          }
        });
        // Acks arrive before the next ticket: the best redeemable ticket pays exactly what was acked.
        expect(redeemableValue(payee)).toBe(ackedValue);
        const voucher = issueVoucher(payer).ticket;
        expect(voucher.cumulative).toBe(ackedValue);
      }),
      { numRuns: 300 },
    );
  });
});

describe("payer ledger", () => {
  it("refuses to sign beyond the channel's funds and counts indexes up", () => {
    let ch = newOutgoingChannel({ ...chain, balance: 5n });
    const a = issueTicket(ch, 3n, C(1));
    expect(a.ok && a.ticket).toMatchObject({ cumulative: 3n, index: 0n });
    if (!a.ok) return;
    ch = confirmAmount(a.channel, 3n);
    expect(issueTicket(ch, 3n, C(2))).toMatchObject({ ok: false, reason: "outgoing_channel_exhausted" });
    const b = issueTicket(ch, 2n, C(3));
    expect(b.ok && b.ticket).toMatchObject({ cumulative: 5n, index: 1n });
  });
});
