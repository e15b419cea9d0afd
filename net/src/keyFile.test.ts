import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newLibp2pKey, readKeyFile, writeNewKeyFile } from "./keyFile.ts";
import { tempDirs } from "../../test/support/tempDirs.ts";

const tempDir = tempDirs("keys");

const fail = (message: string) => new Error(message);
const key = `0x${"11".repeat(32)}`;

describe("key files (shared by the relay's and the client's)", () => {
  it("writes mode 0600, never overwrites, and reads back the same keys", async () => {
    const path = join(tempDir(), "keys.json");
    const libp2p = await newLibp2pKey();
    writeNewKeyFile(path, { version: 1, aKey: key, libp2pPrivateKey: libp2p.encoded }, fail, "keep it");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(() => writeNewKeyFile(path, { version: 1 }, fail, "keep it")).toThrow(/already exists; keep it/);
    const read = readKeyFile(path, ["aKey"], fail, "create it");
    expect(read.json.aKey).toBe(key);
    expect(read.libp2p.equals(libp2p.key)).toBe(true);
  });

  it("says which file and field are wrong, and how to create a missing file", async () => {
    const dir = tempDir();
    const file = (name: string, json: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(json));
      return path;
    };
    const { encoded } = await newLibp2pKey();
    expect(() => readKeyFile(join(dir, "missing.json"), ["aKey"], fail, "run init")).toThrow(/cannot read .*missing\.json: .*; run init/);
    expect(() => readKeyFile(file("v2.json", { version: 2 }), ["aKey"], fail, "")).toThrow(/v2\.json: unsupported key file version 2/);
    expect(() => readKeyFile(file("short.json", { version: 1, aKey: "0x1234", libp2pPrivateKey: encoded }), ["aKey"], fail, "")).toThrow(/short\.json: aKey must be a 0x-prefixed 32-byte hex string/);
    expect(() => readKeyFile(file("p2p.json", { version: 1, aKey: key, libp2pPrivateKey: "bm90IGEga2V5" }), ["aKey"], fail, "")).toThrow(/p2p\.json: libp2pPrivateKey is not a protobuf-encoded libp2p key/);
  });
});
