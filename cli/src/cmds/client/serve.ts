import { createApiServer } from "#client/node";
import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { parseIntFlag, stringFlag } from "../../options/parse.ts";
import { onShutdown, shutdownTriggers, stopOnStdinCloseDescription, stopOnStdinCloseOption } from "../../util/shutdown.ts";
import { dirDescription, dirOption, openClient } from "./context.ts";

export const clientServe: Command = {
  path: ["client", "serve"],
  summary: "Run the client's local HTTP + WebSocket JSON API (bearer token from client.json) until SIGINT/SIGTERM",
  usage: "[--dir <dir>] [--host <addr>] [--port <port>] [--no-listen] [--stop-on-stdin-close]",
  options: { ...dirOption, host: { type: "string" }, port: { type: "string" }, "no-listen": { type: "boolean" }, ...stopOnStdinCloseOption },
  descriptions: {
    ...dirDescription,
    host: "bind address (default api.host in client.json: 127.0.0.1; anything else exposes your wallet's API)",
    port: "port (default api.port in client.json; 0 = any free port)",
    "no-listen": "do not subscribe at the home relays (GET /v1/inbox still fetches)",
    ...stopOnStdinCloseDescription("the API"),
  },
  examples: ["sotto client serve --dir ~/.sotto", "curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:7300/v1/address"],
  run: async ({ values, io }) => {
    const port = values.port === undefined ? undefined : parseIntFlag(stringFlag(values, "port")!, "port", 0, 65535);
    const opened = await openClient(values, io);
    let url: string;
    try {
      io.stderr("starting the local API and subscribing at the home relays…\n");
      const app = await createApiServer({ client: opened.client, token: opened.config.api.token, listen: values["no-listen"] !== true, logger: { warn: (m) => io.stderr(`warning: ${m}\n`), error: (m, _c, e) => io.stderr(`error: ${m}${e instanceof Error ? `: ${e.message}` : ""}\n`) } });
      try {
        url = await app.listen({ host: stringFlag(values, "host") ?? opened.config.api.host, port: port ?? opened.config.api.port });
      } catch (error) {
        throw new UserError(`cannot listen: ${(error as Error).message}; pick another --port`);
      }
      // One machine-readable line on stdout when ready, for supervisors and tests.
      io.stdout(`${JSON.stringify({ ready: true, url, nodeId: opened.client.nodeId, wallet: opened.client.account })}\n`);
      await onShutdown(async () => {
        await app.close();
        await opened.close();
      }, (message) => io.stderr(`${message}\n`), shutdownTriggers(values));
    } catch (error) {
      await opened.close();
      throw error;
    }
    return 0;
  },
};
