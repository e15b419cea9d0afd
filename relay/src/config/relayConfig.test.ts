import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRelayConfig } from "./relayConfig.ts";
import { ConfigError } from "./schema.ts";
import { tempDirs } from "../../../test/support/tempDirs.ts";

const tempDir = tempDirs("config");

const minimal = {
  chain: { chainId: 31337, registry: `0x${"11".repeat(20)}`, channels: `0x${"22".repeat(20)}` },
  api: { token: "a-long-enough-admin-token" },
};

function write(json: unknown): string {
  const dir = tempDir();
  const file = join(dir, "relay.json");
  writeFileSync(file, typeof json === "string" ? json : JSON.stringify(json));
  return file;
}

describe("loadRelayConfig", () => {
  it("fills defaults and resolves dataDir against the file", () => {
    const file = write(minimal);
    const config = loadRelayConfig(file, {});
    expect(config.fee).toBe(1n);
    expect(config.mixing.meanDelayMs).toBe(0);
    expect(config.dataDir).toBe(join(file, ".."));
    expect(config.p2p.listen).toEqual(["/ip4/127.0.0.1/tcp/0"]);
  });

  it("lets the environment override file values, with types", () => {
    const config = loadRelayConfig(write(minimal), { SOTTO_FEE: "7", SOTTO_MIX_DELAY_MS: "2.5", SOTTO_LISTEN: "/ip4/0.0.0.0/tcp/9000,/ip4/0.0.0.0/tcp/9001/ws" });
    expect(config.fee).toBe(7n);
    expect(config.mixing.meanDelayMs).toBe(2.5);
    expect(config.p2p.listen).toEqual(["/ip4/0.0.0.0/tcp/9000", "/ip4/0.0.0.0/tcp/9001/ws"]);
  });

  it("names every bad key, unknown key and missing field at once", () => {
    const bad = { ...minimal, fee: "-3", extra: 1, chain: { ...minimal.chain, registry: "0x1234", pollIntervalMs: 1.5 }, api: {} };
    let error: unknown;
    try {
      loadRelayConfig(write(bad), {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join("\n");
    expect(issues).toMatch(/fee: expected a non-negative integer amount/);
    expect(issues).toMatch(/extra: unknown key/);
    expect(issues).toMatch(/chain\.registry: "0x1234" is not a 0x-prefixed 20-byte address/);
    expect(issues).toMatch(/chain\.pollIntervalMs: expected an integer/);
    expect(issues).toMatch(/api\.token: required but missing .*SOTTO_API_TOKEN/);
  });

  it("reports bad env values with the variable's name", () => {
    expect(() => loadRelayConfig(write(minimal), { SOTTO_API_PORT: "eighty" })).toThrow(/api\.port \(from \$SOTTO_API_PORT\): expected a number/);
  });

  it("explains unreadable and non-JSON files", () => {
    expect(() => loadRelayConfig("/nonexistent/relay.json", {})).toThrow(/sotto relay init/);
    expect(() => loadRelayConfig(write("{ not json"), {})).toThrow(/not valid JSON/);
  });
});
