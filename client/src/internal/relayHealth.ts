/**
 * Relays that recently refused (NACK) or timed out on this client's packets, avoided by route selection
 * for a while (doubling on repeated failures, reset by a success).
 */
export class RelayHealth {
  readonly #until = new Map<string, { until: number; strikes: number }>();
  readonly #baseMs: number;
  readonly #maxMs: number;

  constructor(options: { baseMs?: number; maxMs?: number } = {}) {
    this.#baseMs = options.baseMs ?? 30_000;
    this.#maxMs = options.maxMs ?? 10 * 60_000;
  }

  penalize(node: string, now = Date.now()): void {
    const k = node.toLowerCase();
    const strikes = (this.#until.get(k)?.strikes ?? 0) + 1;
    this.#until.set(k, { until: now + Math.min(this.#baseMs * 2 ** (strikes - 1), this.#maxMs), strikes });
  }

  succeeded(node: string): void {
    this.#until.delete(node.toLowerCase());
  }

  /** Nodes (lowercase) to avoid now. */
  avoided(now = Date.now()): Set<string> {
    const out = new Set<string>();
    for (const [k, v] of this.#until) if (v.until > now) out.add(k);
    return out;
  }
}
