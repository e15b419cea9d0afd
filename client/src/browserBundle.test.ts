/**
 * The SDK's entry point bundles for a browser (platform "browser": no Node built-ins, none of the Node-only
 * defaults — native crypto, TCP host, file storage) and the bundle works: it splits a message, creates a
 * client with the portable back-end and an address-less identity. Uses the esbuild that vite brings along.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { portableBackend } from "#protocol";

const here = dirname(fileURLToPath(import.meta.url));
let esbuild: any;
try {
  const name = "esbuild";
  esbuild = await import(name);
} catch {
  esbuild = undefined;
}

describe.skipIf(!esbuild)("browser bundle", () => {
  it("client/src/index.ts bundles for the browser without any Node import, and works", async () => {
    const result = await esbuild
      .build({
      entryPoints: [join(here, "index.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      metafile: true,
      })
      .catch((error: { errors?: { text: string; location?: { file: string } }[] }) => {
        throw new Error(`esbuild: ${(error.errors ?? []).map((e) => `${e.location?.file ?? ""}: ${e.text}`).join("; ")}`);
      });
    const code: string = result.outputFiles[0].text;
    expect(code).not.toMatch(/from ["']node:|require\(["']node:|import\(["']node:/);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => /protocol\/src\/native\.ts|nativeBackend\.ts|nodeDefaults\.ts|createFileStorage\.ts|client\/src\/api\//.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes("node_modules/secp256k1/"))).toBe(false);

    const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
    const fragments = mod.splitForRoute({ message: new Uint8Array(1000), messageId: new Uint8Array(16), first: 300, rest: 600 });
    expect(fragments.map((f: { data: Uint8Array }) => f.data.length)).toEqual([300, 600, 100]);

    const identityKey = new Uint8Array(32).fill(7);
    const publicClient = { chain: { id: 31337 }, watchContractEvent: () => () => {} };
    const client = await mod.createSottoClient({
      publicClient,
      contracts: { registry: "0x0000000000000000000000000000000000000001", channels: "0x0000000000000000000000000000000000000002" },
      identityKey,
      backend: portableBackend,
      storage: mod.createMemoryStorage(),
    });
    expect(client.chainId).toBe(31337);
    expect(client.nodeId).toBe(`0x${Buffer.from(portableBackend.publicKeyFromPrivate(identityKey)).toString("hex")}`);
    await expect(client.send("sotto1x", "hi")).rejects.toThrow(/needs a wallet/);
    await client.close();
  });
});
