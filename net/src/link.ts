import type { Stream } from "@libp2p/interface";
import { BatchStreamDecoder, packBatches, type BaseError, type Frame } from "#protocol";

/** libp2p protocol id of the Sotto link: packets downstream, acks/reveals/receipts upstream, on one stream. */
export const LINK_PROTOCOL = "/sotto/link/1.0.0";

export type LinkDropReason = "queue_full" | "link_closed";

export interface LinkOptions {
  /** Frames queued at most; beyond it, frames are dropped and counted (onDrop). */
  maxQueue: number;
  /**
   * How long feedback frames (all but PACKET) may wait before they are sent, so that the feedback of several
   * packets leaves in one socket write (0: at the end of the tick, like packets). A socket write wakes the
   * receiving process; at moderate load a relay wrote to its upstream up to three times per packet (ACK, then REVEAL and
   * RECEIPT), and each cost both ends more than the frames' own processing. Packets are never delayed, and a
   * packet takes the feedback queued before it along. Frames keep their order either way.
   */
  lingerMs?: number;
}

export interface LinkEvents {
  onFrame: (frame: Frame, link: Link) => void;
  /** A well-delimited frame whose content was invalid; it was skipped, the link stays up. */
  onBadFrame: (error: BaseError, frameType: number, link: Link) => void;
  /** The stream broke framing (bad version, unknown type): the link is aborted. */
  onFramingError: (error: Error, link: Link) => void;
  onDrop: (reason: LinkDropReason, count: number, link: Link) => void;
  onClose: (link: Link) => void;
}

/**
 * One libp2p stream carrying Sotto batches (protocol.md §Link streams) in both directions.
 *
 * Writes are coalesced: frames queued during one tick (a callback and the microtasks it causes, such as all
 * the packets of one chunk read, or all the writes of one store commit) go out as one batch, per-message
 * overhead dominating libp2p throughput; and they go out right after that tick, not after the rest of the
 * event-loop turn's I/O. With `lingerMs`, feedback (every frame but PACKET: ACK, REVEAL, RECEIPT, NACK…)
 * waits up to that long for company, or for a PACKET that takes it along: see LinkOptions. The queue is
 * bounded: when the peer is slow and the stream needs
 * draining, frames beyond `maxQueue` are dropped and counted, so one slow peer never holds memory or
 * blocks the relay's other links.
 */
export class Link {
  readonly peer: string;
  readonly stream: Stream;
  readonly #events: LinkEvents;
  readonly #maxQueue: number;
  readonly #decoder = new BatchStreamDecoder();
  #queue: Frame[] = [];
  #flushScheduled = false;
  readonly #lingerMs: number;
  #lingerTimer: NodeJS.Timeout | undefined;
  #draining = false;
  #closed = false;
  #closeNotified = false;
  /** Waiters for the queue to empty (`sendPaced`). */
  #drained: (() => void)[] = [];

  constructor(peer: string, stream: Stream, events: LinkEvents, options: LinkOptions) {
    this.peer = peer;
    this.stream = stream;
    this.#events = events;
    this.#maxQueue = options.maxQueue;
    this.#lingerMs = options.lingerMs ?? 0;
    stream.addEventListener("message", (event) => this.#onData(event.data));
    stream.addEventListener("close", () => this.#onClosed());
  }

  get closed(): boolean {
    return this.#closed || this.stream.status !== "open";
  }

  get queueLength(): number {
    return this.#queue.length;
  }

  /** Queues `frame`; returns false (and counts a drop) if the link is closed or its queue is full. */
  send(frame: Frame): boolean {
    if (this.closed) {
      this.#events.onDrop("link_closed", 1, this);
      return false;
    }
    if (this.#queue.length >= this.#maxQueue) {
      this.#events.onDrop("queue_full", 1, this);
      return false;
    }
    this.#queue.push(frame);
    if (this.#flushScheduled || this.#draining) return true;
    if (this.#lingerMs > 0 && frame.type !== "packet") {
      this.#lingerTimer ??= setTimeout(() => this.#flush(), this.#lingerMs);
      return true;
    }
    this.#flushScheduled = true;
    process.nextTick(() => this.#flush());
    return true;
  }

  /**
   * Sends many frames without overflowing the queue: waits for the queue to drain (or the link to close)
   * whenever it is half full. Resolves with how many frames were queued.
   */
  async sendPaced(frames: Iterable<Frame>): Promise<number> {
    let sent = 0;
    for (const frame of frames) {
      while (!this.closed && this.#queue.length >= this.#maxQueue / 2) await new Promise<void>((resolve) => this.#drained.push(resolve));
      if (!this.send(frame)) break;
      sent++;
    }
    return sent;
  }

  /**
   * Sends what is queued and closes the stream gracefully: resolves once the queued frames are handed to the
   * connection (or after `timeoutMs`, when the stream is aborted instead). A process that stops its libp2p
   * host right after a send must await this, or the frames can be lost with the connection.
   */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    await this.stream.close({ signal: AbortSignal.timeout(timeoutMs) }).catch(() => this.stream.abort(new Error("link closed")));
  }

  abort(reason: string): void {
    this.#closed = true;
    this.stream.abort(new Error(reason));
  }

  #wakeDrained(): void {
    const waiters = this.#drained;
    this.#drained = [];
    for (const wake of waiters) wake();
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#stopLinger();
    if (this.#queue.length === 0 || this.closed) {
      this.#wakeDrained();
      return;
    }
    const batches = packBatches(this.#queue);
    this.#queue = [];
    let ready = true;
    try {
      for (const batch of batches) ready = this.stream.send(batch);
    } catch {
      this.#onClosed();
      return;
    }
    if (ready) {
      this.#wakeDrained();
    } else {
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
    let items;
    try {
      items = this.#decoder.push(chunk);
    } catch (error) {
      this.#events.onFramingError(error as Error, this);
      this.abort("bad link framing");
      return;
    }
    for (const item of items) {
      if ("frame" in item) this.#events.onFrame(item.frame, this);
      else this.#events.onBadFrame(item.error, item.frameType, this);
      if (this.#closed) return;
    }
  }

  #stopLinger(): void {
    if (this.#lingerTimer === undefined) return;
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }

  #onClosed(): void {
    this.#closed = true;
    this.#stopLinger();
    this.#wakeDrained();
    if (this.#queue.length > 0) this.#events.onDrop("link_closed", this.#queue.length, this);
    this.#queue = [];
    if (this.#closeNotified) return;
    this.#closeNotified = true;
    this.#events.onClose(this);
  }
}
