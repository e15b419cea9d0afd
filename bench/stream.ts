/**
 * `npm run bench:stream`: an end-to-end stream through a whole local network, with the client SDK on both
 * ends. Set-up (cli/src/devnet/localNetwork.ts): the embedded chain and 5 registered, staked relays, each its
 * own process (`sotto relay start`) with its production defaults (settlement included) except mixing off
 * and no channel strategy: every relay pre-funds a channel to every other one. Two more processes, each one
 * SDK client (`createSottoClient`, native crypto, its own libp2p host): a recipient that makes an address
 * (`address()`: an introduction and a home relay, drawn stake-weighted) and `listen()`s, and a sender with
 * funded channels to the three other relays (so every route is entry → introduction → home: 3 distinct
 * relays, entries drawn per message) that streams messages to it with `send()` and no reply path.
 *
 * Messages carry a header (sequence number, send time, SHA-256 of the rest) and random bytes: the recipient
 * checks every one and records when it arrived; the sender counts a message delivered only when `send()`
 * resolved with one delivery receipt per fragment and each receipt's recipient ack hashes to the packet's
 * receipt challenge (checked again here, beside the SDK's own check).
 *
 * Per size — small (one full packet) and large (STREAM_LARGE_BYTES, default 16 KiB, many fragments, sent
 * 4 fragments at a time per message, the SDK default):
 *   - closed loop: a window of messages in flight (STREAM_WINDOW_SMALL / STREAM_WINDOW_LARGE), each worker
 *     sending its next message as soon as the previous one's receipts are in; messages/s and payload MB/s
 *     (10^6 bytes) are messages whose receipts arrived inside the measured window (after a warm-up) divided
 *     by its length; send → receipt latency of the messages started inside it (queueing included);
 *   - open loop at half that rate: messages started on a fixed schedule; send → receipt latency p50/p99.
 * Every message of every phase must be delivered with verified receipts and received intact (loss = 0).
 * CPU: every process's user+sys over each phase (relays, sender, recipient, this process with the chain)
 * and the machine's busy cores (/proc/stat), so the bound is visible: 2 cores shared by 5 relays, the
 * sender and the recipient, with every packet crossing 3 relay processes.
 *
 * Prints a table on stdout, progress on stderr, writes bench/results/stream.json. Environment:
 * STREAM_SECONDS (measured seconds per phase, default 12), STREAM_WARMUP_SECONDS (default 3),
 * STREAM_LARGE_BYTES (default 16384), STREAM_WINDOW_SMALL (messages in flight, default 24),
 * STREAM_WINDOW_LARGE (default 4). Only a run with the defaults writes bench/results/stream.json; others
 * write to $TMPDIR.
 *
 * scripts/soak.ts reuses the network, the peer processes and the load loop exported here.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createPublicClient, createWalletClient, defineChain, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { SottoWalletClient } from "#contracts";
import { equalBytes, fromHex } from "#protocol";
import { getNativeBackend } from "#protocol/native";
import { histogramQuantile, machineBusySeconds, metricByLabel, metricSum, percentile, procSample, scrape, type Metrics } from "./measure.ts";
import { createSottoClient, type SottoClient } from "#client";
import { startLocalNetwork, type LocalNetwork, type LocalRelay } from "../cli/src/devnet/localNetwork.ts";

const here = dirname(fileURLToPath(import.meta.url));
const selfFile = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------------------
// Shared helpers (also used by scripts/soak.ts)

export function makeLogger(name: string): (message: string) => void {
  const t0 = performance.now();
  return (message: string) => process.stderr.write(`[${name} ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function summarize(values: readonly number[]): { n: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.at(-1) ?? Number.NaN, mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN };
}

/** JSON with non-integers rounded to 3 decimals and bigints as strings. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : typeof v === "number" && !Number.isInteger(v) ? Number(v.toFixed(3)) : v), 2)}\n`;
}

export function machineInfo(): { cpu: string; cores: number; node: string } {
  return { cpu: cpus()[0]?.model?.trim() ?? "unknown", cores: cpus().length, node: process.version };
}

// Messages: "STRM" ‖ seq (u32) ‖ sentAt (f64, ms since the epoch) ‖ SHA-256(rest) ‖ rest (random).
const MAGIC = 0x5354524d;
export const MESSAGE_HEADER = 4 + 4 + 8 + 32;

export function makeMessage(seq: number, size: number, sentAtMs: number): Uint8Array {
  if (size < MESSAGE_HEADER + 1) throw new Error(`messages need at least ${MESSAGE_HEADER + 1} bytes`);
  const m = Buffer.allocUnsafe(size);
  randomFillSync(m, MESSAGE_HEADER);
  m.writeUInt32BE(MAGIC, 0);
  m.writeUInt32BE(seq >>> 0, 4);
  m.writeDoubleBE(sentAtMs, 8);
  createHash("sha256").update(m.subarray(MESSAGE_HEADER)).digest().copy(m, 16);
  return new Uint8Array(m.buffer, m.byteOffset, m.length);
}

export function checkMessage(bytes: Uint8Array): { ok: true; seq: number; sentAtMs: number } | { ok: false } {
  if (bytes.length < MESSAGE_HEADER + 1) return { ok: false };
  const m = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (m.readUInt32BE(0) !== MAGIC) return { ok: false };
  if (!createHash("sha256").update(m.subarray(MESSAGE_HEADER)).digest().equals(m.subarray(16, MESSAGE_HEADER))) return { ok: false };
  return { ok: true, seq: m.readUInt32BE(4), sentAtMs: m.readDoubleBE(8) };
}

/** STREAM_PROFILE=1: relays and peers run with --cpu-prof, profiles in this directory. */
const PROFILE_DIR = process.env.STREAM_PROFILE === "1" ? join(tmpdir(), "sotto-bench-stream-profile") : undefined;

