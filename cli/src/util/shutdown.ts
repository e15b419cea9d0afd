/**
 * Runs `stop` on SIGINT/SIGTERM once; a second signal forces exit (Lodestar's pattern). Returns a promise
 * that resolves when the process should exit.
 */
export function onShutdown(stop: () => Promise<void>, log: (message: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`received ${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      log(`received ${signal}: shutting down gracefully (send it again to force)`);
      stop()
        .catch((error: unknown) => log(`shutdown error: ${(error as Error).message}`))
        .finally(() => resolve());
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
  });
}
