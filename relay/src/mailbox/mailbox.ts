import type { MailboxEntry, Store } from "../store/store.ts";

export interface MailboxPolicy {
  ttlSeconds: number;
  maxBytesPerRecipient: number;
}

export type StoreMailResult = { ok: true; write: () => void } | { ok: false; reason: "mailbox_full" };

/**
 * Messages held for offline recipients, keyed by the recipient's node id (the last hop of its blinded
 * path). Each entry keeps what the relay needs to get paid when the recipient finally fetches it and
 * returns its delivery receipt: the incoming ticket's challenge and the upstream peer.
 */
export class Mailbox {
  readonly #store: Store;
  readonly #policy: MailboxPolicy;
  /** Bytes reserved by writes not committed yet, so a burst cannot overshoot the quota. */
  readonly #reserved = new Map<string, number>();

  constructor(store: Store, policy: MailboxPolicy) {
    this.#store = store;
    this.#policy = policy;
  }

  put(entry: Omit<MailboxEntry, "id" | "receivedAt" | "expiresAt">, now: number): StoreMailResult {
    const key = Buffer.from(entry.recipient).toString("hex");
    const usage = this.#store.mailUsage(entry.recipient, now).bytes + (this.#reserved.get(key) ?? 0);
    if (usage + entry.frame.length > this.#policy.maxBytesPerRecipient) return { ok: false, reason: "mailbox_full" };
    this.#reserved.set(key, (this.#reserved.get(key) ?? 0) + entry.frame.length);
    return {
      ok: true,
      write: () => {
        this.#store.insertMail({ ...entry, receivedAt: now, expiresAt: now + this.#policy.ttlSeconds * 1000 });
        const left = (this.#reserved.get(key) ?? 0) - entry.frame.length;
        if (left > 0) this.#reserved.set(key, left);
        else this.#reserved.delete(key);
      },
    };
  }

  list(recipient: Uint8Array, now: number, limit = 256): MailboxEntry[] {
    return this.#store.listMail(recipient, now, limit);
  }

  /** The stored message whose delivery receipt answers `challenge` (the incoming ticket's challenge). */
  byChallenge(challenge: Uint8Array): MailboxEntry | undefined {
    return this.#store.mailByChallenge(challenge);
  }

  /** Removes a delivered message (its receipt arrived). */
  remove(id: number): () => void {
    return () => this.#store.deleteMail(id);
  }

  /** Deletes expired messages and returns them (the relay will never be paid for these). */
  expire(now: number): MailboxEntry[] {
    const expired = this.#store.expiredMail(now);
    if (expired.length > 0) this.#store.writeNow(() => expired.forEach((m) => this.#store.deleteMail(m.id)));
    return expired;
  }

  stats(now: number): { messages: number; recipients: number; bytes: number } {
    return this.#store.mailStats(now);
  }
}
