/**
 * Node-only defaults of `createSottoClient`, loaded with a computed dynamic import so that browser bundles
 * never see `#protocol/native` (libsecp256k1 N-API, node:crypto).
 */
import type { Libp2p } from "libp2p";
import { createHost } from "#net/node";
import { portableBackend, type CryptoBackend } from "#protocol";
import { getNativeBackend } from "#protocol/native";

/** The native back-end where its binding loads, else the portable one (same bytes, slower). */
export function defaultBackend(): CryptoBackend {
  try {
    return getNativeBackend();
  } catch {
    return portableBackend;
  }
}

/** A dial-only libp2p host (TCP + WebSockets, Noise, Yamux): clients dial relays and keep the links open. */
export function defaultHost(): Promise<Libp2p> {
  return createHost({ listen: [] });
}
