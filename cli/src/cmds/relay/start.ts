import { join } from "node:path";
import { ConfigError, KeyFileError, Relay, createLogger, loadKeyFile, loadRelayConfig } from "#relay";
import type { Command } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { requireFlag } from "../../options/parse.ts";
import { onShutdown, shutdownTriggers, stopOnStdinCloseDescription, stopOnStdinCloseOption } from "../../util/shutdown.ts";

export const relayStart: Command = {
  path: ["relay", "start"],
  summary: "Run a relay until SIGINT/SIGTERM (logs are JSON lines on stderr)",
  usage: "--config <relay.json> [--stop-on-stdin-close]",
  options: { config: { type: "string", short: "c" }, ...stopOnStdinCloseOption },
  descriptions: {
    config: "relay config file (from `sotto relay init`); SOTTO_* environment variables override it",
    ...stopOnStdinCloseDescription("the relay"),
  },
  examples: ["sotto relay start --config ./relay1/relay.json", "SOTTO_LOG_LEVEL=debug sotto relay start -c relay.json", "sotto relay start -c relay.json --stop-on-stdin-close"],
  run: async ({ values, io }) => {
    const file = requireFlag(values, "config", "the relay config file");
    let relay: Relay;
    try {
      const config = loadRelayConfig(file);
      const keys = loadKeyFile(join(config.dataDir, "keys.json"));
      const logger = createLogger({ level: config.log.level });
      relay = new Relay({ config, keys, logger });
      await relay.start();
    } catch (error) {
      if (error instanceof ConfigError || error instanceof KeyFileError) throw new UserError(error.message);
      if ((error as Error).name === "RelayStartError") throw new UserError((error as Error).message);
      throw error;
    }
    // One machine-readable line on stdout when ready, for supervisors and tests.
    io.stdout(`${JSON.stringify({ ready: true, node: relay.address, peerId: relay.peerId, addrs: relay.host.getMultiaddrs().map(String), api: relay.apiUrl })}\n`);
    await onShutdown(() => relay.stop(), (message) => relay.logger.info(message), shutdownTriggers(values));
    return 0;
  },
};
