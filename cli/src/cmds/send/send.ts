import { readFileSync } from "node:fs";
import type { SendProgress } from "#client";
import type { Command } from "../../command.ts";
import { UsageError, UserError } from "../../errors.ts";
import { parseIntFlag, requireFlag, stringFlag } from "../../options/parse.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

export const send: Command = {
  path: ["send"],
  summary: "Send a message to a sotto1… address and wait for its delivery receipt",
  usage: "--to <address> <message…> | --to <address> --file <path> | --to <address> - (stdin)",
  positionals: true,
  options: {
    ...dirOption,
    to: { type: "string" },
    file: { type: "string" },
    "no-wait": { type: "boolean" },
    "no-reply-path": { type: "boolean" },
    "auto-top-up": { type: "boolean" },
    timeout: { type: "string" },
  },
  descriptions: {
    ...dirDescription,
    to: "the recipient's sotto1… address",
    file: "send this file's bytes",
    "no-wait": "return once the relays took the message, without waiting for the receipt (offline recipients)",
    "no-reply-path": "do not attach this client's address for replies",
    "auto-top-up": "fund the entry channel if it cannot pay for the message",
    timeout: "seconds to wait for each fragment's receipt before trying again (default 30)",
  },
  examples: ["sotto send --to sotto1… 'hello there'", "sotto send --to sotto1… --file ./note.txt", "echo hi | sotto send --to sotto1… -"],
  run: async ({ values, positionals, io }) => {
    const to = requireFlag(values, "to", "the recipient's sotto1… address");
    if (!to.startsWith("sotto1")) throw new UsageError(`--to must be a sotto1… address, got ${JSON.stringify(to.slice(0, 20))}`);
    const file = stringFlag(values, "file");
    let message: Uint8Array;
    if (file !== undefined) {
      if (positionals.length > 0) throw new UsageError("give the message either as arguments or with --file, not both");
      try {
        message = new Uint8Array(readFileSync(file));
      } catch (error) {
        throw new UserError(`cannot read --file ${file}: ${(error as Error).message}`);
      }
    } else if (positionals.length === 1 && positionals[0] === "-") {
      message = new TextEncoder().encode(await io.readStdin());
    } else if (positionals.length > 0) {
      message = new TextEncoder().encode(positionals.join(" "));
    } else {
      throw new UsageError("no message: give it as arguments, with --file, or `-` for stdin");
    }
    const timeout = values.timeout === undefined ? undefined : parseIntFlag(stringFlag(values, "timeout")!, "timeout", 1, 3600) * 1000;
    const opened = await openClient(values, io);
    try {
      const progress = (event: SendProgress) => {
        switch (event.type) {
          case "route":
            io.stderr(`route: ${event.route.map((r) => `${r.node} (fee ${r.fee})`).join(" → ")} → the recipient's relays; ${event.fragments} packet(s) of fee ${event.fee}\n`);
            return;
          case "topUp":
            io.stderr(`topping up the channel to ${event.relay} with ${event.amount} (waiting for the chain)…\n`);
            return;
          case "sent":
            io.stderr(`sent fragment ${event.fragment + 1}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}…\n`);
            return;
          case "accepted":
            io.stderr(`fragment ${event.fragment + 1} taken by the relays\n`);
            return;
          case "delivered":
            io.stderr(`fragment ${event.fragment + 1} delivered (receipt checked)\n`);
            return;
          case "retry":
            io.stderr(`fragment ${event.fragment + 1}: ${event.reason}; trying again\n`);
            return;
        }
      };
      const waitForReceipt = values["no-wait"] !== true;
      io.stderr(waitForReceipt ? "sending (waiting for the delivery receipt)…\n" : "sending…\n");
      const result = await opened.client.send(to, message, {
        waitForReceipt,
        replyPath: values["no-reply-path"] === true ? false : undefined,
        autoTopUp: values["auto-top-up"] === true ? true : undefined,
        receiptTimeoutMs: timeout,
        onProgress: progress,
      });
      io.stdout(json(result));
    } finally {
      await opened.close();
    }
  },
};
