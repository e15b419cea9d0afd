/**
 * What every user command shares: the client directory (`sotto client init`), its config, keys and state
 * file, a lock so that two processes never drive the same channel ledger at once, and a connected
 * `SottoClient`.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Address } from "viem";
import { createSottoClient, type SottoClient } from "#client";
import { createFileStorage, KeyFileError, loadClientKeyFile, StorageFileError, type ClientKeys } from "#client/node";
import { createHost } from "#net/node";
import type { CommandIo, ParsedValues } from "../../command.ts";
import { UserError } from "../../errors.ts";
import { stringFlag } from "../../options/parse.ts";
import { connectChain } from "../../util/chainClients.ts";

export type ClientConfig = {
  version: 1;
  chain: { rpcUrl: string; chainId: number; registry: Address; channels: Address };
  api: { host: string; port: number; token: string };
};

/** The `--dir` flag every user command takes. */
export const dirOption = { dir: { type: "string", short: "d" } } as const;
export const dirDescription = { dir: "client directory from `sotto client init` (default $SOTTO_CLIENT_DIR, else ~/.sotto)" };

export function clientDir(values: ParsedValues, env: Record<string, string | undefined> = process.env): string {
  return resolve(stringFlag(values, "dir") ?? env.SOTTO_CLIENT_DIR ?? join(homedir(), ".sotto"));
}

export const paths = (dir: string) => ({ config: join(dir, "client.json"), keys: join(dir, "keys.json"), state: join(dir, "state.json"), lock: join(dir, "lock") });

export function loadClientConfig(dir: string): ClientConfig {
  const file = paths(dir).config;
  if (!existsSync(file)) throw new UserError(`no client in ${dir} (no client.json); create one with \`sotto client init --dir ${dir} --chain-id <id> --registry <addr> --channels <addr>\``);
  let json: Partial<ClientConfig>;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as Partial<ClientConfig>;
  } catch (error) {
    throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const bad = (what: string) => new UserError(`${file}: ${what}; fix it or create a new client with \`sotto client init\``);
  if (json.version !== 1) throw bad(`unsupported version ${String(json.version)}`);
  const chain = json.chain;
  if (!chain || typeof chain.rpcUrl !== "string" || !/^(https?|wss?):\/\//.test(chain.rpcUrl)) throw bad("chain.rpcUrl must be an http(s) or ws(s) URL");
  if (!Number.isInteger(chain.chainId) || chain.chainId < 1) throw bad("chain.chainId must be a positive integer");
  for (const k of ["registry", "channels"] as const) if (!/^0x[0-9a-fA-F]{40}$/.test(String(chain[k]))) throw bad(`chain.${k} must be a 0x-prefixed 20-byte address`);
  const api = json.api;
  if (!api || typeof api.host !== "string" || !Number.isInteger(api.port) || typeof api.token !== "string" || api.token.length < 16) throw bad("api needs host, port and a token of at least 16 characters");
  return json as ClientConfig;
}

function loadKeys(dir: string): ClientKeys {
  try {
    return loadClientKeyFile(paths(dir).keys);
  } catch (error) {
    if (error instanceof KeyFileError) throw new UserError(error.shortMessage);
    throw error;
  }
}

/**
 * Takes `dir`'s lock (a file with our pid). A lock held by a live process is refused: two processes would
 * sign tickets with the same indices. A stale lock (its process is gone) is taken over.
 */
export function takeLock(dir: string): () => void {
  const file = paths(dir).lock;
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8").trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === "EPERM";
      }
    }
    if (alive) {
      throw new UserError(`${dir} is in use by process ${pid} (is \`sotto client serve\` running with it?); use its local API, or stop it first`);
    }
  }
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(file, "utf8").trim() === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  };
}

export type OpenedClient = { client: SottoClient; config: ClientConfig; dir: string; close: () => Promise<void> };

/** Loads the directory, takes its lock, connects to the chain and builds the client (file storage, own libp2p key). */
export async function openClient(values: ParsedValues, io: CommandIo): Promise<OpenedClient> {
  const dir = clientDir(values);
  const config = loadClientConfig(dir);
  const keys = loadKeys(dir);
  const release = takeLock(dir);
  try {
    io.stderr(`connecting to chain ${config.chain.chainId} at ${config.chain.rpcUrl}…\n`);
    const { publicClient, wallet } = await connectChain(config.chain.rpcUrl, config.chain.chainId);
    let storage;
    try {
      storage = createFileStorage(paths(dir).state);
    } catch (error) {
      if (error instanceof StorageFileError) throw new UserError(error.message);
      throw error;
    }
    const host = await createHost({ privateKey: keys.libp2p, listen: [] });
    const client = await createSottoClient({
      publicClient,
      wallet: wallet(keys.walletPrivateKey),
      contracts: { registry: config.chain.registry, channels: config.chain.channels },
      identityKey: keys.identityKey,
      storage,
      host,
      watchDirectory: false,
      logger: process.env.SOTTO_CLIENT_DEBUG ? stderrLogger(io) : undefined,
    }).catch(async (error: unknown) => {
      await Promise.resolve(host.stop()).catch(() => undefined);
      throw error;
    });
    let closed = false;
    return {
      client,
      config,
      dir,
      close: async () => {
        if (closed) return;
        closed = true;
        await client.close().catch(() => undefined);
        await Promise.resolve(host.stop()).catch(() => undefined);
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

function stderrLogger(io: CommandIo) {
  const line = (level: string) => (message: string, context?: Record<string, unknown>, error?: unknown) =>
    io.stderr(`[${level}] ${message}${context && Object.keys(context).length ? ` ${JSON.stringify(context, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}` : ""}${error instanceof Error ? ` (${error.message.split("\n")[0]})` : ""}\n`);
  return { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
}

/** JSON for stdout: bigints as decimal strings, two-space indent. */
export const json = (value: unknown): string => `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? `0x${Buffer.from(v).toString("hex")}` : v), 2)}\n`;
