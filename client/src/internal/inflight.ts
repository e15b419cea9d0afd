import { toHex } from "#protocol";

/** What has happened to one packet the client sent (one attempt at one fragment). */
export class AttemptWatch {
  readonly ackKey: string;
  readonly ticketKey: string;
  readonly receiptChallenge: Uint8Array;
  /** Peer id of the entry relay the packet was handed to. */
  readonly entryPeer: string | undefined;
  acked = false;
  /** Every link to the entry closed before the receipt came: none can come back through it any more. */
  entryGone = false;
  revealed = false;
  nack: number | undefined;
  receipt: Uint8Array | undefined;
  #waiters = new Set<() => void>();
  readonly #onReceipt: ((recipientAck: Uint8Array) => void) | undefined;

  constructor(p: { ackKey: string; ticketKey: string; receiptChallenge: Uint8Array; entryPeer?: string; onReceipt?: (recipientAck: Uint8Array) => void }) {
    this.ackKey = p.ackKey;
    this.entryPeer = p.entryPeer;
    this.ticketKey = p.ticketKey;
    this.receiptChallenge = p.receiptChallenge;
    this.#onReceipt = p.onReceipt;
  }

  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  gotReceipt(recipientAck: Uint8Array): void {
    if (this.receipt) return;
    this.receipt = recipientAck;
    this.#onReceipt?.(recipientAck);
    this.notify();
  }

  /** Resolves true once `done()` holds, false after `timeoutMs` (or when `signal` aborts). */
  until(done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal?.removeEventListener("abort", onAbort);
        resolve(value);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const onAbort = () => finish(done());
      const timer = setTimeout(() => finish(done()), timeoutMs);
      this.#waiters.add(check);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/**
 * Packets in flight, found by what comes back: ACK and RECEIPT by `keccak256(ack_1)` (the entry's ack
 * challenge), REVEAL and NACK by the challenge of the ticket paying the entry.
 */
export class Inflight {
  readonly #byAck = new Map<string, AttemptWatch>();
  readonly #byTicket = new Map<string, AttemptWatch>();

  register(watch: AttemptWatch): void {
    this.#byAck.set(watch.ackKey, watch);
    this.#byTicket.set(watch.ticketKey, watch);
  }

  unregister(watch: AttemptWatch): void {
    if (this.#byAck.get(watch.ackKey) === watch) this.#byAck.delete(watch.ackKey);
    if (this.#byTicket.get(watch.ticketKey) === watch) this.#byTicket.delete(watch.ticketKey);
  }

  get size(): number {
    return this.#byAck.size;
  }

  /** ACK(ack_1): the entry relay accepted the packet. `ackChallenge` = keccak256(ack secret). */
  onAck(ackChallenge: Uint8Array): boolean {
    const watch = this.#byAck.get(toHex(ackChallenge, true));
    if (!watch) return false;
    watch.acked = true;
    watch.notify();
    return true;
  }

  /** REVEAL(ack_2): the second hop accepted it. `challenge` = keccak256(response) = the ticket's challenge. */
  onReveal(challenge: Uint8Array): boolean {
    const watch = this.#byTicket.get(toHex(challenge, true));
    if (!watch) return false;
    watch.revealed = true;
    watch.acked = true;
    watch.notify();
    return true;
  }

  /**
   * RECEIPT(ack_1, r): found by keccak256(ack_1); genuine iff keccak256(r) is the packet's receipt challenge
   * (checked by the caller through `isGenuine`).
   */
  onReceipt(ackChallenge: Uint8Array, recipientAck: Uint8Array, isGenuine: (watch: AttemptWatch) => boolean): "ok" | "unknown" | "bad" {
    const watch = this.#byAck.get(toHex(ackChallenge, true));
    if (!watch) return "unknown";
    if (!isGenuine(watch)) return "bad";
    watch.acked = true;
    watch.gotReceipt(recipientAck);
    return "ok";
  }

  /**
   * Every link to the entry relay `peer` closed: packets handed to it that have no receipt yet will not get
   * one (a relay sends receipts only on an open link; one that stopped forgot them). Returns how many.
   */
  onEntryGone(peer: string): number {
    let gone = 0;
    for (const watch of this.#byAck.values()) {
      if (watch.entryPeer !== peer || watch.receipt || watch.entryGone) continue;
      watch.entryGone = true;
      watch.notify();
      gone++;
    }
    return gone;
  }

  onNack(challenge: Uint8Array, reason: number): boolean {
    const watch = this.#byTicket.get(toHex(challenge, true));
    if (!watch || watch.receipt) return false;
    watch.nack = reason;
    watch.notify();
    return true;
  }
}
