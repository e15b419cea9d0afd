import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { parseAddress, parseAmount, requireFlag } from "../../options/parse.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

function fundCommand(name: "open" | "fund"): Command {
  return {
    path: ["channel", name],
    summary: name === "open" ? "Open a payment channel to a relay (approve or ERC-2612 permit, then fund)" : "Add funds to the channel to a relay",
    usage: "--relay <node> --amount <n> [--permit] [--dir <dir>]",
    options: { ...dirOption, relay: { type: "string" }, amount: { type: "string" }, permit: { type: "boolean" } },
    descriptions: {
      ...dirDescription,
      relay: "the relay's node address (see `sotto relays`)",
      amount: "token base units to put in",
      permit: "sign an ERC-2612 permit instead of sending an approve transaction",
    },
    examples: [`sotto channel ${name} --relay 0x… --amount 1000`],
    run: async ({ values, io }) => {
      const relay = parseAddress(requireFlag(values, "relay", "the relay to pay"), "relay");
      const amount = parseAmount(requireFlag(values, "amount", "how much to put in"), "amount");
      if (amount === 0n) throw new UserError("--amount must be more than 0");
      const opened = await openClient(values, io);
      try {
        const { client } = opened;
        const before = await client.getChannel({ relay });
        if (name === "open" && before.status === "open") throw new UserError(`the channel to ${relay} is already open (balance ${before.balance}); add to it with \`sotto channel fund\``);
        if (name === "fund" && before.status === "none") throw new UserError(`there is no channel to ${relay} yet; open one with \`sotto channel open\``);
        io.stderr(`${name === "open" ? "opening" : "funding"} the channel to ${relay} with ${amount} (waiting for the chain)…\n`);
        const result = await client.fundChannel({ relay, amount, permit: values.permit === true });
        io.stdout(json({ ...result.channel, transaction: result.transactionHash, gasUsed: result.gasUsed }));
      } finally {
        await opened.close();
      }
    },
  };
}

export const channelOpen = fundCommand("open");
export const channelFund = fundCommand("fund");
