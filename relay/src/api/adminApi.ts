import { timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { RelayMetrics } from "../metrics.ts";

/** What the admin API reads from and asks of the running relay. Amounts are decimal strings. */
export interface AdminBackend {
  status(): Record<string, unknown>;
  peers(): Record<string, unknown>[];
  channels(): { incoming: Record<string, unknown>[]; outgoing: Record<string, unknown>[] };
  tickets(): Record<string, unknown>;
  mailbox(): Record<string, unknown>;
  settleNow(request: { channels?: string[] }): Promise<Record<string, unknown>>;
  health(): { ok: boolean; checks: Record<string, boolean> };
}

export interface AdminApiOptions {
  token: string;
  backend: AdminBackend;
  metrics: RelayMetrics;
  /** Request body cap; admin bodies are tiny. */
  bodyLimit?: number;
}

const hex32 = "^0x[0-9a-fA-F]{64}$";

/**
 * The relay's authenticated admin HTTP API. `/healthz` and `/metrics` are open (bind the API to
 * localhost or a private network); everything under `/v1` needs `Authorization: Bearer <token>`.
 * Bodies are validated by JSON schema: unknown fields and wrong types are 400s with the reason.
 */
export function createAdminApi(options: AdminApiOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } },
  });
  const expected = Buffer.from(`Bearer ${options.token}`);
  const { metrics, backend } = options;

  app.setErrorHandler((error: { validation?: unknown; statusCode?: number; message: string }, _request, reply) => {
    if (error.validation) {
      metrics.apiRejected.inc({ reason: "bad_body" });
      return reply.status(400).send({ error: "bad_request", message: error.message });
    }
    const status = error.statusCode ?? 500;
    const kind = status === 503 ? "unavailable" : status >= 500 ? "internal_error" : "bad_request";
    metrics.apiRejected.inc({ reason: kind });
    return reply.status(status).send({ error: kind, message: error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    metrics.apiRejected.inc({ reason: "not_found" });
    return reply.status(404).send({ error: "not_found", message: `no route ${request.method} ${request.url}` });
  });

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      metrics.apiRejected.inc({ reason: "unauthorized" });
      return reply.status(401).header("www-authenticate", "Bearer").send({ error: "unauthorized", message: "missing or wrong bearer token (see api.token in the relay config)" });
    }
  };

  app.get("/healthz", async (_request, reply) => {
    const health = backend.health();
    return reply.status(health.ok ? 200 : 503).send(health);
  });
  app.get("/metrics", async (_request, reply) => {
    return reply.header("content-type", metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.register(async (v1) => {
    v1.addHook("onRequest", authenticate);
    v1.get("/status", async () => backend.status());
    v1.get("/peers", async () => ({ peers: backend.peers() }));
    v1.get("/channels", async () => backend.channels());
    v1.get("/tickets", async () => backend.tickets());
    v1.get("/mailbox", async () => backend.mailbox());
    v1.post(
      "/settle",
      {
        schema: {
          body: {
            type: "object",
            additionalProperties: false,
            properties: { channels: { type: "array", maxItems: 1000, items: { type: "string", pattern: hex32 } } },
          },
        },
      },
      async (request) => backend.settleNow((request.body ?? {}) as { channels?: string[] }),
    );
  }, { prefix: "/v1" });

  return app;
}
