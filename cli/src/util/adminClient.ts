import { UserError } from "../errors.ts";

/** Calls a running relay's admin API with the token from its config. */
export async function callAdmin(config: { api: { host: string; port: number; token: string } }, path: string, body?: unknown): Promise<unknown> {
  const host = config.api.host === "0.0.0.0" ? "127.0.0.1" : config.api.host;
  const url = `http://${host}:${config.api.port}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${config.api.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(130_000),
    });
  } catch (error) {
    throw new UserError(`cannot reach the relay's admin API at ${url} (${(error as Error).message}); is \`sotto relay start\` running with this config?`);
  }
  const text = await res.text();
  if (!res.ok) throw new UserError(`admin API ${path} answered HTTP ${res.status}: ${text}`);
  return JSON.parse(text);
}
