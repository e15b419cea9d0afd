/**
 * Tracks, per next hop, how many recent forwards were acknowledged. A hop that keeps swallowing packets
 * is marked unreliable: the relay stops sending to it (and so stops paying it) until a cool-down passes,
 * then probes it again.
 */
export class HopReliability {
  readonly #stats = new Map<string, { ok: number; failed: number; bannedUntil: number }>();
  readonly #minSamples: number;
  readonly #maxFailureRate: number;
  readonly #coolDownMs: number;

  constructor(options: { minSamples?: number; maxFailureRate?: number; coolDownMs?: number } = {}) {
    this.#minSamples = options.minSamples ?? 20;
    this.#maxFailureRate = options.maxFailureRate ?? 0.5;
    this.#coolDownMs = options.coolDownMs ?? 60_000;
  }

  #entry(hop: string) {
    let entry = this.#stats.get(hop);
    if (!entry) {
      entry = { ok: 0, failed: 0, bannedUntil: 0 };
      this.#stats.set(hop, entry);
    }
    return entry;
  }

  record(hop: string, acknowledged: boolean, now: number): void {
    const entry = this.#entry(hop);
    if (acknowledged) entry.ok++;
    else entry.failed++;
    const total = entry.ok + entry.failed;
    if (total >= this.#minSamples && entry.failed / total > this.#maxFailureRate) {
      entry.bannedUntil = now + this.#coolDownMs;
      entry.ok = 0;
      entry.failed = 0;
    } else if (total >= this.#minSamples * 4) {
      // Exponential forgetting: recent behaviour counts most.
      entry.ok >>= 1;
      entry.failed >>= 1;
    }
  }

  isUnreliable(hop: string, now: number): boolean {
    return (this.#stats.get(hop)?.bannedUntil ?? 0) > now;
  }

  snapshot(now: number): { hop: string; ok: number; failed: number; unreliable: boolean }[] {
    return [...this.#stats].map(([hop, s]) => ({ hop, ok: s.ok, failed: s.failed, unreliable: s.bannedUntil > now }));
  }
}
