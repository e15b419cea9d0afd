import type { Stream } from "@libp2p/interface";

/** libp2p protocol id of the Sotto link: packets downstream, acks/reveals/receipts upstream, on one stream. */
export const LINK_PROTOCOL = "/sotto/link/1.0.0";

/** Largest single message on a link (a packet frame is ~1.6 KB; anything above this is an attack). */
export const MAX_LINK_MESSAGE = 8 * 1024;

export type LinkDropReason = "queue_full" | "link_closed";

export interface LinkEvents {
  onMessage: (message: Uint8Array, link: Link) => void;
  onFramingError: (reason: string, link: Link) => void;
  onDrop: (reason: LinkDropReason, count: number, link: Link) => void;
  onClose: (link: Link) => void;
}

/**
 * One libp2p stream carrying length-prefixed messages (u16 big-endian length, then the message), see
 * docs/protocol.md "Link framing".
 *
 * Writes are coalesced: everything queued during one event-loop turn goes out in one `send` (per-message
 * overhead dominates libp2p throughput). The queue is bounded: when the peer is slow and the stream needs
 * draining, new messages beyond `maxQueue` are dropped and counted, so one slow peer never holds memory
 * or blocks the relay's other links.
 */
export class Link {
  readonly peer: string;
  readonly stream: Stream;
  readonly #events: LinkEvents;
  readonly #maxQueue: number;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #flushScheduled = false;
  #draining = false;
  #closed = false;
  #closeNotified = false;
  #pending: Uint8Array | undefined;

  constructor(peer: string, stream: Stream, events: LinkEvents, options: { maxQueue: number }) {
    this.peer = peer;
    this.stream = stream;
    this.#events = events;
    this.#maxQueue = options.maxQueue;
    stream.addEventListener("message", (event) => this.#onData(event.data));
    stream.addEventListener("close", () => this.#onClosed());
  }

  get closed(): boolean {
    return this.#closed || this.stream.status !== "open";
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  /** Queues `message`; returns false (and counts a drop) if the link is closed or its queue is full. */
  send(message: Uint8Array): boolean {
    if (message.length > MAX_LINK_MESSAGE) throw new RangeError(`link message of ${message.length} bytes exceeds ${MAX_LINK_MESSAGE}`);
    if (this.closed) {
      this.#events.onDrop("link_closed", 1, this);
      return false;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#events.onDrop("queue_full", 1, this);
      return false;
    }
    this.#queue.push(message);
    this.#queuedBytes += message.length + 2;
    if (!this.#flushScheduled && !this.#draining) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stream.close().catch(() => this.stream.abort(new Error("link closed")));
  }

  abort(reason: string): void {
    this.#closed = true;
    this.stream.abort(new Error(reason));
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#queue.length === 0 || this.closed) return;
    const out = new Uint8Array(this.#queuedBytes);
    let offset = 0;
    for (const message of this.#queue) {
      out[offset] = message.length >> 8;
      out[offset + 1] = message.length & 0xff;
      out.set(message, offset + 2);
      offset += message.length + 2;
    }
    this.#queue = [];
    this.#queuedBytes = 0;
    let ready: boolean;
    try {
      ready = this.stream.send(out);
    } catch {
      this.#onClosed();
      return;
    }
    if (!ready) {
      this.#draining = true;
      this.stream
        .onDrain()
        .then(() => {
          this.#draining = false;
          this.#flush();
        })
        .catch(() => this.#onClosed());
    }
  }

  #onData(data: Uint8Array | { subarray(): Uint8Array }): void {
    const chunk = data instanceof Uint8Array ? data : data.subarray();
    let bytes = chunk;
    if (this.#pending) {
      bytes = new Uint8Array(this.#pending.length + chunk.length);
      bytes.set(this.#pending);
      bytes.set(chunk, this.#pending.length);
      this.#pending = undefined;
    }
    let offset = 0;
    while (bytes.length - offset >= 2) {
      const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
      if (length === 0 || length > MAX_LINK_MESSAGE) {
        this.#events.onFramingError(length === 0 ? "empty_message" : "oversized_message", this);
        this.abort("bad link framing");
        return;
      }
      if (bytes.length - offset - 2 < length) break;
      const message = bytes.subarray(offset + 2, offset + 2 + length);
      offset += 2 + length;
      this.#events.onMessage(message, this);
      if (this.#closed) return;
    }
    if (offset < bytes.length) this.#pending = bytes.slice(offset);
  }

  #onClosed(): void {
    this.#closed = true;
    if (this.#queue.length > 0) this.#events.onDrop("link_closed", this.#queue.length, this);
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#closeNotified) return;
    this.#closeNotified = true;
    this.#events.onClose(this);
  }
}