const wallClockMs = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------------
// The peer process: one SDK client (sender or recipient), driven over IPC.

export type PeerInit = {
  name: string;
  rpcUrl: string;
  chainId: number;
  contracts: { token: Address; registry: Address; channels: Address };
  walletKey?: Hex;
  identityKey?: Hex;
};

export type LoadParams = {
  label: string;
  /** Message size in bytes (≥ MESSAGE_HEADER + 1). */
  size: number;
  /** Closed loop: messages in flight at once. */
  window?: number;
  /** Open loop: messages started per second. */
  rate?: number;
  /** Open loop: most messages in flight; the schedule waits (and the phase counts as not sustained) beyond. */
  maxInFlight?: number;
  warmupSeconds: number;
  seconds: number;
  /** Emit a `progress` event this often (ms); 0 = never. */
  progressEveryMs?: number;
};

export type LoadFailure = { seq: number; error: string };

export type LoadResult = {
  label: string;
  size: number;
  mode: "closed" | "open";
  window: number | null;
  offeredPerSec: number | null;
  /** Measured window length (s) and sequence numbers [firstSeq, endSeq) of every message this load started. */
  measuredSeconds: number;
  firstSeq: number;
  endSeq: number;
  launched: number;
  launchedInWindow: number;
  /** Sequence numbers [windowFirstSeq, windowEndSeq) were started inside the measured window. */
  windowFirstSeq: number;
  windowEndSeq: number;
  delivered: number;
  deliveredInWindow: number;
  failed: number;
  failures: LoadFailure[];
  failedSeqs: number[];
  /** Open loop: messages started more than 100 ms after their scheduled time (maxInFlight in flight, or a busy event loop), and the worst delay. */
  lateStarts: number;
  maxStartDelayMs: number;
  fragments: number;
  packets: number;
  retries: number;
  /** Why packets were sent again (NACK reason or timeout), counted. */
  retryReasons: Record<string, number>;
  receiptsChecked: number;
  badReceipts: number;
  /** send() → resolved with every receipt, ms, messages started inside the measured window. */
  latencyMs: number[];
  drainSeconds: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
};

export type LoadProgress = { event: "progress"; label: string; elapsedSeconds: number; launched: number; delivered: number; failed: number; inFlight: number; intervalLatencyMs: { p50: number; p99: number }; intervalDelivered: number };

