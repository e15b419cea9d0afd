/**
 * The network layer shared by the relay and the client: Sotto link streams (batches of frames, coalesced
 * writes, bounded queues). Portable; the Node libp2p host is in `./node.ts` (`#net/node`).
 */
export { LINK_PROTOCOL, Link, type LinkDropReason, type LinkEvents, type LinkOptions } from "./link.ts";
export { LinkManager, type LinkManagerEvents, type LinkManagerOptions } from "./linkManager.ts";
export { peerIdHex, peerIdString } from "./peerIds.ts";
