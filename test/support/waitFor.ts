/** Polls `read` until `ok`; the error names what was awaited and the last value seen. */
export async function waitFor<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for ${what}: last value ${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Awaits `promise` for at most `timeoutMs`; the error names the step, so a hang says where it was (`what` may
 * be a function, to describe the state at expiry).
 */
export async function within<T>(promise: Promise<T>, what: string | (() => string), timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof what === "function" ? what() : what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