async function runPeer(): Promise<void> {
  const send = (m: Record<string, unknown>) => process.send?.(m);
  process.on("disconnect", () => process.exit(0));
  const backend = getNativeBackend();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let client: SottoClient | undefined;
  let target: string | undefined;
  let nextSeq = 0;
  let name = "peer";
  // Recipient side.
  const received = { messages: 0, bytes: 0, bad: 0, duplicates: 0 };
  const seen = new Set<number>();
  let oneWay: [number, number][] = []; // [seq, ms]
  // Sender side: the running load's counters and the latencies since the last `usage`.
  let live: LoadResult | undefined;
  let liveInFlight = 0;
  let liveLatencies: number[] = [];

  const lagSummary = () => {
    const out = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
    lag.reset();
    return out;
  };

  const load = async (p: LoadParams): Promise<LoadResult> => {
    const c = client!;
    const to = target!;
    lagSummary();
    const t0 = performance.now();
    const warmEnd = t0 + p.warmupSeconds * 1000;
    const end = warmEnd + p.seconds * 1000;
    const firstSeq = nextSeq;
    const r: LoadResult = {
      label: p.label,
      size: p.size,
      mode: p.rate ? "open" : "closed",
      window: p.window ?? null,
      offeredPerSec: p.rate ?? null,
      measuredSeconds: p.seconds,
      firstSeq,
      endSeq: firstSeq,
      launched: 0,
      launchedInWindow: 0,
      windowFirstSeq: -1,
      windowEndSeq: -1,
      delivered: 0,
      deliveredInWindow: 0,
      failed: 0,
      failures: [],
      failedSeqs: [],
      lateStarts: 0,
      maxStartDelayMs: 0,
      fragments: 0,
      packets: 0,
      retries: 0,
      retryReasons: {},
      receiptsChecked: 0,
      badReceipts: 0,
      latencyMs: [],
      drainSeconds: 0,
      eventLoopDelayMs: { p50: 0, p99: 0, max: 0 },
    };
    let inFlight = 0;
    let interval: number[] = [];
    live = r;
    const fail = (seq: number, error: string) => {
      r.failed++;
      r.failedSeqs.push(seq);
      if (r.failures.length < 20) r.failures.push({ seq, error: error.replace(/\s+/g, " ").slice(0, 300) });
    };
    const sendOne = async (): Promise<void> => {
      const seq = nextSeq++;
      r.launched++;
      inFlight++;
      liveInFlight = inFlight;
      const started = performance.now();
      const inWindow = started >= warmEnd && started < end;
      if (inWindow) {
        r.launchedInWindow++;
        if (r.windowFirstSeq < 0) r.windowFirstSeq = seq;
        r.windowEndSeq = seq + 1;
      }
      const message = makeMessage(seq, p.size, performance.timeOrigin + started);
      try {
        const sent = await c.send(to, message, {
          replyPath: false,
          onProgress: (e) => {
            if (e.type !== "retry") return;
            r.retries++;
            const reason = e.reason.replace(/^attempt \d+: /, "").replace(/\d+ ms/, "N ms");
            r.retryReasons[reason] = (r.retryReasons[reason] ?? 0) + 1;
          },
        });
        const finished = performance.now();
        r.fragments += sent.fragments;
        r.packets += sent.packets;
        let ok = sent.delivered && sent.receipts.length === sent.fragments;
        for (const receipt of sent.receipts) {
          r.receiptsChecked++;
          if (!equalBytes(backend.keccak256(fromHex(receipt.recipientAck)), fromHex(receipt.receiptChallenge))) {
            ok = false;
            r.badReceipts++;
          }
        }
        if (!ok) return fail(seq, `send resolved without a verified receipt for every fragment (${sent.receipts.length}/${sent.fragments})`);
        r.delivered++;
        if (finished >= warmEnd && finished <= end) r.deliveredInWindow++;
        if (inWindow) r.latencyMs.push(finished - started);
        interval.push(finished - started);
        liveLatencies.push(finished - started);
      } catch (error) {
        fail(seq, (error as Error).message);
      } finally {
        inFlight--;
        liveInFlight = inFlight;
      }
    };
    let lastProgress = t0;
    const progress = () => {
      const now = performance.now();
      if (!p.progressEveryMs || now - lastProgress < p.progressEveryMs) return;
      lastProgress = now;
      const s = Float64Array.from(interval).sort();
      const event: LoadProgress = { event: "progress", label: p.label, elapsedSeconds: (now - t0) / 1000, launched: r.launched, delivered: r.delivered, failed: r.failed, inFlight, intervalLatencyMs: { p50: percentile(s, 50), p99: percentile(s, 99) }, intervalDelivered: interval.length };
      interval = [];
      send(event);
    };
    const running = new Set<Promise<void>>();
    if (p.rate) {
      const maxInFlight = p.maxInFlight ?? Number.POSITIVE_INFINITY;
      for (let now = performance.now(); now < end; now = performance.now()) {
        const due = Math.floor(((now - t0) / 1000) * p.rate);
        while (r.launched < due) {
          if (inFlight >= maxInFlight) break;
          const delay = now - (t0 + (r.launched * 1000) / p.rate);
          if (delay > 100) r.lateStarts++;
          if (delay > r.maxStartDelayMs) r.maxStartDelayMs = delay;
          const one: Promise<void> = sendOne().finally(() => running.delete(one));
          running.add(one);
        }
        progress();
        await sleep(2);
      }
    } else {
      const workers = Array.from({ length: Math.max(1, p.window ?? 1) }, async () => {
        while (performance.now() < end) {
          await sendOne();
          progress();
        }
      });
      await Promise.all(workers);
    }
    const drainStart = performance.now();
    while (running.size > 0) {
      await Promise.race(running);
      progress();
    }
    r.drainSeconds = (performance.now() - drainStart) / 1000;
    r.endSeq = nextSeq;
    r.eventLoopDelayMs = lagSummary();
    return r;
  };

  const handlers: Record<string, (m: Record<string, unknown>) => Promise<unknown>> = {
    async init(m) {
      const init = m.init as PeerInit;
      name = init.name;
      const chain = defineChain({ id: init.chainId, name: "sotto-devnet", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [init.rpcUrl] } } });
      const transport = http(init.rpcUrl, { retryCount: 2 });
      const publicClient = createPublicClient({ chain, transport, pollingInterval: 2_000 }) as PublicClient;
      const wallet = init.walletKey ? (createWalletClient({ account: privateKeyToAccount(init.walletKey), chain, transport }) as SottoWalletClient) : undefined;
      client = await createSottoClient({
        publicClient,
        wallet,
        contracts: init.contracts,
        identityKey: init.identityKey,
        logger: { warn: (message, context, error) => process.stderr.write(`[${name}] warn: ${message} ${context ? JSON.stringify(context) : ""} ${error ? String((error as Error).message ?? error) : ""}\n`) },
      });
      return { account: client.account, nodeId: client.nodeId };
    },
    async fund(m) {
      for (const relay of m.relays as Address[]) await client!.fundChannel({ relay, amount: m.amount as bigint });
      return {};
    },
    async receive() {
      const address = await client!.address();
      client!.onMessage((msg) => {
        const check = checkMessage(msg.message);
        if (!check.ok) {
          received.bad++;
          return;
        }
        if (seen.has(check.seq)) received.duplicates++;
        seen.add(check.seq);
        received.messages++;
        received.bytes += msg.message.length;
        oneWay.push([check.seq, wallClockMs() - check.sentAtMs]);
      });
      await client!.listen();
      return { address: address.address, intro: address.intro, home: address.home };
    },
    async target(m) {
      target = m.address as string;
      const route = await client!.selectRoute({ to: target });
      return { capacity: route.capacity, fee: route.fee, length: route.length };
    },
    load: (m) => load(m.params as LoadParams),
    async received(m) {
      const from = m.from as number;
      const to = m.to as number;
      const missing: number[] = [];
      let count = 0;
      for (let s = from; s < to; s++) {
        if (seen.has(s)) count++;
        else if (missing.length < 1000) missing.push(s);
      }
      const out = { ...received, inRange: count, missing, oneWayMs: m.takeLatencies ? oneWay : [] };
      if (m.takeLatencies) oneWay = [];
      return out;
    },
    async usage() {
      const cpu = process.cpuUsage();
      const s = Float64Array.from(liveLatencies).sort();
      liveLatencies = [];
      const load = live ? { launched: live.launched, delivered: live.delivered, failed: live.failed, retries: live.retries, inFlight: liveInFlight, intervalDelivered: s.length, intervalLatencyMs: { p50: percentile(s, 50), p99: percentile(s, 99) } } : undefined;
      return { cpuSeconds: (cpu.user + cpu.system) / 1e6, rssMiB: process.memoryUsage.rss() / 2 ** 20, heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20, eventLoopDelayMs: lagSummary(), load };
    },
    async close() {
      await client?.close();
      setTimeout(() => process.exit(0), 50);
      return {};
    },
  };
  process.on("message", (m: Record<string, unknown>) => {
    const handler = handlers[m.cmd as string];
    if (!handler) return send({ id: m.id, error: `unknown command ${String(m.cmd)}` });
    handler(m).then(
      (result) => send({ id: m.id, result }),
      (error: unknown) => send({ id: m.id, error: (error as Error).stack ?? String(error) }),
    );
  });
  send({ id: 0, result: "ready" });
}

