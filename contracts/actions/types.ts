import type { Address, Hex } from "viem";

/** A relay's directory entry, decoded from RelayRegistry.getRelays. */
export interface RelayRecord {
  node: Address;
  operator: Address;
  /** 33-byte compressed secp256k1 onion key. */
  onionKey: Hex;
  /** libp2p peer id bytes (multihash). */
  peerId: Hex;
  multiaddrs: string[];
  fee: bigint;
  stake: bigint;
  active: boolean;
  unbondingEnds: bigint;
}

export type ChannelStatus = "none" | "open" | "closing";

/** A payment channel's on-chain state (PaymentChannels.getChannel). */
export interface ChannelState {
  channelId: Hex;
  payer: Address;
  payee: Address;
  balance: bigint;
  settled: bigint;
  epoch: bigint;
  closesAt: bigint;
  status: ChannelStatus;
}

/** Addresses of one Sotto deployment. */
export interface SottoContracts {
  token: Address;
  registry: Address;
  channels: Address;
}
