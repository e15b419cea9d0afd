import type { Address, PublicClient, TransactionReceipt } from "viem";
import { sottoTestTokenAbi } from "../generated/index.ts";
import { sendContractTransaction, type SottoWalletClient } from "./sendTransaction.ts";

/** Approves `spender` for `amount` of `token` unless the allowance already covers it (ERC-20 subset only). */
export async function approveIfNeeded(
  publicClient: PublicClient,
  wallet: SottoWalletClient,
  parameters: { token: Address; spender: Address; amount: bigint },
): Promise<TransactionReceipt | undefined> {
  const allowance = await publicClient.readContract({
    address: parameters.token,
    abi: sottoTestTokenAbi,
    functionName: "allowance",
    args: [wallet.account.address, parameters.spender],
  });
  if (allowance >= parameters.amount) return undefined;
  return sendContractTransaction(publicClient, wallet, {
    address: parameters.token,
    abi: sottoTestTokenAbi,
    functionName: "approve",
    args: [parameters.spender, parameters.amount],
  });
}