// ---------------------------------------------------------------------------------------------------------
// Parent side: peers, the network.

export interface Peer {
  name: string;
  proc: ChildProcess;
  pid: number;
  request<T = Record<string, unknown>>(cmd: string, body?: Record<string, unknown>): Promise<T>;
  onEvent(handler: (event: Record<string, unknown>) => void): void;
  stop(): Promise<void>;
}

export function spawnPeer(name: string, log: (message: string) => void): Promise<Peer> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const execArgv = PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const proc = fork(selfFile, ["--peer"], { execPath: process.execPath, execArgv, env, serialization: "advanced", stdio: ["ignore", "pipe", "pipe", "ipc"] });
  proc.stdout!.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  proc.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let eventHandler: (event: Record<string, unknown>) => void = () => {};
  let exited = false;
  proc.on("exit", (code, signal) => {
    exited = true;
    for (const w of waiting.values()) w.reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
    waiting.clear();
  });
  return new Promise((resolveReady, rejectReady) => {
    waiting.set(0, {
      resolve: () =>
        resolveReady({
          name,
          proc,
          pid: proc.pid!,
          request: <T,>(cmd: string, body: Record<string, unknown> = {}) =>
            new Promise<T>((resolve, reject) => {
              if (exited) return reject(new Error(`${name} is not running`));
              const id = nextId++;
              waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
              proc.send({ id, cmd, ...body });
            }),
          onEvent: (handler) => void (eventHandler = handler),
          async stop() {
            if (exited) return;
            const gone = new Promise<void>((r) => proc.once("exit", () => r()));
            const id = nextId++;
            waiting.set(id, { resolve: () => {}, reject: () => {} });
            proc.send({ id, cmd: "close" });
            const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
            await gone;
            clearTimeout(timer);
          },
        }),
      reject: rejectReady,
    });
    proc.on("message", (m: Record<string, unknown>) => {
      if (m.event) return eventHandler(m);
      const w = waiting.get(m.id as number);
      if (!w) return;
      waiting.delete(m.id as number);
      if (m.error) w.reject(new Error(`${name}: ${m.error as string}`));
      else w.resolve(m.result);
    });
    log(`${name} process started (pid ${proc.pid})`);
  });
}

