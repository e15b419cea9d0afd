import type { Address, BlockNumber, PublicClient } from "viem";
import { paymentChannelsAbi } from "../generated/index.ts";
import type { ChannelState, ChannelStatus } from "./types.ts";

export interface GetChannelParameters {
  channels: Address;
  payer: Address;
  payee: Address;
  blockNumber?: BlockNumber;
}

const statuses: readonly ChannelStatus[] = ["none", "open", "closing"];

/** Reads one channel's on-chain state; a channel never funded has status "none" and zero balance. */
export async function getChannel(client: PublicClient, parameters: GetChannelParameters): Promise<ChannelState> {
  const { channels, payer, payee, blockNumber } = parameters;
  const [channelId, state] = await Promise.all([
    client.readContract({ address: channels, abi: paymentChannelsAbi, functionName: "channelId", args: [payer, payee] }),
    client.readContract({ address: channels, abi: paymentChannelsAbi, functionName: "getChannel", args: [payer, payee], ...(blockNumber !== undefined ? { blockNumber } : {}) }),
  ]);
  return {
    channelId,
    payer,
    payee,
    balance: state.balance,
    settled: state.settled,
    epoch: state.epoch,
    closesAt: state.closesAt,
    status: statuses[state.status] ?? "none",
  };
}
