import type { Command } from "../../command.ts";
import { parseAddress, requireFlag } from "../../options/parse.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

export const channelClose: Command = {
  path: ["channel", "close"],
  summary: "Announce the closure of the channel to a relay; with --finalize, recover its balance after the notice period",
  usage: "--relay <node> [--finalize] [--dir <dir>]",
  options: { ...dirOption, relay: { type: "string" }, finalize: { type: "boolean" } },
  descriptions: { ...dirDescription, relay: "the relay's node address", finalize: "end a closing channel whose notice period is over: the balance comes back" },
  examples: ["sotto channel close --relay 0x…", "sotto channel close --relay 0x… --finalize"],
  run: async ({ values, io }) => {
    const relay = parseAddress(requireFlag(values, "relay", "the relay whose channel to close"), "relay");
    const opened = await openClient(values, io);
    try {
      if (values.finalize) {
        io.stderr(`finalizing the close of the channel to ${relay} (waiting for the chain)…\n`);
        const result = await opened.client.finalizeClose({ relay });
        io.stdout(json({ relay, refund: result.refund, transaction: result.transactionHash, channel: result.channel }));
        return;
      }
      io.stderr(`announcing the close of the channel to ${relay} (waiting for the chain)…\n`);
      const result = await opened.client.closeChannel({ relay });
      io.stdout(
        json({
          relay,
          closesAt: new Date(Number(result.closesAt) * 1000).toISOString(),
          transaction: result.transactionHash,
          next: `sotto channel close --relay ${relay} --finalize   (after ${new Date(Number(result.closesAt) * 1000).toISOString()})`,
        }),
      );
    } finally {
      await opened.close();
    }
  },
};
