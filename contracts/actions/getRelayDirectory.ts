import type { Address, BlockNumber, PublicClient } from "viem";
import { relayRegistryAbi } from "../generated/index.ts";
import type { RelayRecord } from "./types.ts";

export interface GetRelayDirectoryParameters {
  registry: Address;
  /** Records per view call. Default 250 (well under a node's eth_call gas cap for full records). */
  pageSize?: number;
  /** Read every page at this block so the directory is consistent; default: the latest block. */
  blockNumber?: BlockNumber;
}

/**
 * Reads the whole relay directory with paginated `getRelays` view calls, all at one block (positions may
 * move when a relay withdraws, so pages from different blocks could skip or repeat a record).
 *
 * @example
 * const relays = await getRelayDirectory(publicClient, { registry });
 * const active = relays.filter((r) => r.active);
 */
export async function getRelayDirectory(client: PublicClient, parameters: GetRelayDirectoryParameters): Promise<RelayRecord[]> {
  const pageSize = parameters.pageSize ?? 250;
  const blockNumber = parameters.blockNumber ?? (await client.getBlockNumber());
  const count = await client.readContract({ address: parameters.registry, abi: relayRegistryAbi, functionName: "relayCount", blockNumber });
  const offsets: bigint[] = [];
  for (let offset = 0n; offset < count; offset += BigInt(pageSize)) offsets.push(offset);
  const pages = await Promise.all(
    offsets.map((offset) =>
      client.readContract({ address: parameters.registry, abi: relayRegistryAbi, functionName: "getRelays", args: [offset, BigInt(pageSize)], blockNumber }),
    ),
  );
  return pages.flat().map((r) => ({
    node: r.node,
    operator: r.operator,
    onionKey: r.onionKey,
    peerId: r.peerId,
    multiaddrs: [...r.multiaddrs],
    fee: r.fee,
    stake: r.stake,
    active: r.active,
    unbondingEnds: r.unbondingEnds,
  }));
}
