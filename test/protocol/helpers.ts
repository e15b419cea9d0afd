import { readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CryptoBackend } from "../../protocol/src/index.ts";
import { portableBackend } from "../../protocol/src/index.ts";
import { getNativeBackend } from "../../protocol/src/native.ts";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Both back-ends, for `describe.each`. */
export const backends: readonly [string, CryptoBackend][] = [
  ["portable", portableBackend],
  ["native", getNativeBackend()],
];

export function readJson<T = any>(relativePath: string): T {
  return JSON.parse(readFileSync(join(repoRoot, relativePath), "utf8")) as T;
}

/**
 * Locates a published BOLT 4 vector file that is not stored in this repository: `BOLT04_VECTORS_DIR`,
 * then `../shared/spec/bolts/` beside the checkout. Undefined when absent (the test is skipped).
 */
export function findExternalBoltVector(name: string): string | undefined {
  const dirs = [process.env.BOLT04_VECTORS_DIR, join(repoRoot, "test", "vectors", "bolt04"), join(repoRoot, "..", "shared", "spec", "bolts")];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Deterministic test keys: 32 bytes of `byte`. */
export function key(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}
