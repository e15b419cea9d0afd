import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The EIP-1193 provider of Hardhat's in-process EVM (EDR). */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: string | number | null;
  method?: unknown;
  params?: unknown;
}

const MAX_BODY = 10 * 1024 * 1024;

/**
 * Serves an in-process EVM over JSON-RPC HTTP on loopback, so relay processes can follow it like any
 * chain. The chain lives in this process: `pause()` takes the RPC away (connections refused) and
 * `resume()` brings it back on the same port with all state intact — the "RPC goes away" fault.
 */
export class EmbeddedChainServer {
  readonly #provider: Eip1193Provider;
  #server: Server | undefined;
  #port = 0;
  readonly #host: string;

  constructor(provider: Eip1193Provider, options: { host?: string; port?: number } = {}) {
    this.#provider = provider;
    this.#host = options.host ?? "127.0.0.1";
    this.#port = options.port ?? 0;
  }

  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }

  get running(): boolean {
    return this.#server !== undefined;
  }

  async start(): Promise<string> {
    if (this.#server) return this.url;
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, this.#host, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this.url;
  }

  /** Stops answering (and drops open connections) but keeps the chain. */
  async pause(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  resume(): Promise<string> {
    return this.start();
  }

  stop(): Promise<void> {
    return this.pause();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      this.#reply(res, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
      return;
    }
    const result = Array.isArray(body) ? await Promise.all(body.map((r) => this.#call(r as JsonRpcRequest))) : await this.#call(body as JsonRpcRequest);
    this.#reply(res, result);
  }

  async #call(request: JsonRpcRequest): Promise<object> {
    const id = request.id ?? null;
    if (typeof request.method !== "string") return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request" } };
    try {
      const params = (request.params ?? []) as unknown[];
      const result = await this.#provider.request({ method: request.method, params });
      return { jsonrpc: "2.0", id, result: result ?? null };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return { jsonrpc: "2.0", id, error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(error), ...(e.data !== undefined ? { data: e.data } : {}) } };
    }
  }

  #reply(res: ServerResponse, payload: unknown): void {
    const text = JSON.stringify(payload, (_key, value) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value));
    res.writeHead(200, { "content-type": "application/json" }).end(text);
  }
}
