import type { DemoSummary } from "./runDemo.ts";

const table = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ") + (i === 0 ? `\n${widths.map((w) => "─".repeat(w)).join("  ")}` : "")).join("\n");
};

/** The demo's final report, for people. */
export function formatSummary(s: DemoSummary): string {
  const m = s.messages;
  const lines = [
    "",
    "Sotto demo — summary",
    "",
    table([
      ["messages", "value"],
      ["sent", String(m.sent)],
      ["delivered (receipt verified)", String(m.delivered)],
      ["received live by bob", `${m.receivedOnline} / ${m.toOnline}`],
      ["fetched from mailbox by carol", `${m.fetchedOffline} / ${m.toOffline}`],
      ["replies received by alice", String(m.replies)],
      ["send → receipt p50 (online)", `${s.latencyMs.p50.toFixed(1)} ms`],
      ["send → receipt p99 (online)", `${s.latencyMs.p99.toFixed(1)} ms`],
      ["send → receipt p50 (offline)", `${(s.offlineDeliveryMs.p50 / 1000).toFixed(1)} s`],
      ["fee per message (sender)", s.fees.perMessage],
    ]),
    "",
    table([
      ["relay", "fee/packet", "received", "paid on", "kept (net)", "settlements"],
      ...s.chain.relays.map((r, i) => [`relay ${i + 1} ${r.node.slice(0, 10)}…`, s.fees.perHop[i]!.fee, String(r.received), String(r.paidOut), String(r.net), String(r.settlements)]),
    ]),
    "",
    table([
      ["on-chain transactions", "count", "gas"],
      ...s.chain.transactions.map((t) => [t.kind, String(t.count), t.gas.toLocaleString("en-US")]),
      ["settlement gas per message", "", s.gasPerMessage.toFixed(0)],
    ]),
    "",
    table([
      ["sender", "deposited", "redeemed by relays", "left in channel"],
      ...[...s.chain.senders].map(([payer, x]) => [`${payer.slice(0, 12)}…`, String(x.deposited), String(x.redeemed), String(x.balance)]),
    ]),
    "",
    `accounting: senders paid ${s.fees.paidBySenders} = relays kept ${s.chain.relays.reduce((a, r) => a + r.net, 0n)}; deposits = redeemed + left in channels`,
    s.ok ? `OK: nothing lost, every balance adds up (${s.seconds.toFixed(0)} s)` : `FAILED:\n${s.problems.map((p) => `  - ${p}`).join("\n")}`,
    "",
  ];
  return lines.join("\n");
}
