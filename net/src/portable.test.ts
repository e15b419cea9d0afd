import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// `#net` must bundle for browsers (the client SDK imports it); Node-only code goes through `#net/node`.
describe("net/ portable entry", () => {
  it("imports nothing Node-only, directly or through its modules", () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(new URL(file, import.meta.url), "utf8");
      // Type-only imports are erased; value imports must not reach Node built-ins or the TCP transport.
      for (const [, spec] of text.matchAll(/^(?:import|export) (?!type )[^;]* from "([^"]+)"/gm)) {
        expect(spec!.startsWith("node:") || spec === "@libp2p/tcp", `${file} imports ${spec}`).toBe(false);
        if (spec!.startsWith("./")) visit(spec!);
      }
    };
    visit("./index.ts");
    expect(seen.has("./createHost.ts")).toBe(false);
    expect(seen.has("./noiseCrypto.ts")).toBe(false);
    expect(seen.size).toBeGreaterThan(2);
  });
});
