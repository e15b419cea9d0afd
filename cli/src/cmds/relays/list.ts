import type { Command } from "../../command.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

export const relaysList: Command = {
  path: ["relays"],
  summary: "List the relay directory (RelayRegistry) as a table",
  usage: "[--dir <dir>] [--all] [--json]",
  options: { ...dirOption, all: { type: "boolean" }, json: { type: "boolean" } },
  descriptions: { ...dirDescription, all: "include inactive relays (unstaking or below the minimum stake)", json: "print JSON instead of a table" },
  examples: ["sotto relays", "sotto relays --json | jq '.[].node'"],
  run: async ({ values, io }) => {
    const opened = await openClient(values, io);
    try {
      io.stderr("reading the relay directory…\n");
      const relays = await opened.client.getRelays({ refresh: true, activeOnly: values.all !== true });
      const rows = relays.map((r) => ({ node: r.node, operator: r.operator, fee: r.fee, stake: r.stake, active: r.active, peerId: r.peer, multiaddrs: r.multiaddrs }));
      if (values.json) {
        io.stdout(json(rows));
        return;
      }
      if (rows.length === 0) {
        io.stdout("no relays\n");
        return;
      }
      const table = [["NODE", "OPERATOR", "FEE", "STAKE", "ACTIVE", "ADDRESS"], ...rows.map((r) => [r.node, r.operator, r.fee.toString(), r.stake.toString(), r.active ? "yes" : "no", r.multiaddrs[0] ?? ""])];
      const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
      io.stdout(`${table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ")).join("\n")}\n`);
    } finally {
      await opened.close();
    }
  },
};
