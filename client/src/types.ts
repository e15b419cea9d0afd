import type { Address, Hex } from "viem";
import type { RelayRecord } from "#contracts";
import type { PaidBlindedPath } from "#protocol";
import type { SendMessageReturnType } from "./actions/sendMessage.ts";

/**
 * Where the client keeps what must survive a restart: the payer ledger of each channel (next index,
 * confirmed amount, tickets awaiting a reveal), the addresses it issued (their path ids) and recently
 * delivered message ids. Values are opaque strings (JSON). `localStorage`, IndexedDB, a file or a database
 * all fit; the client serialises its writes per key and never reads another client's keys.
 */
export interface ClientStorage {
  get(key: string): Promise<string | undefined> | string | undefined;
  set(key: string, value: string): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

/** Structured logger (Lodestar style: message, context, error). Every method is optional to implement. */
export interface ClientLogger {
  debug(message: string, context?: Record<string, unknown>, error?: unknown): void;
  info(message: string, context?: Record<string, unknown>, error?: unknown): void;
  warn(message: string, context?: Record<string, unknown>, error?: unknown): void;
  error(message: string, context?: Record<string, unknown>, error?: unknown): void;
}

/** A directory entry as the client uses it: the registry record plus its decoded keys. */
export type RelayInfo = RelayRecord & {
  /** The onion key as bytes (the relay's node id in onions). */
  nodeId: Uint8Array;
  /** The libp2p peer id string (decoded from the registry's multihash bytes). */
  peer: string;
};

/** One relay of a route, as reported back to the caller. */
export type RouteRelay = { node: Address; fee: bigint };

/** A message delivered to this client, reassembled from its fragments. */
export type ReceivedMessage = {
  /** 16-byte message id chosen by the sender (hex). */
  messageId: Hex;
  /** The message bytes. */
  message: Uint8Array;
  /** The message decoded as UTF-8 (replacement characters where it is not). */
  text: string;
  /** When the last fragment arrived (ms since the epoch). */
  receivedAt: number;
  /** The sender's reply path, if it sent one. */
  replyPath: PaidBlindedPath | undefined;
  /** The reply path as a `sotto1…` address (what an app shows as "from"), if there is one. */
  from: string | undefined;
  /** The address (of this client's) it came through. */
  address: string | undefined;
  /** Sends `message` back over the reply path (the replier pays); present only with a reply path. */
  reply: ((message: Uint8Array | string, options?: { waitForReceipt?: boolean }) => Promise<SendMessageReturnType>) | undefined;
};

export type MessageHandler = (message: ReceivedMessage) => void | Promise<void>;
