import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { identify } from "@libp2p/identify";
import type { PrivateKey } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { createLibp2p, type Libp2p } from "libp2p";
import { noiseCrypto } from "./noiseCrypto.ts";
import { batchedWriteEncrypter } from "./batchedWrites.ts";
import { lazyWindowUpdates } from "./lazyWindowUpdates.ts";
import { quietNoiseDecoder } from "./quietNoiseDecoder.ts";

export interface HostOptions {
  privateKey?: PrivateKey;
  /** Multiaddrs to listen on; `/ws` addresses get the WebSocket transport (browsers). Empty = dial only. */
  listen: readonly string[];
  announce?: readonly string[];
}

/**
 * A libp2p host as every Sotto process uses it: TCP + WebSockets, Noise, Yamux.
 *
 * Yamux's default 16 MiB stream window exceeds the stream read buffer cap (4 MiB), so under load a stream
 * aborts with StreamBufferError; a 2 MiB window keeps the sender within what the reader will buffer.
 * Noise uses `noiseCrypto` (its default crypto, with ChaCha20-Poly1305 from libsodium, in place: see there), and
 * hands each encrypted message to the transport as one buffer and coalesces what one tick sends (`batchedWriteEncrypter`),
 * and reads lengths without throwing (`quietNoiseDecoder`).
 * Yamux sends window updates only once half a stream's window is used (`lazyWindowUpdates`).
 */
export async function createHost(options: HostOptions): Promise<Libp2p> {
  return createLibp2p({
    ...(options.privateKey ? { privateKey: options.privateKey } : {}),
    addresses: { listen: [...options.listen], announce: [...(options.announce ?? [])] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [batchedWriteEncrypter(quietNoiseDecoder(noise({ crypto: noiseCrypto })))],
    streamMuxers: [lazyWindowUpdates(yamux({ streamOptions: { maxStreamWindowSize: 2 * 1024 * 1024 } } as Parameters<typeof yamux>[0]))],
    services: { identify: identify() },
    // libp2p's default allows 5 inbound connections per second per IP: too few for a relay that many
    // clients behind one NAT (or a whole local network) connect to.
    connectionManager: { maxConnections: 1_000, inboundConnectionThreshold: 500 },
  });
}
