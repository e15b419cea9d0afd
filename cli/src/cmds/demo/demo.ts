import type { Command } from "../../command.ts";
import { formatSummary } from "../../demo/printSummary.ts";
import { runDemo } from "../../demo/runDemo.ts";
import { parseIntFlag, stringFlag } from "../../options/parse.ts";

export const demo: Command = {
  path: ["demo"],
  summary: "Run a whole Sotto network on an embedded chain end to end, and check every balance",
  usage: "[--messages 100] [--relays 5] [--mixing-ms 1] [--concurrency 8] [--json]",
  options: { messages: { type: "string" }, relays: { type: "string" }, "mixing-ms": { type: "string" }, concurrency: { type: "string" }, json: { type: "boolean" } },
  descriptions: {
    messages: "messages to send, half to an online and half to an offline recipient (default 100)",
    relays: "relays to stake, register and run as processes (default 5, at least 3)",
    "mixing-ms": "mean per-hop mixing delay in ms (default 1)",
    concurrency: "messages in flight at once (default 8)",
    json: "print the summary as JSON instead of tables",
  },
  examples: ["npm run demo", "npm run demo -- --messages 20 --relays 3"],
  run: async ({ values, io }) => {
    const messages = parseIntFlag(stringFlag(values, "messages") ?? "100", "messages", 2, 100_000);
    const relays = parseIntFlag(stringFlag(values, "relays") ?? "5", "relays", 3, 8);
    const mixingMs = parseIntFlag(stringFlag(values, "mixing-ms") ?? "1", "mixing-ms", 0, 1_000);
    const concurrency = parseIntFlag(stringFlag(values, "concurrency") ?? "8", "concurrency", 1, 256);
    const started = Date.now();
    const summary = await runDemo({
      messages,
      relays,
      mixingMs,
      concurrency,
      progress: (line) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`),
    });
    io.stdout(values.json ? `${JSON.stringify(summary, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v), 2)}\n` : formatSummary(summary));
    return summary.ok ? 0 : 1;
  },
};
