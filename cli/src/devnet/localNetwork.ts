import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { Address, Hex } from "viem";
import { fundChannel, registerRelay } from "#contracts";
import { createKeyFile, createLogger, loadRelayConfig, peerIdHex, publicKeyFromPrivate, Relay, RELAY_NODE_FLAGS, type RelayKeys } from "#relay";
import { startDevnet, type Devnet, type DevnetOptions } from "./devnet.ts";
import { freePort } from "./freePort.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const cliEntry = join(repoRoot, "cli/src/main.ts");

export interface LocalNetworkOptions {
  relays: number;
  /** Fee per packet of relay i (default 1 for all). */
  fees?: readonly bigint[];
  /** Run relays as separate OS processes (default) or inside this process. */
  processes?: boolean;
  /** Node flags for relay processes, after RELAY_NODE_FLAGS (a later V8 flag wins): for experiments. */
  nodeFlags?: readonly string[];
  /** Fund a channel between every ordered pair of relays before they start. Default true. */
  prefundChannels?: boolean;
  channelDeposit?: bigint;
  /** Extra relay config, merged into every relay's file (e.g. { mixing: { meanDelayMs: 5 } }). */
  relayConfig?: Record<string, unknown>;
  /** Per-relay extra config, merged after `relayConfig`. */
  relayConfigFor?: (index: number) => Record<string, unknown>;
  /**
   * Where the relays' directories go (kept by `stop()`). Default: a new temporary directory, which `stop()`
   * removes unless SOTTO_KEEP_NETWORK_DIR=1 (to read the relays' logs and databases after a run).
   */
  baseDir?: string;
  logLevel?: string;
  devnet?: DevnetOptions;
  onProgress?: (message: string) => void;
}

export interface LocalRelay {
  index: number;
  dir: string;
  configPath: string;
  node: Address;
  nodeKey: Hex;
  onionKey: Hex;
  peerId: string;
  multiaddr: string;
  apiUrl: string;
  apiToken: string;
  fee: bigint;
  running: boolean;
  /** The OS process (process mode). */
  child?: ChildProcess | undefined;
  /** The relay object (in-process mode). */
  relay?: Relay | undefined;
  /** Calls the relay's admin API. */
  admin<T = Record<string, unknown>>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  start(): Promise<void>;
  /** Graceful stop (SIGTERM / Relay.stop). */
  stop(): Promise<void>;
  /** SIGKILL, no cleanup (process mode only). */
  kill(): Promise<void>;
}

