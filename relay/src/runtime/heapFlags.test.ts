import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXTERNAL_MEMORY_FLAG, HEAP_GROWING_FLAG, RELAY_NODE_FLAGS, YOUNG_GENERATION_MIB } from "./heapFlags.ts";

const repoRoot = join(import.meta.dirname, "../../..");
const moduleUrl = new URL("./heapFlags.ts", import.meta.url).href;

/** What a fresh Node process started with `flags` reports through this module. */
function probe(flags: readonly string[]): { mib: number; warning: string | null } {
  const script = `import(${JSON.stringify(moduleUrl)}).then((m) => console.log(JSON.stringify({ mib: m.youngGenerationMiB(), warning: m.heapFlagsWarning() ?? null })))`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return JSON.parse(execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], { env, encoding: "utf8" })) as { mib: number; warning: string | null };
}

describe("the relay's heap settings", () => {
  it("are what RELAY_NODE_FLAGS ask for, and a process started without one of them is told so", () => {
    expect(probe(RELAY_NODE_FLAGS)).toEqual({ mib: YOUNG_GENERATION_MIB, warning: null });
    const bare = probe([]);
    expect(bare.mib).toBeLessThan(YOUNG_GENERATION_MIB);
    expect(bare.warning).toContain(`node ${RELAY_NODE_FLAGS.join(" ")}`);
    for (const flag of [EXTERNAL_MEMORY_FLAG, HEAP_GROWING_FLAG]) {
      const without = probe(RELAY_NODE_FLAGS.filter((f) => f !== flag));
      expect(without.mib).toBe(YOUNG_GENERATION_MIB);
      expect(without.warning).toContain(`without ${flag}`);
    }
  });

  it("is passed by every way the README starts the CLI (bin/sotto, and npm run sotto through it)", () => {
    const execLine = readFileSync(join(repoRoot, "bin/sotto"), "utf8").split("\n").find((l) => l.startsWith("exec "));
    for (const flag of RELAY_NODE_FLAGS) expect(execLine?.split(/\s+/)).toContain(flag);
    const npmScript = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.sotto;
    expect(npmScript?.split(/\s+/)[0]).toBe("bin/sotto");
  });
});
