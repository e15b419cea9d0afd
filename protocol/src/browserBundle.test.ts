/**
 * The portable entry point bundles for a browser (platform "browser", no Node built-ins) and, once
 * bundled, still reproduces onion-test.json. Uses the esbuild that vite brings along; skipped if absent.
 */
import { describe, expect, it } from "vitest";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readJson } from "../../test/protocol/helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
let esbuild: any;
try {
  const name = "esbuild";
  esbuild = await import(name);
} catch {
  esbuild = undefined;
}

describe.skipIf(!esbuild)("browser bundle", () => {
  it("protocol/src/index.ts bundles for the browser and works", async () => {
    const result = await esbuild.build({
      entryPoints: [join(here, "index.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const code: string = result.outputFiles[0].text;
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
    const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
    const v = readJson("test/vectors/bolt04/onion-test.json");
    const hops = v.generate.hops.map((h: any) => {
      const p = mod.fromHex(h.payload);
      return { publicKey: mod.fromHex(h.pubkey), payload: p.subarray(mod.decodeBigSize(p).offset) };
    });
    const { packet } = mod.createOnionPacket(mod.portableBackend, { sessionKey: mod.fromHex(v.generate.session_key), hops, associatedData: mod.fromHex(v.generate.associated_data) });
    expect(mod.toHex(packet)).toBe(v.onion);
    expect(code.length).toBeLessThan(400_000);
  });
});