export interface LocalNetwork {
  devnet: Devnet;
  relays: LocalRelay[];
  baseDir: string;
  /** Stops every relay and the chain; removes `baseDir` if it was made for this network (see the option). */
  stop(): Promise<void>;
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (value && typeof value === "object" && !Array.isArray(value) && current && typeof current === "object" && !Array.isArray(current)) {
      merge(current as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/**
 * A whole Sotto network on this machine: the embedded chain with the contracts, and `relays` relays,
 * each staked and registered by its own operator account, with its own keys, database and ports, run as
 * separate processes (`sotto relay start`) unless `processes: false`.
 */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const progress = options.onProgress ?? (() => {});
  const ownDir = options.baseDir === undefined;
  const baseDir = options.baseDir ?? mkdtempSync(join(tmpdir(), "sotto-net-"));
  mkdirSync(baseDir, { recursive: true });
  progress("starting the embedded chain and deploying with Ignition");
  const devnet = await startDevnet(options.devnet);
  const relays: LocalRelay[] = [];
  const keysOf: RelayKeys[] = [];
  try {
    for (let i = 0; i < options.relays; i++) {
      const dir = join(baseDir, `relay${i + 1}`);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const keys = await createKeyFile(join(dir, "keys.json"));
      keysOf.push(keys);
      const [p2pPort, apiPort] = [await freePort(), await freePort()];
      const fee = options.fees?.[i] ?? 1n;
      const apiToken = randomBytes(18).toString("base64url");
      const multiaddr = `/ip4/127.0.0.1/tcp/${p2pPort}`;
      const config = merge(
        merge(
          {
            dataDir: ".",
            chain: { rpcUrl: devnet.url, chainId: devnet.chainId, registry: devnet.contracts.registry, channels: devnet.contracts.channels, pollIntervalMs: 500 },
            p2p: { listen: [multiaddr] },
            api: { host: "127.0.0.1", port: apiPort, token: apiToken },
            fee: fee.toString(),
            channelStrategy: { budget: "0" },
            log: { level: options.logLevel ?? "info" },
          },
          options.relayConfig ?? {},
        ),
        options.relayConfigFor?.(i) ?? {},
      );
      const configPath = join(dir, "relay.json");
      writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
      loadRelayConfig(configPath); // fail early on a bad override

      const operatorKey = devnet.accountKey(i + 1);
      const operator = devnet.wallet(operatorKey);
      await devnet.fund(operator.account.address, { tokens: devnet.minimumStake });
      await devnet.fund(keys.node.address, { eth: 10n ** 20n, tokens: 10n ** 24n });
      const onionKey = `0x${Buffer.from(publicKeyFromPrivate(keys.onionPrivateKey)).toString("hex")}` as Hex;
      const peerId = peerIdFromPrivateKey(keys.libp2p).toString();
      await registerRelay(devnet.publicClient, operator, {
        contracts: devnet.contracts,
        node: keys.node,
        relay: { onionKey, peerId: peerIdHex(peerId), multiaddrs: [multiaddr], fee },
        stake: devnet.minimumStake,
      });
      progress(`relay ${i + 1}: staked and registered ${keys.node.address} (fee ${fee})`);
      relays.push(makeRelay({ index: i, dir, configPath, keys, onionKey, peerId, multiaddr, apiUrl: `http://127.0.0.1:${apiPort}`, apiToken, fee, processes: options.processes ?? true, nodeFlags: options.nodeFlags ?? [] }));
    }
    if (options.prefundChannels ?? true) {
      const deposit = options.channelDeposit ?? 10_000n;
      for (const from of relays) {
        const wallet = devnet.wallet(from.nodeKey);
        for (const to of relays) if (to !== from) await fundChannel(devnet.publicClient, wallet, { contracts: devnet.contracts, payee: to.node, amount: deposit });
      }
      progress(`funded ${relays.length * (relays.length - 1)} relay-to-relay channels of ${deposit}`);
    }
    await Promise.all(relays.map((r) => r.start()));
    progress(`${relays.length} relays running`);
  } catch (error) {
    await Promise.all(relays.map((r) => r.stop().catch(() => undefined)));
    await devnet.stop();
    throw error;
  }
  return {
    devnet,
    relays,
    baseDir,
    async stop() {
      await Promise.all(relays.map((r) => r.stop().catch(() => undefined)));
      await devnet.stop();
      if (ownDir && process.env.SOTTO_KEEP_NETWORK_DIR !== "1") rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

function makeRelay(p: {
  index: number;
  dir: string;
  configPath: string;
  keys: RelayKeys;
  onionKey: Hex;
  peerId: string;
  multiaddr: string;
  apiUrl: string;
  apiToken: string;
  fee: bigint;
  processes: boolean;
  nodeFlags: readonly string[];
}): LocalRelay {
  const handle: LocalRelay = {
    index: p.index,
    dir: p.dir,
    configPath: p.configPath,
    node: p.keys.node.address,
    nodeKey: p.keys.nodePrivateKey,
    onionKey: p.onionKey,
    peerId: p.peerId,
    multiaddr: p.multiaddr,
    apiUrl: p.apiUrl,
    apiToken: p.apiToken,
    fee: p.fee,
    running: false,
    async admin<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
      const res = await fetch(`${p.apiUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers: { authorization: `Bearer ${p.apiToken}`, ...(init.body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`relay ${p.index + 1} ${path}: HTTP ${res.status} ${text}`);
      return (path === "/metrics" ? text : JSON.parse(text)) as T;
    },
    async start() {
      if (handle.running) return;
      if (!p.processes) {
        const config = loadRelayConfig(p.configPath);
        const relay = new Relay({ config, keys: p.keys, logger: createLogger({ level: config.log.level, name: `relay${p.index + 1}` }) });
        await relay.start();
        handle.relay = relay;
        handle.running = true;
        return;
      }
      const log = createWriteStream(join(p.dir, "relay.log"), { flags: "a" });
      // stdin is a pipe this process holds open: if it dies without stopping the relay (a killed test run or
      // demo), the relay sees stdin end and stops instead of living on.
      const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, ...p.nodeFlags, cliEntry, "relay", "start", "--config", p.configPath, "--stop-on-stdin-close"], {
        cwd: repoRoot,
        stdio: ["pipe", "pipe", "pipe"],
      });
      child.stderr!.pipe(log);
      handle.child = child;
      await new Promise<void>((ready, fail) => {
        const lines = createInterface({ input: child.stdout! });
        const timer = setTimeout(() => fail(new Error(`relay ${p.index + 1} did not start within 30 s; see ${join(p.dir, "relay.log")}`)), 30_000);
        lines.on("line", (line) => {
          log.write(`${line}\n`);
          if (line.includes('"ready":true')) {
            clearTimeout(timer);
            ready();
          }
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          fail(new Error(`relay ${p.index + 1} exited with code ${code} while starting; see ${join(p.dir, "relay.log")}`));
        });
      });
      handle.running = true;
      child.once("exit", () => (handle.running = false));
    },
    async stop() {
      if (!handle.running) return;
      if (handle.relay) {
        await handle.relay.stop();
        handle.relay = undefined;
        handle.running = false;
        return;
      }
      const child = handle.child!;
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
      handle.running = false;
    },
    async kill() {
      const child = handle.child;
      if (!child || !handle.running) throw new Error("kill() needs a relay running as a process");
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.kill("SIGKILL");
      await exited;
      handle.running = false;
    },
  };
  return handle;
}
