import { defineConfig } from "vitest/config";

// vitest runs every TypeScript test outside contracts/ (those run under Hardhat's
// node:test runner against the in-process EVM). The two file sets never overlap.
export default defineConfig({
  test: {
    include: ["{protocol,net,relay,client,cli,test}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "contracts/**"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
