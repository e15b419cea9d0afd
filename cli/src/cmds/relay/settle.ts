import { loadRelayConfig } from "#relay";
import type { Command } from "../../command.ts";
import { requireFlag } from "../../options/parse.ts";
import { callAdmin } from "../../util/adminClient.ts";

export const relaySettle: Command = {
  path: ["relay", "settle"],
  summary: "Redeem the relay's best tickets now, in one redeemMany transaction",
  usage: "--config <relay.json>",
  options: { config: { type: "string", short: "c" } },
  descriptions: { config: "relay config file (for the admin API address and token)" },
  run: async ({ values, io }) => {
    const config = loadRelayConfig(requireFlag(values, "config", "the relay config file"));
    io.stderr("settling (waiting for the transaction)…\n");
    io.stdout(`${JSON.stringify(await callAdmin(config, "/v1/settle", {}), null, 2)}\n`);
  },
};
