import type { Abi, Account, Address, Chain, ContractFunctionArgs, ContractFunctionName, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from "viem";

export type SottoWalletClient = WalletClient<Transport, Chain, Account>;

export class TransactionRevertedError extends Error {
  override name = "TransactionRevertedError" as const;
  readonly hash: Hex;
  constructor(hash: Hex, what: string) {
    super(`${what} reverted in transaction ${hash}`);
    this.hash = hash;
  }
}

/**
 * Simulates a contract call (so reverts surface with their decoded custom error before anything is
 * sent), sends it, and waits for the receipt. Throws TransactionRevertedError if it reverts anyway.
 */
export async function sendContractTransaction<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(
  publicClient: PublicClient,
  wallet: SottoWalletClient,
  call: {
    address: Address;
    abi: abi;
    functionName: functionName;
    args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>;
  },
  options: { confirmations?: number } = {},
): Promise<TransactionReceipt> {
  const { request } = await publicClient.simulateContract({ ...call, account: wallet.account } as never);
  const hash = await wallet.writeContract(request as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash, confirmations: options.confirmations ?? 1 });
  if (receipt.status !== "success") throw new TransactionRevertedError(hash, String(call.functionName));
  return receipt;
}
