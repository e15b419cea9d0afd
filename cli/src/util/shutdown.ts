import type { Readable } from "node:stream";

/** The flag of long-running commands that a supervisor may start with a pipe on their stdin (see `onShutdown`). */
export const stopOnStdinCloseOption = { "stop-on-stdin-close": { type: "boolean" } } as const;

/** `--stop-on-stdin-close`'s help text; `what` is what stops ("the relay", "the API"). */
export function stopOnStdinCloseDescription(what: string): { "stop-on-stdin-close": string } {
  return { "stop-on-stdin-close": `also stop gracefully when stdin reaches its end: a supervisor that keeps a pipe open on it takes ${what} down with it, even when killed` };
}

/** `onShutdown`'s options for the parsed flags: stdin is watched only with `--stop-on-stdin-close`. */
export function shutdownTriggers(values: { "stop-on-stdin-close"?: unknown }): { stdin?: Readable } {
  return values["stop-on-stdin-close"] === true ? { stdin: process.stdin } : {};
}

/**
 * Runs `stop` once on SIGINT/SIGTERM, or when `stdin` (if given) reaches its end; a second signal forces exit
 * (Lodestar's pattern). Returns a promise that resolves when the process should exit.
 *
 * The stdin trigger is for supervisors that start the process with a pipe on its stdin and keep it open:
 * when the supervisor dies, however it dies (SIGKILL included), the OS closes the pipe and the process stops
 * gracefully instead of running on as an orphan.
 */
export function onShutdown(stop: () => Promise<void>, log: (message: string) => void, options: { stdin?: Readable } = {}): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const shutDown = (why: string, force: string) => {
      stopping = true;
      log(`${why}: shutting down gracefully (${force})`);
      stop()
        .catch((error: unknown) => log(`shutdown error: ${(error as Error).message}`))
        .finally(() => {
          // A stdin still being read would keep the event loop, and so the process, alive.
          options.stdin?.destroy();
          resolve();
        });
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`received ${signal} during shutdown: exiting now`);
        process.exit(1);
      }
      shutDown(`received ${signal}`, "send it again to force");
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const { stdin } = options;
    if (stdin) {
      const closed = () => {
        if (!stopping) shutDown("stdin closed", "send SIGINT or SIGTERM to force");
      };
      // Whatever arrives on stdin is read and dropped: only its end matters.
      stdin.on("data", () => {});
      stdin.once("end", closed);
      stdin.once("error", closed);
      stdin.resume();
    }
  });
}
