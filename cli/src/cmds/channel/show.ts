import type { Command } from "../../command.ts";
import { parseAddress, stringFlag } from "../../options/parse.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

export const channelShow: Command = {
  path: ["channel", "show"],
  summary: "Show this client's channels: on-chain balance and settled, ledger (confirmed, spendable, next index)",
  usage: "[--relay <node>] [--discover] [--dir <dir>]",
  options: { ...dirOption, relay: { type: "string" }, discover: { type: "boolean" } },
  descriptions: { ...dirDescription, relay: "only the channel to this relay", discover: "also look on chain for channels opened by this wallet elsewhere" },
  run: async ({ values, io }) => {
    const relayFlag = stringFlag(values, "relay");
    const relay = relayFlag === undefined ? undefined : parseAddress(relayFlag, "relay");
    const opened = await openClient(values, io);
    try {
      const channels = relay ? [await opened.client.getChannel({ relay })] : await opened.client.getChannels({ discover: values.discover === true });
      io.stdout(json({ wallet: opened.client.account, channels }));
    } finally {
      await opened.close();
    }
  },
};
