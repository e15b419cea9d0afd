import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { createRelayMetrics } from "../metrics.ts";
import { createAdminApi, type AdminBackend } from "./adminApi.ts";

// The admin API over real HTTP on loopback, with a minimal backend (the component under test is the API).
describe("admin API", () => {
  const token = "test-token-0123456789";
  const metrics = createRelayMetrics({ defaultMetrics: false });
  const settleCalls: unknown[] = [];
  const backend: AdminBackend = {
    status: () => ({ node: "0xabc", uptimeSeconds: 1 }),
    peers: () => [{ peer: "12D3KooW..." }],
    channels: () => ({ incoming: [], outgoing: [] }),
    tickets: () => ({ answered: 0 }),
    mailbox: () => ({ messages: 0 }),
    settleNow: async (request) => {
      settleCalls.push(request);
      return { submitted: 0 };
    },
    health: () => ({ ok: true, checks: { chain: true } }),
  };
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    app = createAdminApi({ token, backend, metrics });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => app.close());

  const call = (path: string, init: RequestInit = {}, auth = true) =>
    fetch(`${base}${path}`, { ...init, headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers } });

  it("serves health and metrics without a token", async () => {
    expect((await call("/healthz", {}, false)).status).toBe(200);
    const res = await call("/metrics", {}, false);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("sotto_api_rejected_total");
  });

  it("answers 401 without or with a wrong token, and counts it", async () => {
    expect((await call("/v1/status", {}, false)).status).toBe(401);
    const wrong = await fetch(`${base}/v1/status`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: "unauthorized" });
    const text = await metrics.registry.getSingleMetricAsString("sotto_api_rejected_total");
    expect(text).toMatch(/reason="unauthorized"} 2/);
  });

  it("serves every read endpoint with a token", async () => {
    for (const path of ["/v1/status", "/v1/peers", "/v1/channels", "/v1/tickets", "/v1/mailbox"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
    }
  });

  it("validates bodies: 400 with the reason, backend not called", async () => {
    const before = settleCalls.length;
    for (const body of ['{"channels": ["0x12"]}', '{"extra": true}', '{"channels": "all"}', "not json"]) {
      const res = await call("/v1/settle", { method: "POST", body });
      expect(res.status, body).toBe(400);
      expect(await res.json()).toMatchObject({ error: "bad_request" });
    }
    expect(settleCalls.length).toBe(before);
    const ok = await call("/v1/settle", { method: "POST", body: JSON.stringify({ channels: [`0x${"ab".repeat(32)}`] }) });
    expect(ok.status).toBe(200);
    expect(settleCalls.at(-1)).toEqual({ channels: [`0x${"ab".repeat(32)}`] });
  });

  it("answers unknown routes with 404 JSON", async () => {
    const res = await call("/v1/nope");
    expect(res.status).toBe(404);
  });
});