export interface StreamNetwork {
  net: LocalNetwork;
  sender: Peer;
  recipient: Peer;
  address: string;
  intro: LocalRelay;
  home: LocalRelay;
  entries: LocalRelay[];
  /** Message bytes per packet on these routes (no reply path) and the fee per packet. */
  capacity: number;
  feePerPacket: bigint;
  relayConfig: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * 5 relay processes (mixing off, channels pre-funded between every pair), a recipient process with an
 * address and listening, a sender process with funded channels to the relays outside that address.
 */
export async function startStreamNetwork(options: { log: (message: string) => void; relays?: number; relayConfig?: Record<string, unknown>; relayNodeFlags?: readonly string[] }): Promise<StreamNetwork> {
  const { log } = options;
  const relayConfig = {
    mixing: { meanDelayMs: 0 },
    // The relay default (the devnet polls every 0.5 s): five relays polling the chain in this process.
    chain: { pollIntervalMs: 2_000 },
    ...options.relayConfig,
  };
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${PROFILE_DIR}`.trim();
    log(`profiling relays and peers into ${PROFILE_DIR}`);
  }
  const net = await startLocalNetwork({
    relays: options.relays ?? 5,
    processes: true,
    // Large enough that no relay-to-relay channel runs dry during a long soak (no channel strategy here).
    channelDeposit: 10n ** 20n,
    logLevel: "warn",
    relayConfig,
    nodeFlags: options.relayNodeFlags ?? [],
    onProgress: log,
  });
  if (PROFILE_DIR) delete process.env.NODE_OPTIONS;
  const peers: Peer[] = [];
  try {
    const { devnet } = net;
    const init = (name: string): PeerInit => ({ name, rpcUrl: devnet.url, chainId: devnet.chainId, contracts: devnet.contracts as PeerInit["contracts"] });
    const [recipient, sender] = await Promise.all([spawnPeer("recipient", log), spawnPeer("sender", log)]);
    peers.push(recipient, sender);
    await recipient.request("init", { init: { ...init("recipient"), identityKey: `0x${randomBytes(32).toString("hex")}` } });
    const addr = await recipient.request<{ address: string; intro: Address; home: Address }>("receive");
    const byNode = (node: Address) => net.relays.find((r) => r.node.toLowerCase() === node.toLowerCase())!;
    const intro = byNode(addr.intro);
    const home = byNode(addr.home);
    log(`recipient listening: introduction relay ${intro.index + 1}, home relay ${home.index + 1}`);

    const walletKey = devnet.accountKey(10);
    const senderAccount = privateKeyToAccount(walletKey).address;
    await devnet.fund(senderAccount, { tokens: 10n ** 22n });
    await sender.request("init", { init: { ...init("sender"), walletKey } });
    const entries = net.relays.filter((r) => r !== intro && r !== home);
    await sender.request("fund", { relays: entries.map((r) => r.node), amount: 10n ** 21n });
    log(`sender funded channels to relays ${entries.map((r) => r.index + 1).join(", ")} (the entries); every route: entry → ${intro.index + 1} → ${home.index + 1}`);
    const route = await sender.request<{ capacity: number; fee: bigint; length: number }>("target", { address: addr.address });
    if (route.length !== 3) throw new Error(`expected 3-relay routes, got ${route.length}`);
    log(`routes of ${route.length} relays, ${route.capacity} message bytes per packet, fee ${route.fee} per packet`);
    return {
      net,
      sender,
      recipient,
      address: addr.address,
      intro,
      home,
      entries,
      capacity: route.capacity,
      feePerPacket: route.fee,
      relayConfig,
      async stop() {
        await Promise.all(peers.map((p) => p.stop().catch(() => undefined)));
        await net.stop();
        rmSync(net.baseDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(peers.map((p) => p.stop().catch(() => undefined)));
    await net.stop();
    throw error;
  }
}

/** Per-process CPU and machine CPU over an interval; every process of the benchmark named. */
export function cpuMeter(s: StreamNetwork): () => { seconds: number; cores: Record<string, number>; machineBusyCores: number; otherCores: number } {
  const pids: [string, number][] = [...s.net.relays.map((r) => [`relay${r.index + 1}`, r.child!.pid!] as [string, number]), ["sender", s.sender.pid], ["recipient", s.recipient.pid], ["chain+bench", process.pid]];
  const t0 = performance.now();
  const c0 = pids.map(([, pid]) => procSample(pid).cpuSeconds);
  const m0 = machineBusySeconds({ interrupts: true });
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const cores: Record<string, number> = {};
    let ours = 0;
    pids.forEach(([name, pid], i) => {
      const used = procSample(pid).cpuSeconds - c0[i]!;
      cores[name] = used / seconds;
      ours += used;
    });
    const machine = machineBusySeconds({ interrupts: true }) - m0;
    return { seconds, cores, machineBusyCores: machine / seconds, otherCores: Math.max(0, machine - ours) / seconds };
  };
}

/**
 * Waits until processes outside the benchmark use less than `limitCores` (1 s samples), at most `maxMs`.
 * Returns the last sample's cores used by other processes.
 */
export async function waitForQuiet(s: StreamNetwork, maxMs: number, limitCores = 0.2): Promise<number> {
  const deadline = performance.now() + maxMs;
  for (;;) {
    const meter = cpuMeter(s);
    await sleep(1_000);
    const others = meter().otherCores;
    if (others < limitCores || performance.now() >= deadline) return others;
  }
}

export type RelayCounters = {
  packetsIn: number;
  packetsOut: number;
  dropped: Record<string, number>;
  ticketsRejected: Record<string, number>;
  ackTimeouts: number;
  /** Link frames refused, by reason (e.g. nack_unknown: a NACK for a packet no longer awaiting its next hop's ACK). */
  framesRejected: Record<string, number>;
  /** ACK/NACK outcomes from next hops. */
  acksReceived: Record<string, number>;
  hopLatencyP50Ms: number;
  hopLatencyP99Ms: number;
};

export function relayCounters(before: Metrics, after: Metrics): RelayCounters {
  const delta = (name: string) => metricSum(after, name) - metricSum(before, name);
  const byLabel = (name: string) => {
    const a = metricByLabel(after, name);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(a)) {
      const d = v - (before.get(`${name}${k}`) ?? 0);
      if (d !== 0) out[k] = d;
    }
    return out;
  };
  return {
    packetsIn: delta("sotto_packets_in_total"),
    packetsOut: delta("sotto_packets_out_total"),
    dropped: byLabel("sotto_packets_dropped_total"),
    ticketsRejected: byLabel("sotto_tickets_rejected_total"),
    ackTimeouts: delta("sotto_ack_timeouts_total"),
    framesRejected: byLabel("sotto_frames_rejected_total"),
    acksReceived: byLabel("sotto_acks_received_total"),
    hopLatencyP50Ms: histogramQuantile(before, after, "sotto_hop_latency_seconds", 0.5).seconds * 1000,
    hopLatencyP99Ms: histogramQuantile(before, after, "sotto_hop_latency_seconds", 0.99).seconds * 1000,
  };
}

type ReceivedStats = { messages: number; bytes: number; bad: number; duplicates: number; inRange: number; missing: number[]; oneWayMs: [number, number][] };

/** Waits (≤ timeoutMs) until the recipient holds every message the sender got receipts for in [from, to). */
export async function awaitReceived(s: StreamNetwork, from: number, to: number, delivered: number, timeoutMs = 10_000): Promise<ReceivedStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await s.recipient.request<ReceivedStats>("received", { from, to, takeLatencies: false });
    if (got.inRange >= delivered || Date.now() > deadline) return s.recipient.request<ReceivedStats>("received", { from, to, takeLatencies: true });
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

type Phase = {
  name: string;
  load: Omit<LoadResult, "latencyMs" | "failedSeqs">;
  messagesPerSec: number;
  payloadMBps: number;
  packetsPerSec: number;
  latencyMs: ReturnType<typeof summarize>;
  oneWayMs: ReturnType<typeof summarize>;
  received: number;
  notReceived: number;
  corrupted: number;
  duplicates: number;
  lost: number;
  sustained: boolean | null;
  cpu: ReturnType<ReturnType<typeof cpuMeter>>;
  senderEventLoopDelayMs: { p50: number; p99: number; max: number };
  recipientEventLoopDelayMs: { p50: number; p99: number; max: number };
  relays: Record<string, RelayCounters>;
};

/** CPU per end-to-end packet during a phase (every packet crosses the home relay once), by process group. */
function cpuPerPacket(p: Phase): { relaysMs: number; senderMs: number; recipientMs: number; totalMs: number; packetsPerSecOnAllCores: number; perRelayMs: Record<string, number> } {
  const home = Object.entries(p.relays).find(([k]) => k.includes("(home)"))?.[1];
  const packets = Math.max(1, home?.packetsIn ?? 0);
  const ms = (cores: number) => (cores * p.cpu.seconds * 1000) / packets;
  const perRelayMs: Record<string, number> = {};
  let relaysMs = 0;
  for (const [name, cores] of Object.entries(p.cpu.cores)) {
    if (!name.startsWith("relay")) continue;
    const key = Object.keys(p.relays).find((k) => k.startsWith(`${name} `)) ?? name;
    perRelayMs[key] = ms(cores);
    relaysMs += ms(cores);
  }
  const senderMs = ms(p.cpu.cores.sender ?? 0);
  const recipientMs = ms(p.cpu.cores.recipient ?? 0);
  const totalMs = relaysMs + senderMs + recipientMs + ms(p.cpu.cores["chain+bench"] ?? 0);
  return { relaysMs, senderMs, recipientMs, totalMs, packetsPerSecOnAllCores: (cpus().length * 1000) / totalMs, perRelayMs };
}

async function benchmark(): Promise<void> {
  const log = makeLogger("bench:stream");
  const SECONDS = Number(process.env.STREAM_SECONDS ?? "12");
  const WARMUP = Number(process.env.STREAM_WARMUP_SECONDS ?? "3");
  const LARGE = Number(process.env.STREAM_LARGE_BYTES ?? "16384");
  const WINDOW_SMALL = Number(process.env.STREAM_WINDOW_SMALL ?? "24");
  const WINDOW_LARGE = Number(process.env.STREAM_WINDOW_LARGE ?? "4");
  const QUIET_BUDGET_SECONDS = Number(process.env.STREAM_QUIET_BUDGET_SECONDS ?? "90");
  const defaults = !["STREAM_PROFILE", "STREAM_SECONDS", "STREAM_WARMUP_SECONDS", "STREAM_LARGE_BYTES", "STREAM_WINDOW_SMALL", "STREAM_WINDOW_LARGE"].some((k) => process.env[k] !== undefined);
  const machine = machineInfo();
  log(`${machine.cores} cores (${machine.cpu}), node ${machine.node}`);
  const started = performance.now();

  const s = await startStreamNetwork({ log });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await s.stop();
  };
  process.once("SIGINT", () => void stop().finally(() => process.exit(130)));
  try {
    const relayName = (r: LocalRelay) => `relay${r.index + 1}`;
    const roleOf = (r: LocalRelay) => (r === s.intro ? "introduction" : r === s.home ? "home" : "entry");
    const phases: Phase[] = [];
    const repeated: { name: string; otherCores: number; messagesPerSec: number; latencyP50Ms: number; latencyP99Ms: number }[] = [];
    let quietBudgetMs = QUIET_BUDGET_SECONDS * 1000;
    /**
     * Waits for a quiet machine (bounded), runs the phase; while other processes took > 0.3 cores during it,
     * runs it again (3 attempts at most, within the budget) and keeps the least disturbed attempt.
     */
    const runPhase = async (name: string, params: LoadParams): Promise<Phase> => {
      const attempts: Phase[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const waitStart = performance.now();
        const others = await waitForQuiet(s, Math.max(0, Math.min(20_000, quietBudgetMs)));
        quietBudgetMs -= performance.now() - waitStart;
        if (others >= 0.2) log(`  other processes use ${others.toFixed(2)} cores (waited as long as the budget allows)`);
        const phase = await measurePhase(name, params);
        attempts.push(phase);
        if (phase.cpu.otherCores <= 0.3 || quietBudgetMs <= 0) break;
        quietBudgetMs -= (phase.cpu.seconds * 1000) / 2; // a repeat costs budget too
        if (attempt < 2) log(`  other processes took ${phase.cpu.otherCores.toFixed(2)} cores during the phase: running it again`);
      }
      const best = attempts.reduce((a, b) => (b.cpu.otherCores < a.cpu.otherCores ? b : a));
      for (const a of attempts) if (a !== best) repeated.push({ name, otherCores: a.cpu.otherCores, messagesPerSec: a.messagesPerSec, latencyP50Ms: a.latencyMs.p50, latencyP99Ms: a.latencyMs.p99 });
      if (attempts.length > 1) log(`  kept the attempt with other processes at ${best.cpu.otherCores.toFixed(2)} cores`);
      phases.push(best);
      return best;
    };
    const measurePhase = async (name: string, params: LoadParams): Promise<Phase> => {
      log(`${name}: ${params.rate ? `open loop, ${params.rate} messages/s` : `closed loop, ${params.window} messages in flight`}, ${params.warmupSeconds} s warm-up + ${params.seconds} s`);
      const m0 = await Promise.all(s.net.relays.map(scrape));
      await Promise.all([s.sender.request("usage"), s.recipient.request("usage")]);
      const meter = cpuMeter(s);
      const load = await s.sender.request<LoadResult>("load", { params });
      const got = await awaitReceived(s, load.firstSeq, load.endSeq, load.delivered);
      const cpu = meter();
      const [senderUsage, recipientUsage] = await Promise.all([s.sender.request<{ eventLoopDelayMs: Phase["senderEventLoopDelayMs"] }>("usage"), s.recipient.request<{ eventLoopDelayMs: Phase["senderEventLoopDelayMs"] }>("usage")]);
      const m1 = await Promise.all(s.net.relays.map(scrape));
      const { latencyMs, failedSeqs, ...rest } = load;
      const lost = load.launched - load.delivered;
      const notReceived = load.launched - got.inRange;
      const phase: Phase = {
        name,
        load: rest,
        messagesPerSec: load.deliveredInWindow / load.measuredSeconds,
        payloadMBps: (load.deliveredInWindow * load.size) / load.measuredSeconds / 1e6,
        packetsPerSec: ((load.deliveredInWindow * load.fragments) / Math.max(1, load.delivered)) / load.measuredSeconds,
        latencyMs: summarize(latencyMs),
        oneWayMs: summarize(got.oneWayMs.filter(([seq]) => seq >= load.windowFirstSeq && seq < load.windowEndSeq).map(([, ms]) => ms)),
        received: got.inRange,
        notReceived,
        corrupted: got.bad,
        duplicates: got.duplicates,
        lost,
        sustained: params.rate ? load.lateStarts === 0 && lost === 0 && load.launchedInWindow >= 0.97 * params.rate * params.seconds : null,
        cpu,
        senderEventLoopDelayMs: senderUsage.eventLoopDelayMs,
        recipientEventLoopDelayMs: recipientUsage.eventLoopDelayMs,
        relays: Object.fromEntries(s.net.relays.map((r, i) => [`${relayName(r)} (${roleOf(r)})`, relayCounters(m0[i]!, m1[i]!)])),
      };
      if (failedSeqs.length > 0) log(`  ${failedSeqs.length} messages failed: ${load.failures.slice(0, 3).map((f) => `#${f.seq}: ${f.error}`).join("; ")}`);
      if (load.retries > 0) log(`  ${load.retries} packets sent again: ${Object.entries(load.retryReasons).map(([k, v]) => `${v}× ${k}`).join("; ")}`);
      if (got.missing.length > 0) log(`  not received: ${got.missing.slice(0, 10).join(", ")}${got.missing.length > 10 ? ", …" : ""}`);
      log(
        `  ${phase.messagesPerSec.toFixed(1)} messages/s, ${phase.payloadMBps.toFixed(3)} MB/s, ${phase.packetsPerSec.toFixed(0)} packets/s; send → receipt p50 ${phase.latencyMs.p50.toFixed(1)} ms, p99 ${phase.latencyMs.p99.toFixed(1)} ms; ` +
          `lost ${lost}, not received ${notReceived}; machine ${cpu.machineBusyCores.toFixed(2)} cores busy (others ${cpu.otherCores.toFixed(2)})`,
      );
      return phase;
    };

    const sizes = [
      { key: "small", size: s.capacity, window: WINDOW_SMALL, what: `${s.capacity} B (one full packet)` },
      { key: "large", size: LARGE, window: WINDOW_LARGE, what: `${LARGE} B (${Math.ceil(LARGE / s.capacity)} packets)` },
    ];
    const figures: { figure: string; value: number; unit: string; target: string; met: boolean | null; note: string }[] = [];
    const perSize: Record<string, { closed: Phase; half: Phase }> = {};
    for (const z of sizes) {
      const closed = await runPhase(`${z.key} ${z.what}: closed loop, ${z.window} in flight`, { label: `${z.key}-closed`, size: z.size, window: z.window, warmupSeconds: WARMUP, seconds: SECONDS });
      const rate = Math.max(1, Math.round((closed.messagesPerSec / 2) * 10) / 10);
      const half = await runPhase(`${z.key} ${z.what}: open loop at half (${rate}/s)`, { label: `${z.key}-half`, size: z.size, rate, maxInFlight: Math.max(4 * z.window, 16), warmupSeconds: 2, seconds: SECONDS });
      perSize[z.key] = { closed, half };
      const c = cpuPerPacket(closed);
      const hop = (ph: Phase, q: "hopLatencyP50Ms" | "hopLatencyP99Ms") => {
        const v = Object.values(ph.relays).map((r) => r[q]).filter(Number.isFinite);
        return `${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)} ms`;
      };
      const busy = `machine ${closed.cpu.machineBusyCores.toFixed(2)}/${machine.cores} cores busy, other processes ${closed.cpu.otherCores.toFixed(2)}`;
      figures.push(
        { figure: `${z.key} messages (${z.size} B): max throughput`, value: closed.messagesPerSec, unit: "messages/s", target: "", met: null, note: `closed loop, ${z.window} messages in flight, ${closed.packetsPerSec.toFixed(0)} packets/s end to end; ${busy}; CPU per packet ${c.totalMs.toFixed(1)} ms (relays ${c.relaysMs.toFixed(1)}, sender ${c.senderMs.toFixed(1)}, recipient ${c.recipientMs.toFixed(1)}) → ≈ ${c.packetsPerSecOnAllCores.toFixed(0)} packets/s if they had all ${machine.cores} cores` },
        { figure: `${z.key} messages (${z.size} B): payload at max`, value: closed.payloadMBps, unit: "MB/s", target: "", met: null, note: "message bytes delivered with verified receipts (10^6 B)" },
        { figure: `${z.key} messages: send → receipt p50 at max`, value: closed.latencyMs.p50, unit: "ms", target: "", met: null, note: `closed loop (queueing included); one-way send → received p50 ${closed.oneWayMs.p50.toFixed(1)} ms` },
        { figure: `${z.key} messages: send → receipt p99 at max`, value: closed.latencyMs.p99, unit: "ms", target: "", met: null, note: `closed loop; one-way p99 ${closed.oneWayMs.p99.toFixed(1)} ms` },
        { figure: `${z.key} messages: send → receipt p50 at half`, value: half.latencyMs.p50, unit: "ms", target: "", met: null, note: `open loop at ${rate} messages/s${half.sustained ? "" : " (not sustained)"}, other processes ${half.cpu.otherCores.toFixed(2)} cores; one-way p50 ${half.oneWayMs.p50.toFixed(1)} ms; relays' hop latency metric p50 ${hop(half, "hopLatencyP50Ms")}` },
        { figure: `${z.key} messages: send → receipt p99 at half`, value: half.latencyMs.p99, unit: "ms", target: "", met: null, note: `open loop at ${rate} messages/s; one-way p99 ${half.oneWayMs.p99.toFixed(1)} ms; relays' hop latency metric p99 ${hop(half, "hopLatencyP99Ms")}` },
      );
    }
    const totalLaunched = phases.reduce((a, p) => a + p.load.launched, 0);
    const totalLost = phases.reduce((a, p) => a + p.lost + Math.max(0, p.notReceived - p.lost) + p.corrupted, 0);
    figures.push({ figure: "messages lost (no receipt, not received or corrupted)", value: totalLost, unit: "messages", target: "= 0", met: totalLost === 0, note: `of ${totalLaunched} sent in all phases` });

    // stdout: the table.
    const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));
    console.log(`End-to-end stream — one sender → one recipient over 3-relay routes through 5 relay processes (client SDK both ends, real libp2p on loopback, tickets on, mixing off)\n`);
    console.log(`${"phase".padEnd(58)}${"msg/s".padStart(8)}${"MB/s".padStart(8)}${"pkt/s".padStart(7)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"lost".padStart(6)}${"busy".padStart(6)}`);
    for (const p of phases) {
      console.log(`${p.name.padEnd(58)}${p.messagesPerSec.toFixed(1).padStart(8)}${p.payloadMBps.toFixed(3).padStart(8)}${p.packetsPerSec.toFixed(0).padStart(7)}${p.latencyMs.p50.toFixed(1).padStart(9)}${p.latencyMs.p99.toFixed(1).padStart(9)}${String(Math.max(p.lost, p.notReceived) + p.corrupted).padStart(6)}${p.cpu.machineBusyCores.toFixed(2).padStart(6)}`);
    }
    console.log(`\nCPU (cores) per process during each closed-loop phase:`);
    for (const z of sizes) {
      const c = perSize[z.key]!.closed.cpu;
      console.log(`  ${z.key}: ${Object.entries(c.cores).map(([k, v]) => `${k}${k.startsWith("relay") ? `(${roleOf(s.net.relays[Number(k.slice(5)) - 1]!)[0]})` : ""} ${v.toFixed(2)}`).join(", ")}; other processes ${c.otherCores.toFixed(2)}`);
    }
    console.log(`\n${"figure".padEnd(52)}${"value".padStart(10)} ${"unit".padEnd(11)} target`);
    for (const f of figures) console.log(`${f.figure.padEnd(52)}${fmt(f.value).padStart(10)} ${f.unit.padEnd(11)} ${f.met === null ? "— (no §7 target)" : `${f.met ? "✓" : "✗"} ${f.target}`}  ${f.note}`);

    const out = {
      benchmark: "stream",
      generatedAt: new Date().toISOString(),
      machine,
      setup: {
        description: "one sender → one recipient, client SDK (createSottoClient, send/listen/onMessage) in two processes, 5 relay processes (sotto relay start), embedded chain in the benchmark process; real libp2p (TCP+Noise+Yamux) on loopback; tickets on, mixing off",
        relays: s.net.relays.map((r) => ({ relay: r.index + 1, node: r.node, role: roleOf(r), fee: r.fee })),
        route: `entry (one of relays ${s.entries.map((r) => r.index + 1).join(", ")}, drawn per message by the SDK) → introduction relay ${s.intro.index + 1} → home relay ${s.home.index + 1} → recipient`,
        bytesPerPacket: s.capacity,
        feePerPacket: s.feePerPacket,
        relayConfigOverrides: s.relayConfig,
        clientOptions: "SDK defaults: 4 fragments of a message in flight, ack timeout 10 s, receipt timeout 30 s, 3 attempts; no reply path",
        secondsPerPhase: SECONDS,
        warmupSeconds: WARMUP,
        windows: { small: WINDOW_SMALL, large: WINDOW_LARGE },
        throughputRule: "messages whose send() resolved with a verified receipt for every fragment inside the measured window (after the warm-up), divided by its length; payload = those messages' bytes (MB = 10^6 B)",
        latencyRule: "send() call → resolved with every fragment's receipt, for messages started inside the measured window; one-way = send() call → the recipient's onMessage (same machine clock)",
        lossRule: "a message is lost if send() failed or resolved without a verified receipt per fragment, or the recipient did not get it intact",
      },
      figures,
      bound: {
        summary:
          `CPU. ${machine.cores} cores run everything: 5 relay processes (each with its crypto worker thread), the sender, the recipient and the chain. ` +
          `Every packet is handled by 3 relay processes (an entry, then the introduction and home relays, which see every packet), the sender (onion build, wallet signature of the ticket) and the recipient (peel, ack, reassembly). ` +
          sizes
            .map((z) => {
              const p = perSize[z.key]!.closed;
              const c = cpuPerPacket(p);
              return `${z.key} messages at max: machine ${p.cpu.machineBusyCores.toFixed(2)} of ${machine.cores} cores busy (other processes ${p.cpu.otherCores.toFixed(2)}), ${c.totalMs.toFixed(1)} ms of CPU per packet (relays ${c.relaysMs.toFixed(1)}, sender ${c.senderMs.toFixed(1)}, recipient ${c.recipientMs.toFixed(1)}) → at most ≈ ${c.packetsPerSecOnAllCores.toFixed(0)} packets/s with every core ours.`;
            })
            .join(" ") +
          (() => {
            const p = perSize.large!.closed.cpu.otherCores < perSize.small!.closed.cpu.otherCores ? perSize.large!.closed : perSize.small!.closed;
            const [busiest, cores] = Object.entries(p.cpu.cores).reduce((a, b) => (b[1] > a[1] ? b : a));
            const rates = Object.values(p.relays).map((r) => r.packetsIn / p.cpu.seconds);
            return (
              ` The busiest process (${busiest}) used ${cores.toFixed(2)} of a core${cores < 0.9 ? ": no process is saturated, the machine is" : ""}. ` +
              `The relays ran at ${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)} packets/s each, far below one relay's capacity in bench:relay, where the CPU per packet falls as the rate rises (more work per libp2p write and per SQLite commit).`
            );
          })(),
        cpuPerPacketMs: Object.fromEntries(sizes.map((z) => [z.key, cpuPerPacket(perSize[z.key]!.closed)])),
      },
      phases,
      phasesRepeatedForInterference: repeated,
      totalSeconds: (performance.now() - started) / 1000,
    };
    const dir = defaults ? join(here, "results") : tmpdir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, defaults ? "stream.json" : `stream-${process.pid}.json`);
    writeFileSync(file, toJson(out));
    console.log(`\nwrote ${file}`);
    if (totalLost > 0) process.exitCode = 1;
  } finally {
    await stop();
  }
}

if (import.meta.main) {
  if (process.argv[2] === "--peer") {
    runPeer().catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
  } else {
    benchmark().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        process.stderr.write(`bench:stream failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  }
}
