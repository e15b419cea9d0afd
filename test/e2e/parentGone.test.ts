import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELAY_NODE_FLAGS } from "#relay";
import { startLocalNetwork, type LocalNetwork, type LocalRelay } from "../../cli/src/devnet/localNetwork.ts";
import { waitFor } from "../support/waitFor.ts";

const cliEntry = join(import.meta.dirname, "../../cli/src/main.ts");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// `sotto relay start --stop-on-stdin-close`: a relay started by a supervisor that holds a pipe on its stdin
// stops with it, even when the supervisor is SIGKILLed (a killed test run, demo or process manager), and its
// data directory is fine for the next start.
describe("a relay whose supervisor goes away (relay processes, real chain)", () => {
  let net: LocalNetwork;
  let relay: LocalRelay;

  beforeAll(async () => {
    net = await startLocalNetwork({ relays: 1, logLevel: "info" });
    relay = net.relays[0]!;
  }, 120_000);
  afterAll(async () => {
    await net?.stop();
  });

  it("stops gracefully, exit code 0, when its stdin reaches its end", async () => {
    const child = relay.child!;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.stdin!.end();
    expect(await exited).toBe(0);
    const log = readFileSync(join(relay.dir, "relay.log"), "utf8");
    expect(log).toContain("stdin closed: shutting down gracefully");
  }, 30_000);

  it("stops when the process that started it is SIGKILLed, and starts again on the same data", async () => {
    // A supervisor in its own process: starts the relay with a pipe on its stdin, prints the relay's pid once
    // the relay is ready, then waits to be killed.
    const supervisor = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { spawn } from "node:child_process";
         const relay = spawn(process.execPath, ${JSON.stringify([...RELAY_NODE_FLAGS, cliEntry, "relay", "start", "--config", relay.configPath, "--stop-on-stdin-close"])}, { stdio: ["pipe", "pipe", "ignore"] });
         relay.stdout.on("data", (d) => { if (String(d).includes('"ready":true')) console.log(JSON.stringify({ relayPid: relay.pid })); });
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const relayPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the supervised relay did not report ready within 30 s")), 30_000);
      createInterface({ input: supervisor.stdout! }).once("line", (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { relayPid: number }).relayPid);
      });
    });
    expect(alive(relayPid)).toBe(true);

    supervisor.kill("SIGKILL");
    await waitFor(() => alive(relayPid), (up) => !up, "the orphaned relay to stop", 20_000);

    // It stopped cleanly enough for its store and keys to serve the next start.
    await relay.start();
    const status = await relay.admin<{ node: string }>("/v1/status");
    expect(status.node.toLowerCase()).toBe(relay.node.toLowerCase());

    // SIGTERM still stops it on its own (stdin, read for its end, must not keep the process alive after).
    const child = relay.child!;
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    await relay.stop();
    expect(await exit).toEqual({ code: 0, signal: null });
  }, 60_000);
});
