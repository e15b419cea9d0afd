import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * Temporary directories for one test file, all removed after its last test (databases and key files would
 * otherwise pile up in the machine's temp directory, run after run). Call at the top level of the file; the
 * returned function makes one directory per call.
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `sotto-${prefix}-`));
    made.push(dir);
    return dir;
  };
}
