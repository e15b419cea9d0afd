import type { Connection, PeerId, Stream } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import type { Libp2p } from "libp2p";
import type { BaseError, Frame } from "#protocol";
import { LINK_PROTOCOL, Link, type LinkDropReason, type LinkOptions } from "./link.ts";

export interface LinkManagerEvents {
  onFrame: (frame: Frame, link: Link) => void;
  onBadFrame?: (error: BaseError, frameType: number, link: Link) => void;
  onFramingError?: (error: Error, link: Link) => void;
  onDrop?: (reason: LinkDropReason, count: number, link: Link) => void;
  onLinkOpen?: (link: Link) => void;
  onLinkClose?: (link: Link) => void;
}

export interface LinkManagerOptions extends LinkOptions {
  dialTimeoutMs?: number;
}

/**
 * Keeps at most one usable link per peer. Links are opened on demand (dialling the peer's registered
 * multiaddrs) or accepted from peers; either direction carries traffic both ways, so acks travel back
 * on the stream the packet arrived on.
 */
export class LinkManager {
  readonly #host: Libp2p;
  readonly #events: LinkManagerEvents;
  readonly #options: LinkManagerOptions;
  readonly #links = new Map<string, Link>();
  readonly #dialing = new Map<string, Promise<Link>>();

  constructor(host: Libp2p, events: LinkManagerEvents, options: LinkManagerOptions) {
    this.#host = host;
    this.#events = events;
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.#host.handle(LINK_PROTOCOL, (stream: Stream, connection: Connection) => {
      this.#adopt(connection.remotePeer.toString(), stream);
    }, { maxInboundStreams: 64, runOnLimitedConnection: false });
  }

  async stop(): Promise<void> {
    await this.#host.unhandle(LINK_PROTOCOL);
    // Frames queued just before stopping (a client's final vouchers) still go out before the host stops.
    const links = [...this.#links.values()];
    this.#links.clear();
    await Promise.all(links.map((link) => link.close()));
  }

  /** The open link to `peer`, if any (no dialling). */
  get(peer: string): Link | undefined {
    const link = this.#links.get(peer);
    return link && !link.closed ? link : undefined;
  }

  get size(): number {
    return this.#links.size;
  }

  /** Returns an open link to `peer`, dialling `addrs` (or known addresses) if needed. */
  async connect(peer: string, addrs: readonly string[] = []): Promise<Link> {
    const existing = this.get(peer);
    if (existing) return existing;
    const inFlight = this.#dialing.get(peer);
    if (inFlight) return inFlight;
    const dial = this.#dial(peer, addrs).finally(() => this.#dialing.delete(peer));
    this.#dialing.set(peer, dial);
    return dial;
  }

  async #dial(peer: string, addrs: readonly string[]): Promise<Link> {
    const peerId: PeerId = peerIdFromString(peer);
    const signal = AbortSignal.timeout(this.#options.dialTimeoutMs ?? 10_000);
    let stream: Stream;
    if (addrs.length > 0) {
      const targets = addrs.map((a) => {
        const ma = multiaddr(a);
        return ma.getComponents().some((c) => c.name === "p2p") ? ma : ma.encapsulate(`/p2p/${peer}`);
      });
      stream = await this.#host.dialProtocol(targets, LINK_PROTOCOL, { signal });
    } else {
      stream = await this.#host.dialProtocol(peerId, LINK_PROTOCOL, { signal });
    }
    return this.#adopt(peer, stream);
  }

  #adopt(peer: string, stream: Stream): Link {
    const link = new Link(
      peer,
      stream,
      {
        onFrame: this.#events.onFrame,
        onBadFrame: (error, type, l) => this.#events.onBadFrame?.(error, type, l),
        onFramingError: (error, l) => this.#events.onFramingError?.(error, l),
        onDrop: (reason, count, l) => this.#events.onDrop?.(reason, count, l),
        onClose: (l) => {
          if (this.#links.get(peer) === l) this.#links.delete(peer);
          this.#events.onLinkClose?.(l);
        },
      },
      { maxQueue: this.#options.maxQueue, lingerMs: this.#options.lingerMs },
    );
    const current = this.get(peer);
    // Keep the first open link; a second one (both sides dialled at once) still delivers its messages.
    if (!current) this.#links.set(peer, link);
    this.#events.onLinkOpen?.(link);
    return link;
  }
}
