import type { Command } from "../../command.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

export const inbox: Command = {
  path: ["inbox"],
  summary: "Fetch the messages waiting at this client's home relays (each is acknowledged: the relay gets paid and forgets it)",
  usage: "[--dir <dir>] [--json]",
  options: { ...dirOption, json: { type: "boolean" } },
  descriptions: { ...dirDescription, json: "print a JSON array (with base64 bytes and reply addresses) instead of text" },
  examples: ["sotto inbox", "sotto inbox --json | jq -r '.[].message'"],
  run: async ({ values, io }) => {
    const opened = await openClient(values, io);
    try {
      io.stderr("fetching from the home relays…\n");
      const messages = await opened.client.inbox();
      io.stderr(`${messages.length} message(s)\n`);
      if (values.json) {
        io.stdout(json(messages.map((m) => ({ messageId: m.messageId, from: m.from, message: m.text, messageBase64: Buffer.from(m.message).toString("base64"), replyable: m.replyPath !== undefined, address: m.address, receivedAt: new Date(m.receivedAt).toISOString() }))));
        return;
      }
      for (const m of messages) io.stdout(`--- ${new Date(m.receivedAt).toISOString()} ${m.messageId}${m.from ? `\nreply to: ${m.from}` : ""}\n${m.text}\n`);
    } finally {
      await opened.close();
    }
  },
};
