import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/**
 * The process-wide structured logger. JSON lines on stderr, so stdout stays free for command output.
 * `component` scopes every line, as js-libp2p's `logger.forComponent` does.
 */
export function createLogger(options: { level?: LevelWithSilent; name?: string } = {}): Logger {
  return pino(
    { level: options.level ?? "info", name: options.name ?? "sotto", base: { pid: process.pid } },
    pino.destination({ dest: 2, sync: false }),
  );
}

export const silentLogger: Logger = pino({ level: "silent" });
