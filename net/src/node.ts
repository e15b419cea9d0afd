/**
 * Node-only part of the network layer: the libp2p host (TCP, WebSockets, Noise with node:crypto keys).
 * Browser code builds its own host and uses the portable link layer from `./index.ts`.
 */
export { createHost, type HostOptions } from "./createHost.ts";
export { newLibp2pKey, readKeyFile, writeNewKeyFile } from "./keyFile.ts";
export { noiseCryptoProvider } from "./noiseCrypto.ts";
