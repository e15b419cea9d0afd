/**
 * The network layer shared by the relay and the client: a libp2p host as Sotto uses it, and Sotto link
 * streams (batches of frames, coalesced writes, bounded queues). No Sotto logic lives here.
 */
export { createHost, type HostOptions } from "./createHost.ts";
export { LINK_PROTOCOL, Link, type LinkDropReason, type LinkEvents } from "./link.ts";
export { LinkManager, type LinkManagerEvents, type LinkManagerOptions } from "./linkManager.ts";
export { peerIdHex, peerIdString } from "./peerIds.ts";
