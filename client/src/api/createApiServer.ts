import { timingSafeEqual } from "node:crypto";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import type { SottoClient } from "../createSottoClient.ts";
import type { ClientLogger, ReceivedMessage } from "../types.ts";
import { silentLogger } from "../internal/utils.ts";

export type CreateApiServerParameters = {
  client: SottoClient;
  /** Bearer token every /v1 request must carry (`Authorization: Bearer <token>`; WebSockets may use `?token=`). */
  token: string;
  /** Subscribe at the client's home relays at start and keep receiving (default: when the client has an identity). */
  listen?: boolean | undefined;
  /** Messages kept for GET /v1/inbox at most (oldest dropped). Default 1,000. */
  maxQueued?: number | undefined;
  logger?: Partial<ClientLogger> | undefined;
};

/** A received message as the API sends it. */
export type ApiMessage = {
  messageId: string;
  /** The sender's reply path as a `sotto1…` address (POST /v1/send to it to answer), if it sent one. */
  from?: string | undefined;
  /** UTF-8 text (with replacement characters where the bytes are not UTF-8). */
  message: string;
  messageBase64: string;
  replyable: boolean;
  /** The address of this client it came through. */
  address?: string | undefined;
  receivedAt: number;
};

const amount = { type: "string", pattern: "^[0-9]{1,39}$" } as const;
const nodeAddress = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } as const;

/** JSON with bigints as decimal strings. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));

export function toApiMessage(m: ReceivedMessage): ApiMessage {
  return {
    messageId: m.messageId,
    ...(m.from ? { from: m.from } : {}),
    message: m.text,
    messageBase64: Buffer.from(m.message).toString("base64"),
    replyable: m.replyPath !== undefined,
    ...(m.address ? { address: m.address } : {}),
    receivedAt: m.receivedAt,
  };
}

/** HTTP status for an SDK error, by name (docs/client.md "Local API"). */
function statusOf(error: { name?: string }): number {
  switch (error.name) {
    case "InvalidRecipientError":
    case "AddressExpiredError":
    case "InvalidArgumentError":
    case "MessageTooLargeError":
    case "RelayNotFoundError":
      return 400;
    case "InsufficientChannelFundsError":
      return 402;
    case "WalletRequiredError":
    case "IdentityRequiredError":
    case "NoAddressError":
      return 403;
    case "NoChannelError":
    case "NoRouteError":
    case "ChannelStateError":
      return 409;
    case "RelayUnreachableError":
      return 502;
    case "DeliveryFailedError":
      return 504;
    default:
      return 500;
  }
}

/**
 * The local JSON API of a Sotto client (`sotto client serve`), for apps in any language: HTTP on loopback
 * by default, `Authorization: Bearer <token>` on everything under /v1 (401 without), bodies checked by JSON
 * schema (400 with the reason), amounts as decimal strings.
 *
 * - `GET /healthz` — open: `{ ok, chainId, account, nodeId, listening }`
 * - `POST /v1/send` `{ to, message | messageBase64, waitForReceipt?, replyPath? }` — receipts, fee, route
 * - `GET /v1/address` — the current address (one is created if there is none); `POST /v1/address` — a new one
 * - `GET /v1/inbox` — fetch from the home relays, return (and clear) the messages received so far
 * - `GET /v1/channels` / `POST /v1/channels` `{ relay, amount, permit? }` — show / open or fund
 * - `GET /v1/relays` — the relay directory
 * - `WS /v1/subscribe` — pushes each message as `{ messageId, from?, message, messageBase64, replyable, … }`
 *
 * @example
 * const app = await createApiServer({ client, token });
 * await app.listen({ host: "127.0.0.1", port: 7300 });
 */
