import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** First port of the kernel's ephemeral range (the ports handed out for port 0 and outgoing connections). */
function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}

const handedOut = new Set<number>();

/**
 * Ports in the range below that `fetch` refuses to connect to ("bad ports" of the WHATWG Fetch standard; the
 * others on its list are below 10,000): an admin API there fails every request with "bad port".
 */
const FETCH_BLOCKED = new Set([10_080]);

/**
 * A free port on 127.0.0.1 below the ephemeral range, for a port that is bound again later: a relay's (it is
 * published in the registry and bound at every restart) and the devnet's RPC (bound again after `pauseRpc`).
 * A port from the ephemeral range can meanwhile become the local end of any outgoing connection or another
 * test's port-0 listener, and the relay then fails to start with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralRangeStart());
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port) || FETCH_BLOCKED.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${low} and ${high}`);
}
