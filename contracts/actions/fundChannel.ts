import { parseEventLogs, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { paymentChannelsAbi } from "../generated/index.ts";
import { approveIfNeeded } from "./approveIfNeeded.ts";
import { sendContractTransaction, type SottoWalletClient } from "./sendTransaction.ts";
import { signPermit } from "./signPermit.ts";
import type { SottoContracts } from "./types.ts";

export interface FundChannelParameters {
  contracts: SottoContracts;
  payee: Address;
  amount: bigint;
  /** Pay with an ERC-2612 permit valid until `deadline` (unix seconds) instead of an `approve` transaction. */
  permit?: { deadline: bigint } | undefined;
}

export interface FundChannelReturnType {
  transactionHash: Hex;
  balance: bigint;
  epoch: bigint;
  /** Gas of the fund transaction, plus the approval's if one was needed. */
  gasUsed: bigint;
}

/**
 * Opens or tops up the wallet's channel to `payee`: `fund` (approving the token first if needed), or
 * `fundWithPermit` with a permit signed by the wallet (one transaction instead of two).
 *
 * @example
 * await fundChannel(publicClient, wallet, { contracts, payee: entryRelay.node, amount: 1_000n });
 */
export async function fundChannel(publicClient: PublicClient, wallet: SottoWalletClient, parameters: FundChannelParameters): Promise<FundChannelReturnType> {
  const { contracts, payee, amount, permit } = parameters;
  let receipt: TransactionReceipt;
  let approvalGas = 0n;
  if (permit) {
    const { v, r, s } = await signPermit(publicClient, wallet, { token: contracts.token, spender: contracts.channels, value: amount, deadline: permit.deadline });
    receipt = await sendContractTransaction(publicClient, wallet, {
      address: contracts.channels,
      abi: paymentChannelsAbi,
      functionName: "fundWithPermit",
      args: [payee, amount, permit.deadline, v, r, s],
    });
  } else {
    const approval = await approveIfNeeded(publicClient, wallet, { token: contracts.token, spender: contracts.channels, amount });
    approvalGas = approval?.gasUsed ?? 0n;
    receipt = await sendContractTransaction(publicClient, wallet, {
      address: contracts.channels,
      abi: paymentChannelsAbi,
      functionName: "fund",
      args: [payee, amount],
    });
  }
  const [funded] = parseEventLogs({ abi: paymentChannelsAbi, eventName: "ChannelFunded", logs: receipt.logs });
  if (!funded) throw new Error(`fund transaction ${receipt.transactionHash} emitted no ChannelFunded event`);
  return { transactionHash: receipt.transactionHash, balance: funded.args.balance, epoch: funded.args.epoch, gasUsed: receipt.gasUsed + approvalGas };
}
