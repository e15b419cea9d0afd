import { loadRelayConfig } from "#relay";
import type { Command } from "../../command.ts";
import { requireFlag } from "../../options/parse.ts";
import { callAdmin } from "../../util/adminClient.ts";

export const relayStatus: Command = {
  path: ["relay", "status"],
  summary: "Show a running relay's status, channels, tickets and mailbox (admin API)",
  usage: "--config <relay.json>",
  options: { config: { type: "string", short: "c" } },
  descriptions: { config: "relay config file (for the admin API address and token)" },
  run: async ({ values, io }) => {
    const config = loadRelayConfig(requireFlag(values, "config", "the relay config file"));
    const [status, channels, tickets, mailbox] = await Promise.all(["/v1/status", "/v1/channels", "/v1/tickets", "/v1/mailbox"].map((p) => callAdmin(config, p)));
    io.stdout(`${JSON.stringify({ status, channels, tickets, mailbox }, null, 2)}\n`);
  },
};
