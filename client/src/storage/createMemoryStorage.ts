import type { ClientStorage } from "../types.ts";

/**
 * A `ClientStorage` in memory (the default): ledgers and addresses last as long as the process. Fine for
 * tests and short-lived senders; anything that keeps a channel across restarts should persist (see
 * `createFileStorage` in `#client/node`, or wrap `localStorage`).
 *
 * @example
 * const storage = createMemoryStorage();
 */
export function createMemoryStorage(initial: Record<string, string> = {}): ClientStorage & { entries(): Record<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    get: (key) => map.get(key),
    set: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
    entries: () => Object.fromEntries(map),
  };
}
