import type { Libp2p } from "libp2p";
// `#net` is the portable link layer; the Node-only host (`#net/node`) comes in through ../nodeDefaults.ts.
import { LinkManager, type Link } from "#net";
import type { Frame } from "#protocol";
import { ClientClosedError, HostRequiredError, RelayUnreachableError } from "../errors.ts";
import type { ClientLogger, RelayInfo } from "../types.ts";
import { sleep } from "./utils.ts";

/**
 * The client's links to relays: one libp2p host (the caller's, or a dial-only one created on first use),
 * one Sotto link stream per relay, carrying packets out and ACK / REVEAL / RECEIPT / NACK and — at a home
 * relay — delivered packets and DRAINED back in.
 */
export class ClientNetwork {
  readonly #givenHost: Libp2p | undefined;
  readonly #createHost: (() => Promise<Libp2p>) | undefined;
  readonly #onFrame: (frame: Frame, link: Link) => void;
  readonly #onLinkClose: (link: Link) => void;
  readonly #logger: ClientLogger;
  readonly #dialTimeoutMs: number;
  #started: Promise<{ host: Libp2p; links: LinkManager }> | undefined;
  /** The started link manager, for synchronous lookups. */
  #links: LinkManager | undefined;
  #closed = false;

  constructor(p: {
    host?: Libp2p | undefined;
    createHost?: (() => Promise<Libp2p>) | undefined;
    onFrame: (frame: Frame, link: Link) => void;
    onLinkClose: (link: Link) => void;
    logger: ClientLogger;
    dialTimeoutMs?: number;
  }) {
    this.#givenHost = p.host;
    this.#createHost = p.createHost;
    this.#onFrame = p.onFrame;
    this.#onLinkClose = p.onLinkClose;
    this.#logger = p.logger;
    this.#dialTimeoutMs = p.dialTimeoutMs ?? 10_000;
  }

  get started(): boolean {
    return this.#started !== undefined;
  }

  async #start(): Promise<{ host: Libp2p; links: LinkManager }> {
    if (this.#closed) throw new ClientClosedError();
    this.#started ??= (async () => {
      let host = this.#givenHost;
      if (!host) {
        if (!this.#createHost) throw new HostRequiredError();
        host = await this.#createHost();
      }
      const links = new LinkManager(
        host,
        {
          onFrame: this.#onFrame,
          onBadFrame: (error, type, link) => this.#logger.debug("invalid frame skipped", { type, peer: link.peer }, error),
          onFramingError: (error, link) => this.#logger.warn("relay link lost framing; closed", { peer: link.peer }, error),
          onLinkClose: this.#onLinkClose,
        },
        { maxQueue: 4_096, dialTimeoutMs: this.#dialTimeoutMs },
      );
      await links.start();
      this.#links = links;
      return { host, links };
    })();
    return this.#started;
  }

  /**
   * An open link to `relay`, dialling its registered multiaddrs if needed. A failed dial is tried twice
   * more (after 0.5 s and 1.2 s): libp2p hosts refuse more than 5 inbound connections per second from one
   * IP address, which clients behind one NAT (or a local network's processes) easily hit.
   */
  async connect(relay: RelayInfo): Promise<Link> {
    const { links } = await this.#start();
    let lastError: unknown;
    for (const delay of [0, 500, 1_200]) {
      if (delay > 0) await sleep(delay);
      if (this.#closed) throw new ClientClosedError();
      try {
        return await links.connect(relay.peer, relay.multiaddrs);
      } catch (error) {
        lastError = error;
        this.#logger.debug("dial failed", { relay: relay.node, retryAfterMs: delay }, error);
      }
    }
    throw new RelayUnreachableError({ relay: relay.node, cause: lastError });
  }

  /** Whether an open link to `peer` remains (no dialling). */
  hasLink(peer: string): boolean {
    return this.#links?.get(peer) !== undefined;
  }

  /** The open link to `relay`, if there is one (no dialling). */
  async existing(relay: RelayInfo): Promise<Link | undefined> {
    if (!this.#started) return undefined;
    const { links } = await this.#started;
    return links.get(relay.peer);
  }

  async stop(): Promise<void> {
    this.#closed = true;
    if (!this.#started) return;
    let started: { host: Libp2p; links: LinkManager };
    try {
      started = await this.#started;
    } catch {
      return;
    }
    await started.links.stop().catch(() => undefined);
    if (!this.#givenHost) await Promise.resolve(started.host.stop()).catch(() => undefined);
  }
}
