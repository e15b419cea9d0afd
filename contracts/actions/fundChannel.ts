import { parseEventLogs, type Address, type PublicClient } from "viem";
import { paymentChannelsAbi } from "../generated/index.ts";
import { approveIfNeeded } from "./approveIfNeeded.ts";
import { sendContractTransaction, type SottoWalletClient } from "./sendTransaction.ts";
import type { SottoContracts } from "./types.ts";

export interface FundChannelParameters {
  contracts: SottoContracts;
  payee: Address;
  amount: bigint;
}

export interface FundChannelReturnType {
  balance: bigint;
  epoch: bigint;
  gasUsed: bigint;
}

/**
 * Opens or tops up the wallet's channel to `payee` (approving the token first if needed).
 *
 * @example
 * await fundChannel(publicClient, wallet, { contracts, payee: entryRelay.node, amount: 1_000n });
 */
export async function fundChannel(publicClient: PublicClient, wallet: SottoWalletClient, parameters: FundChannelParameters): Promise<FundChannelReturnType> {
  const { contracts, payee, amount } = parameters;
  const approval = await approveIfNeeded(publicClient, wallet, { token: contracts.token, spender: contracts.channels, amount });
  const receipt = await sendContractTransaction(publicClient, wallet, {
    address: contracts.channels,
    abi: paymentChannelsAbi,
    functionName: "fund",
    args: [payee, amount],
  });
  const [funded] = parseEventLogs({ abi: paymentChannelsAbi, eventName: "ChannelFunded", logs: receipt.logs });
  if (!funded) throw new Error(`fund transaction ${receipt.transactionHash} emitted no ChannelFunded event`);
  return { balance: funded.args.balance, epoch: funded.args.epoch, gasUsed: receipt.gasUsed + (approval?.gasUsed ?? 0n) };
}
