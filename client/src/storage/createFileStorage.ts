import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { BaseError } from "../errors.ts";
import type { ClientStorage } from "../types.ts";

/** The storage file is not valid JSON (or not an object of strings). */
export class StorageFileError extends BaseError {
  override name = "StorageFileError" as const;
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`Cannot use the client state file ${path}: ${reason}.`, { metaMessages: ["Restore it from a backup; deleting it loses the channel ledgers (next ticket index, confirmed amounts)."] });
  }
}

/**
 * Node only: a `ClientStorage` in one JSON file (mode 0600), rewritten atomically (temporary file +
 * rename) after every change, so a crash leaves either the old or the new state. One process at a time
 * per file (the CLI takes a lock).
 *
 * @example
 * const storage = createFileStorage("./sotto-client/state.json");
 */
export function createFileStorage(path: string): ClientStorage {
  let data: Record<string, string> = {};
  if (existsSync(path)) {
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
      for (const [k, v] of Object.entries(parsed)) if (typeof v !== "string") throw new Error(`value of ${k} is not a string`);
      data = parsed as Record<string, string>;
    } catch (error) {
      throw new StorageFileError({ path, reason: (error as Error).message });
    }
  } else {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
  const flush = () => {
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(data, null, 1)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  };
  return {
    get: (key) => data[key],
    set: (key, value) => {
      data[key] = value;
      flush();
    },
    delete: (key) => {
      if (!(key in data)) return;
      delete data[key];
      flush();
    },
  };
}
