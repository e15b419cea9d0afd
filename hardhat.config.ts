import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

// Compile with the solc-js build from npm: no compiler download, works offline.
const require = createRequire(import.meta.url);
const solcPath = require.resolve("solc/soljson.js");

const compiler = {
  version: "0.8.30",
  path: solcPath,
  settings: {
    evmVersion: "osaka",
    optimizer: { enabled: true, runs: 10_000 },
  },
} as const;

export default defineConfig({
  plugins: [hardhatToolboxViem],
  paths: {
    sources: "contracts/src",
    // Both Hardhat runners use contracts/test; test/ belongs to vitest.
    tests: { solidity: "contracts/test", nodejs: "contracts/test" },
  },
  solidity: {
    // Every profile needs `path`: Ignition builds with `production`.
    profiles: {
      default: compiler,
      production: compiler,
    },
  },
  test: {
    solidity: {
      fuzz: { runs: 512, seed: "0x5077" },
      invariant: { runs: 64, depth: 32 },
    },
  },
});
