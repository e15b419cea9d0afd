import { defineConfig } from "vitest/config";

// vitest runs every TypeScript test outside contracts/ (those run under Hardhat's node:test runner against
// the in-process EVM). Tests that start whole networks of relay processes run one file at a time: the
// machine has two cores and they measure timeouts.
const networkTests = ["test/e2e/**/*.test.ts", "test/api/**/*.test.ts", "test/cli/**/*.test.ts"];

export default defineConfig({
  test: {
    pool: "forks",
    projects: [
      {
        test: {
          name: "unit",
          include: ["{protocol,net,relay,client,cli,test}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "contracts/**", ...networkTests],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "network",
          include: networkTests,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
