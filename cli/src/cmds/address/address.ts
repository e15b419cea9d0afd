import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { parseIntFlag, stringFlag } from "../../options/parse.ts";
import { dirDescription, dirOption, json, openClient } from "../client/context.ts";

export const address: Command = {
  path: ["address"],
  summary: "Create a new sotto1… address for receiving (or print the current one with --current)",
  usage: "[--current] [--expires-in <days>] [--json] [--dir <dir>]",
  options: { ...dirOption, current: { type: "boolean" }, "expires-in": { type: "string" }, json: { type: "boolean" } },
  descriptions: {
    ...dirDescription,
    current: "print the newest unexpired address instead of creating one",
    "expires-in": "validity in days (default 7)",
    json: "print JSON (with the relays and expiry) instead of the bare address",
  },
  examples: ["ADDR=$(sotto address)", "sotto address --current"],
  run: async ({ values, io }) => {
    const days = values["expires-in"] === undefined ? undefined : parseIntFlag(stringFlag(values, "expires-in")!, "expires-in", 1, 365);
    const opened = await openClient(values, io);
    try {
      let created;
      if (values.current) {
        created = (await opened.client.getAddresses()).at(-1);
        if (!created) throw new UserError("no address yet; create one with `sotto address`");
      } else {
        io.stderr("choosing relays for a new address…\n");
        created = await opened.client.address({ expiresInSeconds: days === undefined ? undefined : days * 86_400 });
      }
      io.stdout(values.json ? json({ address: created.address, expiresAt: new Date(Number(created.expiresAt) * 1000).toISOString(), introductionRelay: created.intro, homeRelay: created.home }) : `${created.address}\n`);
    } finally {
      await opened.close();
    }
  },
};
