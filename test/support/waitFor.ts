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
