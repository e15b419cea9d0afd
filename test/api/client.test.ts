/**
 * The client's local JSON API (`createApiServer`, what `sotto client serve` runs) against three relay
 * processes on the embedded chain: authentication, body validation, and real traffic — a message from an
 * SDK client arrives on the API's WebSocket, the API replies to its `from` address, the SDK client gets the
 * reply; channels are funded through the API; the Python example (standard library only) drives the same
 * API when python3 is installed. Fees are checked on chain after the relays settle.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import { getChannel } from "#contracts";
import { createSottoClient, type ClientLogger, type ReceivedMessage, type SottoClient } from "#client";
import { createApiServer } from "#client/node";
import { startLocalNetwork, type LocalNetwork } from "../../cli/src/devnet/localNetwork.ts";
import { waitFor, within } from "../support/waitFor.ts";

const repoRoot = join(import.meta.dirname, "../..");
const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;

describe("local API of a client (relay processes, real libp2p and chain)", () => {
  let net: LocalNetwork;
  let sdk: SottoClient; // an app using the SDK directly
  let served: SottoClient; // the client behind the API
  let app: FastifyInstance;
  let url: string;
  const token = randomBytes(18).toString("base64url");
  const sdkInbox: ReceivedMessage[] = [];
  const entries = new Map<SottoClient, Address>();
  // Both clients' logs, kept so that a failing step can show what the clients saw (the last 400 lines).
  const clientLog: string[] = [];
  const recorder = (who: string): ClientLogger => {
    const at = (level: string) => (message: string, context?: Record<string, unknown>, error?: unknown) => {
      const fields = JSON.stringify(context ?? {}, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
      clientLog.push(`${new Date().toISOString()} ${who} ${level} ${message} ${fields}${error ? ` (${(error as Error).message})` : ""}`);
      if (clientLog.length > 400) clientLog.shift();
    };
    return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  };
  const withClientLog = async (body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      if (error instanceof Error) error.message += `\n--- the clients' last log lines ---\n${clientLog.slice(-80).join("\n")}`;
      throw error;
    }
  };

  const api = async (path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token !== null) headers.authorization = `Bearer ${init.token ?? token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${url}${path}`, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, ...(init.body !== undefined ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  async function makeClient(account: number, entry: number, name: string): Promise<SottoClient> {
    const wallet = net.devnet.wallet(net.devnet.accountKey(account));
    await net.devnet.fund(wallet.account.address, { tokens: 10_000n });
    const client = await createSottoClient({ publicClient: net.devnet.publicClient, wallet, contracts: net.devnet.contracts, identityKey: randomBytes(32), receiptTimeoutMs: 20_000, logger: recorder(name) });
    await client.fundChannel({ relay: net.relays[entry]!.node, amount: 1_000n });
    entries.set(client, net.relays[entry]!.node);
    return client;
  }

  beforeAll(async () => {
    net = await startLocalNetwork({ relays: 3, processes: true, logLevel: process.env.E2E_LOG ?? "warn", relayConfig: { settlement: { jitterMs: 0, minValue: "1000000" }, tickets: { voucherIdleMs: 200 } } });
    sdk = await makeClient(15, 0, "sdk");
    await sdk.address();
    await sdk.listen();
    sdk.onMessage((m) => void sdkInbox.push(m));
    served = await makeClient(16, 1, "served");
    app = await createApiServer({ client: served, token });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await Promise.all([sdk, served].map((c) => c?.close()));
    await net?.stop();
  });

  it("is open only at /healthz; every /v1 route needs the bearer token (401), also the WebSocket", async () => {
    const health = await api("/healthz", { token: null });
    expect(health).toMatchObject({ status: 200, body: { ok: true, listening: true, nodeId: served.nodeId, account: served.account } });
    for (const [method, path] of [["GET", "/v1/address"], ["POST", "/v1/send"], ["GET", "/v1/inbox"], ["GET", "/v1/channels"], ["POST", "/v1/channels"], ["GET", "/v1/relays"]] as const) {
      const body = method === "POST" ? {} : undefined;
      expect((await api(path, { method, body, token: null })).status, `${method} ${path} without a token`).toBe(401);
      expect((await api(path, { method, body, token: "x".repeat(token.length) })).status, `${method} ${path} with a wrong token`).toBe(401);
    }
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url.replace("http", "ws")}/v1/subscribe`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => undefined);
    });
    expect(refused).toBe(401);
  });

  it("answers 400 with the reason for bad bodies", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["/v1/send", {}, /must have required property 'to'/],
      ["/v1/send", { to: "sotto1abc" }, /must match exactly one schema in oneOf|required property 'message'/],
      ["/v1/send", { to: "sotto1abc", message: "a", messageBase64: "YQ==" }, /must match exactly one schema in oneOf/],
      ["/v1/send", { to: "sotto1abc", messageBase64: "not base64!" }, /messageBase64 must match pattern/],
      ["/v1/send", { to: "sotto1abc", message: "a", colour: "red" }, /must NOT have additional properties/],
      ["/v1/send", { to: 5, message: "a" }, /body\/to must be string/],
      ["/v1/send", "{not json", /JSON/],
      ["/v1/channels", { relay: "0x12", amount: "1" }, /body\/relay must match pattern/],
      ["/v1/channels", { relay: net.relays[0]!.node, amount: "-3" }, /body\/amount must match pattern/],
      ["/v1/channels", { relay: net.relays[0]!.node, amount: 5 }, /body\/amount must be string/],
      ["/v1/channels", { relay: net.relays[0]!.node, amount: "0" }, /amount must be positive/],
      ["/v1/send", { to: "sotto1qqqqqqqq", message: "hi" }, /Invalid recipient: not a valid sotto1… address/],
    ];
    for (const [path, body, reason] of cases) {
      const res = await api(path, { body });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.message, `${path} ${JSON.stringify(body)}`).toMatch(reason);
    }
  });

  it("pushes a message from the network on the WebSocket, replies to its `from` through POST /v1/send, and the sender gets the reply", async () => {
    const { body: address } = await api("/v1/address");
    expect(address.address).toMatch(/^sotto1/);
    expect((await api("/v1/address")).body.address).toBe(address.address);

    const ws = new WebSocket(`${url.replace("http", "ws")}/v1/subscribe?token=${token}`);
    const pushed: Record<string, any>[] = [];
    ws.on("message", (data) => pushed.push(JSON.parse(String(data))));
    await waitFor(() => pushed.length, (n) => n >= 1, "the WebSocket hello", 20_000);

    const sent = await sdk.send(address.address, "hello API");
    expect(sent.delivered).toBe(true);
    const event = (await waitFor(() => pushed.find((e) => e.type === "message"), (e) => e !== undefined, "the pushed message", 20_000))!;
    expect(event).toMatchObject({ message: "hello API", messageBase64: Buffer.from("hello API").toString("base64"), replyable: true, address: address.address });
    expect(event.from).toMatch(/^sotto1/);

    const reply = await api("/v1/send", { body: { to: event.from, messageBase64: Buffer.from([0xff, 0x00, 0x01]).toString("base64") } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ delivered: true, fragments: 1 });
    expect(reply.body.receipts[0].recipientAck).toMatch(/^0x[0-9a-f]{64}$/);
    await waitFor(() => sdkInbox.length, (n) => n === 1, "the reply at the SDK client", 20_000);
    expect([...sdkInbox[0]!.message]).toEqual([0xff, 0x00, 0x01]);

    const inbox = await api("/v1/inbox");
    expect(inbox.body.messages.map((m: { message: string }) => m.message)).toEqual(["hello API"]);
    expect((await api("/v1/inbox")).body.messages).toEqual([]);
    ws.close();
  });

  it.skipIf(!python)("the Python example (standard library only) sends, fetches and listens through the API", () => withClientLog(async () => {
    const script = join(repoRoot, "docs/examples/python/sotto_client.py");
    const env = { ...process.env, SOTTO_API_URL: url, SOTTO_API_TOKEN: token };
    // Asynchronous: the API answering the script runs in this very process.
    // Each step is bounded well inside the test's timeout, so a hang names the step that hung.
    const run = async (...args: string[]) => {
      const child = spawn(python!, [script, ...args], { env });
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      const closed = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.once("close", (code) => resolve({ code, out, err })));
      try {
        return await within(closed, () => `python3 sotto_client.py ${args.join(" ")} (stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)})`, 30_000);
      } finally {
        child.kill(); // a no-op once it exited
      }
    };
    expect(JSON.parse((await run("address")).out).address).toMatch(/^sotto1/);
    const channels = JSON.parse((await run("channels")).out);
    expect(channels.map((c: { relay: string }) => c.relay)).toContain(entries.get(served));

    const sdkAddress = (await sdk.getAddresses()).at(-1)!.address;
    const sent = await run("send", sdkAddress, "from", "python");
    expect(sent.code, sent.err).toBe(0);
    expect(JSON.parse(sent.out)).toMatchObject({ delivered: true });
    await waitFor(() => sdkInbox.length, (n) => n === 2, "python's message at the SDK client", 20_000);
    expect(sdkInbox[1]!.text).toBe("from python");

    const bad = await run("send", "sotto1nope", "x");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err)).toMatchObject({ status: 400, error: "InvalidRecipientError" });

    // listen: the script subscribes over its own minimal WebSocket client and prints one message.
    const listener = spawn(python!, [script, "listen", "1"], { env });
    // Taken at spawn: the script may print the message and exit before the SDK's send has its receipt.
    const exited = new Promise<number | null>((resolve) => listener.once("close", resolve));
    const lines = createInterface({ input: listener.stdout! });
    const output: string[] = [];
    lines.on("line", (line) => output.push(line));
    await waitFor(() => output.length, (n) => n >= 1, "the python listener to subscribe", 20_000);
    expect(JSON.parse(output[0]!)).toMatchObject({ subscribed: true, nodeId: served.nodeId });
    const live = await within(sdk.send((await api("/v1/address")).body.address, "to python, live"), "the SDK's send to the API's address", 25_000);
    expect(live.delivered).toBe(true);
    const code = await within(exited, () => `the python listener to print the message (it printed ${JSON.stringify(output)})`, 20_000).finally(() => listener.kill());
    expect(code).toBe(0);
    expect(JSON.parse(output[1]!)).toMatchObject({ type: "message", message: "to python, live", replyable: true });
  }));

  it("shows and funds channels; after the relays settle, the chain holds what the ledger says was paid", async () => {
    const relay = entries.get(served)!;
    const before = (await api("/v1/channels")).body.channels.find((c: { relay: string }) => c.relay === relay);
    expect(BigInt(before.confirmed)).toBeGreaterThan(0n);
    const funded = await api("/v1/channels", { body: { relay, amount: "250", permit: true } });
    expect(funded.status, JSON.stringify(funded.body)).toBe(200);
    expect(BigInt(funded.body.channel.balance)).toBe(BigInt(before.balance) + 250n);

    const confirmed = { served: (await served.getChannel({ relay })).confirmed, sdk: (await sdk.getChannel({ relay: entries.get(sdk)! })).confirmed };
    await app.close();
    await Promise.all([served.close(), sdk.close()]); // vouchers still due go out
    await new Promise((r) => setTimeout(r, 500));
    for (const r of net.relays) await r.admin("/v1/settle", { body: {} });
    const channels = net.devnet.contracts.channels;
    expect((await getChannel(net.devnet.publicClient, { channels, payer: served.account!, payee: relay })).settled).toBe(confirmed.served);
    expect((await getChannel(net.devnet.publicClient, { channels, payer: sdk.account!, payee: entries.get(sdk)! })).settled).toBe(confirmed.sdk);
  });
});