export async function createApiServer(parameters: CreateApiServerParameters): Promise<FastifyInstance> {
  const { client } = parameters;
  const logger: ClientLogger = { ...silentLogger, ...parameters.logger };
  const maxQueued = parameters.maxQueued ?? 1_000;
  const expected = Buffer.from(parameters.token);
  const queue: ApiMessage[] = [];
  const sockets = new Set<WebSocket>();
  let listening = false;

  const app = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } },
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  app.setErrorHandler((error: { validation?: unknown; statusCode?: number; message: string; name?: string; shortMessage?: string; details?: string; missing?: bigint }, _request, reply) => {
    if (error.validation) return reply.status(400).send({ error: "bad_request", message: error.message });
    if (error.statusCode && error.statusCode < 500) return reply.status(error.statusCode).send({ error: "bad_request", message: error.message });
    const status = statusOf(error);
    if (status === 500) logger.error("API request failed", {}, error);
    return reply.status(status).send({
      error: error.name ?? "internal_error",
      message: error.shortMessage ?? error.message.split("\n")[0],
      ...(error.missing !== undefined ? { missing: error.missing.toString() } : {}),
      ...(error.details ? { details: error.details } : {}),
    });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: "not_found", message: `no route ${request.method} ${request.url.split("?")[0]}` }));

  const authorized = (request: FastifyRequest): boolean => {
    const header = request.headers.authorization ?? "";
    let given = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!given && request.headers.upgrade?.toLowerCase() === "websocket") given = String((request.query as Record<string, unknown> | undefined)?.token ?? "");
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };

  app.get("/healthz", async () => ({ ok: true, chainId: client.chainId, account: client.account ?? null, nodeId: client.nodeId ?? null, listening }));

  const deliver = (m: ReceivedMessage) => {
    const message = toApiMessage(m);
    queue.push(message);
    if (queue.length > maxQueued) queue.shift();
    const text = JSON.stringify({ type: "message", ...message });
    for (const socket of sockets) if (socket.readyState === 1) socket.send(text);
  };

  await app.register(async (v1) => {
    v1.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
      if (!authorized(request)) {
        return reply.status(401).header("www-authenticate", "Bearer").send({ error: "unauthorized", message: "missing or wrong bearer token (see api.token in client.json)" });
      }
    });

    v1.post(
      "/send",
      {
        schema: {
          body: {
            type: "object",
            additionalProperties: false,
            required: ["to"],
            properties: {
              to: { type: "string", minLength: 5, maxLength: 4096 },
              message: { type: "string", maxLength: 65_536 },
              messageBase64: { type: "string", maxLength: 87_384, pattern: "^[A-Za-z0-9+/]*={0,2}$" },
              waitForReceipt: { type: "boolean" },
              replyPath: { type: "boolean" },
            },
            oneOf: [{ required: ["message"] }, { required: ["messageBase64"] }],
          },
        },
      },
      async (request) => {
        const body = request.body as { to: string; message?: string; messageBase64?: string; waitForReceipt?: boolean; replyPath?: boolean };
        const bytes = body.message !== undefined ? new TextEncoder().encode(body.message) : new Uint8Array(Buffer.from(body.messageBase64!, "base64"));
        const result = await client.send(body.to, bytes, { waitForReceipt: body.waitForReceipt, replyPath: body.replyPath });
        return plain(result);
      },
    );

    const addressOut = (a: { address: string; expiresAt: bigint; intro: string; home: string }) => ({ address: a.address, expiresAt: Number(a.expiresAt), intro: a.intro, home: a.home });
    v1.get("/address", async () => {
      const current = (await client.getAddresses()).at(-1) ?? (await client.address());
      return addressOut(current);
    });
    v1.post("/address", { schema: { body: { type: ["object", "null"], additionalProperties: false, properties: { expiresInSeconds: { type: "integer", minimum: 60, maximum: 31_536_000 } } } } }, async (request) => {
      const body = (request.body ?? {}) as { expiresInSeconds?: number };
      return addressOut(await client.address({ expiresInSeconds: body.expiresInSeconds }));
    });

    v1.get("/inbox", async () => {
      await client.inbox();
      return { messages: queue.splice(0) };
    });

    v1.get("/channels", async () => plain({ channels: await client.getChannels() }));
    v1.post(
      "/channels",
      {
        schema: {
          body: {
            type: "object",
            additionalProperties: false,
            required: ["relay", "amount"],
            properties: { relay: nodeAddress, amount, permit: { type: "boolean" } },
          },
        },
      },
      async (request) => {
        const body = request.body as { relay: `0x${string}`; amount: string; permit?: boolean };
        if (BigInt(body.amount) === 0n) throw Object.assign(new Error("body/amount must be positive"), { statusCode: 400 });
        return plain(await client.fundChannel({ relay: body.relay, amount: BigInt(body.amount), permit: body.permit }));
      },
    );

    v1.get("/relays", async () => plain({ relays: (await client.getRelays()).map(({ nodeId: _n, ...r }) => r) }));

    v1.get("/subscribe", { websocket: true }, (socket: WebSocket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.send(JSON.stringify({ type: "hello", nodeId: client.nodeId ?? null, listening }));
    });
  }, { prefix: "/v1" });

  if (client.nodeId) {
    client.onMessage(deliver);
    if (parameters.listen ?? true) {
      try {
        if ((await client.getAddresses()).length === 0) await client.address();
        await client.listen();
        listening = true;
      } catch (error) {
        logger.warn("not listening for messages (GET /v1/inbox still fetches them)", {}, error);
      }
    }
  }
  app.addHook("onClose", async () => {
    for (const socket of sockets) socket.close(1001, "server closing");
  });
  return app;
}
